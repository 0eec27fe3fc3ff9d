"""Where outputs go: checked before anything runs, so that a run's work is never lost at the end.

An output directory that is a file, lies under a file, or cannot be written is refused with one
message naming the option; an output file likewise. The check writes nothing the user would
see: a probe file is created in an existing directory and removed at once, and a directory
that does not exist yet is left to be created by the command that writes into it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sim.params import ConfigError


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """Check that ``path`` is, or can become, a directory this process can write into.

    Raises:
        ConfigError: naming ``path`` and ``option`` with what is wrong.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(str(path), option, "is a file, not a directory; allowed: a directory (new or existing)")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise ConfigError(
            str(path), option, f"lies under {str(existing)!r}, which is a file; allowed: a path under a directory"
        )
    _check_writable(existing, path, option)
    return path


def check_output_file(path: str | Path, option: str = "--out") -> Path:
    """Check that the file ``path`` can be written (its directory exists or can be made, and it is no directory).

    Raises:
        ConfigError: naming ``path`` and ``option`` with what is wrong.
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(str(path), option, "is a directory; allowed: a file name, e.g. report.html")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(str(path), option, "cannot be written (read-only); allowed: a file you can write")
    check_output_dir(path.parent, option)
    return path


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (a file, if the path runs through one)."""
    for candidate in (path, *path.absolute().parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(path.anchor or ".")


def _check_writable(directory: Path, target: Path, option: str) -> None:
    """Create and remove a probe file in ``directory``: permissions, read-only mounts and full disks show."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".community-sim-probe-", dir=directory)
    except OSError as e:
        raise ConfigError(
            str(target),
            option,
            f"cannot be written ({e.strerror or e} in {str(directory)!r}); allowed: a directory you can write",
        ) from None
    os.close(fd)
    os.unlink(probe)
