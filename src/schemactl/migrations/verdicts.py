"""Remembered outcomes of `diff --check`: "these migrations produce this schema/".

Kept shadow databases (on the local server of `schemactl up`) are named after everything
they are made from: the stand-in, the owner role, the migrations' text, schema/'s files.
When a pair of them was found to match, the same pair matches again as long as the diff
engine (its code), its settings and the server's version are the same: the key holds
all of them,
so `diff --check` on an unchanged project answers without reading a catalog (or importing
`results`). Only matches are remembered; a mismatch is always diffed again, to be shown.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

import schemactl
from schemactl.config import Project
from schemactl.diff.engine import CACHE_FORMAT
from schemactl.migrations.shadows import Shadow


@dataclass(frozen=True)
class MatchVerdicts:
    directory: Path
    kept: int = 32

    def known(self, key: str) -> bool:
        return (self.directory / key).is_file()

    def remember(self, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f"{key}.{os.getpid()}.tmp"
        partial.write_text("match\n", encoding="utf-8")
        partial.replace(self.directory / key)
        entries = sorted(
            (p for p in self.directory.iterdir() if p.suffix != ".tmp"),
            key=lambda p: p.stat().st_mtime,
        )
        for old in entries[: -self.kept]:
            old.unlink(missing_ok=True)


def match_key(
    project: Project, replayed: Shadow, target: Shadow, server_version: str, roles: tuple[str, ...]
) -> str:
    """Everything a `diff --check` verdict depends on besides the shadows' content."""
    parts = (
        conninfo_to_dict(replayed.url).get("dbname"),
        conninfo_to_dict(target.url).get("dbname"),
        server_version,
        project.owner_role,
        tuple(project.exposed_schemas),
        roles,
        schemactl.__version__,
        _engine_digest(),
        version("results"),
        CACHE_FORMAT,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


@cache
def _engine_digest() -> str:
    """The diff engine's own code and SQL: a verdict of an older engine is not reused."""
    package = Path(schemactl.__file__).parent
    digest = hashlib.sha256()
    for folder in ("diff", "migrations", "catalog", "sql"):
        for path in sorted((package / folder).rglob("*")):
            if path.suffix in (".py", ".sql"):
                digest.update(path.read_bytes())
    return digest.hexdigest()
