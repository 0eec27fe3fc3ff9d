"""Running a page server (``community-sim dashboard`` / ``workshop``) and stopping all of it.

The command starts ``solara run`` as a child process, and the dashboard's server starts a pool of
worker processes (dashboards/pool.py). Stopping the command (Ctrl+C, ``kill``, a closed terminal)
must stop every one of them and free the port, or the next start fails with "address in use".
So the server runs in a process group of its own; the command passes the stop signal on to the
server, which shuts down in about a second, and whatever of the group is still alive after
:data:`STOP_GRACE_SECONDS` (a comparison still running in the pool) is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

STOP_GRACE_SECONDS = 3.0
# SIGHUP: the terminal was closed. Windows has only SIGINT (Ctrl+C reaches every process there).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_OWN_GROUP = os.name == "posix"


class _StopRequested(Exception):
    """Raised by the signal handler to end the wait for the server."""


def run_until_stopped(command: Sequence[str], cwd: Path | str | None = None, env: dict[str, str] | None = None) -> int:
    """Run ``command`` until it ends or this process is asked to stop; returns the exit status.

    A stop signal (Ctrl+C, SIGTERM, SIGHUP) is passed on to the command's process; the command and
    every process it started are gone within :data:`STOP_GRACE_SECONDS` plus a moment. A stopped
    server counts as success (status 0).
    """
    process = subprocess.Popen(list(command), cwd=cwd, env=env, start_new_session=_OWN_GROUP)
    stop_requested: list[int] = []

    def on_stop_signal(signum: int, _frame: object) -> None:
        if stop_requested or process.returncode is not None:
            return  # already stopping, or already stopped
        stop_requested.append(signum)
        _send(process, signum)
        raise _StopRequested

    previous = {s: signal.signal(s, on_stop_signal) for s in STOP_SIGNALS}
    try:
        try:
            status = process.wait()
        except _StopRequested:
            try:
                status = process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:  # busy (a run in the pool) or hung: stop it the hard way
                status = -signal.SIGKILL
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _kill_all(process)  # workers the server left behind, if any
        process.wait()
    return 0 if stop_requested else status


def _send(process: subprocess.Popen, signum: int) -> None:
    """Ask the server to stop: SIGTERM starts uvicorn's graceful shutdown (on Windows, Ctrl+C reaches
    the server by itself, and ``terminate`` is the only other way)."""
    if _OWN_GROUP:
        process.send_signal(signal.SIGTERM)
    elif signum != signal.SIGINT:
        process.terminate()


def _kill_all(process: subprocess.Popen) -> None:
    """Kill the server and every process in its group (POSIX); on Windows the server alone."""
    if not _OWN_GROUP:
        if process.poll() is None:
            process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty: everyone has left
        os.killpg(process.pid, signal.SIGKILL)
