"""A lock on a results directory: one experiment writes into it at a time.

The lock is an advisory ``flock`` on a small file in the directory, so the system releases it
when the process ends in any way (kill -9 included) and a stale lock never blocks anyone. The
file says who holds the lock (process, host, start time, command), so a second process that
finds it taken can say who.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sim.params import ConfigError

LOCK_FILE = ".community-sim.lock"
_held: dict[Path, int] = {}  # directories this process holds, with how many times (the lock is re-entrant)


@contextmanager
def directory_lock(directory: str | Path, option: str = "--out") -> Iterator[None]:
    """Hold the lock of ``directory`` (created if missing) for the ``with`` block.

    Raises:
        ConfigError: naming the directory and ``option`` when another process holds the lock,
            with that process's id, host, start time and command.
    """
    root = Path(directory).resolve()
    if root in _held:
        _held[root] += 1
        try:
            yield
        finally:
            _held[root] -= 1
        return
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                str(directory),
                option,
                _held_by(fd) + f"; allowed: wait for it to finish, or another {option} directory",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder(), ensure_ascii=False).encode("utf-8"))
        _held[root] = 1
        try:
            yield
        finally:
            del _held[root]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
    }


def _held_by(fd: int) -> str:
    """Who holds the lock, as the holder wrote it."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "is in use by another process"
    return (
        f"is in use by process {info.get('pid')} on {info.get('host')} since {info.get('since')} "
        f"({info.get('command')})"
    )
