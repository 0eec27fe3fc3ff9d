"""A workshop room (sim/workshop/room.py): one session on the projected page and the presenter view, and its play clock."""

from __future__ import annotations

import itertools
import statistics
import threading
import time

import pytest

from sim.workshop import room as rooms
from sim.workshop.room import Room, open_room
from sim.workshop.session import WorkshopSession


@pytest.fixture
def fresh_rooms(monkeypatch):
    monkeypatch.setattr(rooms, "_ROOMS", rooms.OrderedDict())


def test_two_pages_with_the_same_room_id_share_one_session(fresh_rooms):
    screen = open_room(None)
    presenter = open_room(screen.id)
    assert presenter is screen
    assert open_room("another-room") is not screen
    assert open_room("bad id!").id != "bad id!"  # not a room id: a new room instead


def test_a_control_on_one_page_wakes_the_other(fresh_rooms):
    room = open_room(None)
    seen = room.version
    woke: list[int] = []
    watcher = threading.Thread(target=lambda: woke.append(room.wait_change(seen, 5.0)))
    watcher.start()
    room.next_step()
    watcher.join(5)
    assert woke and woke[0] > seen and room.session.week == 1


def test_next_is_a_week_in_free_mode_and_a_chapter_in_a_story():
    room = Room("r1")
    room.next_step()
    assert room.session.week == 1
    room.act(room.session.start_story, "refusing_parent")
    room.next_step()
    assert room.session.week == room.session.story.chapters[0].until_week
    while not room.session.story_finished:
        room.next_step()
    week = room.session.week
    room.next_step()  # the story is over: nothing moves
    assert room.session.week == week


def test_rooms_beyond_the_limit_are_dropped_oldest_first(fresh_rooms, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_ROOMS", 2)
    made = []
    factory = lambda rid: made.append(rid) or Room(rid, session=_tiny_session())  # noqa: E731
    first = open_room("room-1", factory)
    open_room("room-2", factory)
    open_room("room-1", factory)  # used again: now the newest
    open_room("room-3", factory)
    assert list(rooms._ROOMS) == ["room-1", "room-3"] and open_room("room-1", factory) is first


def _tiny_session():
    return WorkshopSession(seed=5)


def _play(room: Room, seconds: float) -> list[float]:
    room.play()
    time.sleep(seconds)
    room.pause()
    times = list(room.played_at)
    return [b - a for a, b in itertools.pairwise(times)]


def test_play_steps_on_a_fixed_schedule_and_pause_stops_it():
    room = Room("pace", interval=0.2)
    gaps = _play(room, 2.5)
    assert 10 <= len(gaps) + 1 <= 13
    assert statistics.mean(gaps) == pytest.approx(0.2, abs=0.02)
    week = room.session.week
    time.sleep(0.3)
    assert room.session.week == week and not room.playing


def test_a_slow_week_does_not_slow_the_pace(monkeypatch):
    """Drawing or stepping a week takes time; the next week still comes on schedule."""
    room = Room("slow", interval=0.2)
    step = room.session.play_week

    def slow_week() -> bool:
        time.sleep(0.08)
        return step()

    monkeypatch.setattr(room.session, "play_week", slow_week)
    gaps = _play(room, 2.5)
    assert statistics.mean(gaps) == pytest.approx(0.2, abs=0.02)  # not 0.28


def test_next_is_ignored_while_playing_and_play_stops_at_a_chapters_end():
    room = Room("story", interval=0.01)
    room.act(room.session.start_story, "refusing_parent")
    room.play()
    room.next_step()  # ignored: playing
    deadline = time.monotonic() + 10
    while room.playing and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not room.playing
    assert room.session.week == room.session.story.chapters[0].until_week


def test_play_stops_when_no_page_watches_any_more(monkeypatch):
    """A browser closed while playing must not leave the room stepping (and growing) forever."""
    monkeypatch.setattr(rooms, "UNWATCHED_S", 0.3)
    room = Room("left-alone", interval=0.05)
    room.play()
    deadline = time.monotonic() + 5
    while room.playing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not room.playing and 3 <= room.session.week <= 12


def test_play_waits_for_a_slow_page_instead_of_skipping_weeks():
    """On an overloaded machine a page may take longer than the interval to draw a week: every
    week is still drawn, the pace slows down instead."""
    room = Room("slow-page", interval=0.05)
    drawn: list[int] = []
    stop = threading.Event()

    def page() -> None:
        token = room.watch()
        seen = room.version
        while not stop.is_set():
            now = room.wait_change(seen, 0.5)
            if now != seen:
                seen = now
                time.sleep(0.15)  # drawing the week
                drawn.append(room.session.week)
            room.drawn(token, now)
        room.unwatch(token)

    watcher = threading.Thread(target=page)
    watcher.start()
    gaps = _play(room, 1.6)
    stop.set()
    watcher.join(2)
    weeks = sorted(set(drawn))
    assert len(weeks) >= 6 and weeks == list(range(weeks[0], weeks[-1] + 1))  # no week skipped
    assert statistics.mean(gaps) == pytest.approx(0.15, abs=0.04)  # the page's pace, not 0.05
