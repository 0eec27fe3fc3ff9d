"""A workshop room: one session seen on several pages at once, and its play clock.

The projected page and the presenter view (a second window with the notes) show the same
session: each page opens the room by its id (in the page's address) and waits for the
room's ``version`` to change, then redraws. Every control, from either page or the
keyboard, goes through the room, under its lock, and bumps the version.

Playing is the room's own thread, not a page's: a week every ``PLAY_INTERVAL_S`` seconds on
a fixed schedule (the time a page takes to draw a week does not add to the interval). A week
is never skipped: before the next one, play waits until every page watching the room has
drawn the last (at most ``RENDER_WAIT_S``), so on an overloaded machine the pace slows down
instead of leaving captions unseen; it never catches up in a burst.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sim.workshop.session import WorkshopSession

PLAY_INTERVAL_S = 1.2  # seconds between weeks when playing: time to read the caption
MAX_ROOMS = 16  # sessions kept on one server (the least recently used goes first)
UNWATCHED_S = 30.0  # playing pauses when no page has looked at the room for this long (a closed browser)
RENDER_WAIT_S = 5.0  # longest wait for the pages to draw a week before playing the next
ROOM_ID = re.compile(r"[A-Za-z0-9_-]{4,32}")


class Room:
    """One session, its lock, its version and its play clock."""

    def __init__(self, room_id: str, session: WorkshopSession | None = None, interval: float = PLAY_INTERVAL_S):
        self.id = room_id
        self.session = session or WorkshopSession()
        self.interval = interval
        self.lock = threading.RLock()  # held while the session steps or is drawn
        self.version = 0
        self.played_at: list[float] = []  # monotonic times of the weeks played (to measure the pace)
        self.starts = 0  # stories started (or left): the projected page then scrolls back to its top
        self._changed = threading.Condition()
        self._playing = False
        self._thread: threading.Thread | None = None
        self.last_used = time.monotonic()
        self.last_watched = time.monotonic()
        self._drawn: dict[int, int] = {}  # per page watching: the last version it drew
        self._pages = 0

    # ------------------------------------------------------------------ change and wait
    def changed(self) -> None:
        """Tell every page that the session changed."""
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        """Wait until the version differs from ``seen`` (or ``timeout`` seconds); returns the version."""
        with self._changed:
            self.last_watched = time.monotonic()
            self._changed.wait_for(lambda: self.version != seen, timeout)
            self.last_watched = time.monotonic()
            return self.version

    def watch(self) -> int:
        """A page starts watching; returns its token for :meth:`drawn` and :meth:`unwatch`."""
        with self._changed:
            self._pages += 1
            self._drawn[self._pages] = self.version
            return self._pages

    def drawn(self, page: int, version: int) -> None:
        """Page ``page`` has drawn ``version`` (play waits for every page before the next week)."""
        with self._changed:
            if page in self._drawn:
                self._drawn[page] = max(self._drawn[page], version)
                self._changed.notify_all()

    def unwatch(self, page: int) -> None:
        """Page ``page`` is gone."""
        with self._changed:
            self._drawn.pop(page, None)
            self._changed.notify_all()

    def _all_drawn(self) -> bool:
        return all(v >= self.version for v in self._drawn.values())

    def act(self, action: Callable[..., Any], *args: Any) -> Any:
        """Run ``action(*args)`` on the session under the lock, then tell the pages."""
        self.last_used = time.monotonic()
        with self.lock:
            result = action(*args)
        self.changed()
        return result

    # ------------------------------------------------------------------ controls
    @property
    def playing(self) -> bool:
        return self._playing

    def next_step(self) -> None:
        """The next-step control (→, space): one week, or in a story the rest of the chapter (or the next).

        Ignored while playing (the button is disabled then too)."""
        if self._playing:
            return
        self.act(self._next)

    def _next(self) -> None:
        session = self.session
        if session.story is None:
            session.step()
        elif not session.story_finished:
            session.next_chapter()

    def play(self) -> None:
        """Start playing: a week every ``interval`` seconds until paused (in a story, to the chapter's end)."""
        with self._changed:
            if self._playing:
                return
            self._playing = True
            self._thread = threading.Thread(target=self._play_loop, name=f"workshop-play-{self.id}", daemon=True)
            self._thread.start()
        self.changed()

    def pause(self) -> None:
        """Stop playing (the week being shown stays)."""
        with self._changed:
            if not self._playing:
                return
            self._playing = False
            self._changed.notify_all()
        self.changed()

    def toggle_play(self) -> None:
        """Play or pause (the P key)."""
        if self._playing:
            self.pause()
        else:
            self.play()

    def _play_loop(self) -> None:
        due = time.monotonic() + self.interval
        while True:
            with self._changed:
                self._changed.wait_for(lambda: not self._playing, max(0.0, due - time.monotonic()))
                self._changed.wait_for(lambda: not self._playing or self._all_drawn(), RENDER_WAIT_S)
                if not self._playing:
                    return
            if time.monotonic() - self.last_watched > UNWATCHED_S:  # every page has gone: stop
                more = False
            else:
                with self.lock:
                    if not self._playing:  # paused while this week waited for the lock
                        return
                    more = self.session.play_week()
                self.played_at.append(time.monotonic())
            if not more:
                with self._changed:
                    self._playing = False
            self.changed()
            if not more:
                return
            due += self.interval
            due = max(due, time.monotonic() + 0.05 * self.interval)  # behind schedule: go on, never in a burst


_ROOMS: OrderedDict[str, Room] = OrderedDict()
_ROOMS_LOCK = threading.Lock()


def new_room_id() -> str:
    """A fresh room id, hard to guess (it is all a second page needs to join)."""
    return secrets.token_urlsafe(6)


def open_room(room_id: str | None = None, factory: Callable[[str], Room] = Room) -> Room:
    """The room ``room_id``, opened if the server does not hold it (e.g. after a restart); a new one for ``None``.

    An id that is not 4 to 32 letters, digits, ``-`` or ``_`` opens a new room instead.
    """
    if room_id is None or not ROOM_ID.fullmatch(room_id):
        room_id = new_room_id()
    with _ROOMS_LOCK:
        room = _ROOMS.get(room_id)
        if room is None:
            room = _ROOMS[room_id] = factory(room_id)
            while len(_ROOMS) > MAX_ROOMS:
                _, old = _ROOMS.popitem(last=False)
                old.pause()
        _ROOMS.move_to_end(room_id)
        room.last_used = time.monotonic()
        return room
