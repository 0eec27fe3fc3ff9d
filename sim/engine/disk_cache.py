"""A small on-disk cache for results that depend only on inputs and the model's code.

The pilot mix (sim/engine/warmup.py) is one long run per town profile and scenario; it is the
same on every run of that pair, so it is computed once per machine and kept here. A cached entry
is found by a key made of its inputs *and* a fingerprint of the model's source code and numpy's
version: any change to the code makes a new key, so an entry never goes stale silently.

The directory is ``$COMMUNITY_SIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/community-sim``, else
``~/.cache/community-sim``; set ``COMMUNITY_SIM_CACHE_DIR=off`` to use no disk cache. It holds
only files this project wrote, and removing it at any time is safe (entries are recomputed).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

_SIM_DIR = Path(__file__).resolve().parent.parent


def cache_dir() -> Path | None:
    """Where cached entries live, or None when the disk cache is switched off."""
    configured = os.environ.get("COMMUNITY_SIM_CACHE_DIR", "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "community-sim"


@functools.cache
def code_fingerprint() -> str:
    """A hash of every Python source file of the model package and of numpy's version."""
    digest = hashlib.sha256(np.__version__.encode())
    for path in sorted(_SIM_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(_SIM_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def entry_key(kind: str, inputs: Any) -> str:
    """The key of an entry of ``kind`` computed from ``inputs`` (JSON-able) by this code."""
    text = json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{kind}\n{code_fingerprint()}\n{text}".encode()).hexdigest()[:32]


def load_arrays(kind: str, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None if there are none (or the file is unreadable)."""
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / kind / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None  # missing, partly written by a killed process elsewhere, or corrupt: recompute


def save_arrays(kind: str, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``key`` (written to a temporary name and renamed; failures are ignored:
    the cache only saves time)."""
    directory = cache_dir()
    if directory is None:
        return
    target = directory / kind
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target, prefix=f".{key}.", suffix=".npz")
    except OSError:
        return  # a read-only or full cache directory: run without it
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)
        os.replace(temporary, target / f"{key}.npz")
    except OSError:
        Path(temporary).unlink(missing_ok=True)  # our own temporary file
