"""A cache of freshly initialised clusters, so a new server is a copy, not an initdb.

initdb spends most of its time creating ~1000 files and filling template1, template0
and postgres; copying the result is about twice as fast, and every throwaway server
(each pytest session) and every `schemactl up` on a new checkout starts with one.

Entries live in `$SCHEMACTL_CACHE_DIR` (default `$XDG_CACHE_HOME/schemactl/clusters`,
i.e. `~/.cache/schemactl/clusters`; an empty value turns the cache off), one per server
binary, initdb arguments and OS user, each a pristine data directory that was never
started. The server's OS user never reads the cache: this process copies it (with
`cp -a`, which keeps the owner when run as root).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

CACHE_ENV = "SCHEMACTL_CACHE_DIR"
COMPLETE = "complete"


def cache_root() -> Path | None:
    """Where entries live, or None when caching is turned off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schemactl" / "clusters"


def cluster_key(postgres: Path, initdb_args: Sequence[str], uid: int | None) -> str:
    """Names the cluster that ``initdb_args`` make with this server binary for this OS
    user (a changed or reinstalled binary gets a new entry)."""
    binary = postgres.resolve()
    stat = binary.stat()
    material = json.dumps([str(binary), stat.st_size, stat.st_mtime_ns, list(initdb_args), uid])
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def restore(key: str, data_dir: Path) -> bool:
    """Fill the empty ``data_dir`` with the cached cluster; False (``data_dir`` left
    empty) when there is none or it cannot be copied."""
    root = cache_root()
    if root is None or not (root / key / COMPLETE).is_file():
        return False
    try:
        _copy_contents(root / key / "data", data_dir)
    except (OSError, subprocess.CalledProcessError):
        _empty(data_dir)
        return False
    return True


def store(key: str, data_dir: Path) -> None:
    """Keep a copy of the cluster just initialised in ``data_dir`` (before it is ever
    started). Best effort: a cache that cannot be written is simply not used."""
    root = cache_root()
    if root is None or (root / key).exists():
        return
    building: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        (building / "data").mkdir()
        _copy_contents(data_dir, building / "data")
        (building / COMPLETE).touch()
        os.rename(building, root / key)  # atomic; fails if another process won the race
    except (OSError, subprocess.CalledProcessError):
        pass
    finally:
        if building is not None:
            shutil.rmtree(building, ignore_errors=True)


def _copy_contents(source: Path, target: Path) -> None:
    """Copy what is inside ``source`` into ``target`` with owners, modes and times."""
    subprocess.run(["cp", "-a", f"{source}/.", str(target)], check=True, capture_output=True)


def _empty(directory: Path) -> None:
    for child in directory.iterdir():
        with suppress(OSError):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
