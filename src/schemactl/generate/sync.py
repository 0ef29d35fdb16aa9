"""Generated files kept in the repository (docs/schema.md, types, supabase/seed.sql,
docs/commands.md): write them, or check that the committed copy is current."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from schemactl.config import Project


class FileState(Enum):
    WRITTEN = "written"
    UNCHANGED = "up to date"
    STALE = "out of date"
    MISSING = "missing"

    @property
    def failed_check(self) -> bool:
        return self in (FileState.STALE, FileState.MISSING)


@dataclass(frozen=True)
class GeneratedFile:
    path: Path  # absolute
    text: str
    command: str  # the command that regenerates it, for messages


@dataclass(frozen=True)
class FileStatus:
    path: str  # as the user sees it: relative to the project root
    state: FileState
    command: str
    diff: str = ""  # unified diff from the committed file to the generated one


def project_path(project: Project, output: Path | None, default: str) -> Path:
    """``output`` (relative to the current directory) or the default (relative to the
    project root), as an absolute path."""
    return output.resolve() if output is not None else project.root / default


def sync(project: Project, generated: GeneratedFile, *, check: bool) -> FileStatus:
    """Write ``generated`` (only if it changed), or with ``check`` compare without writing."""
    shown = project.relative(generated.path)
    current = generated.path.read_text("utf-8") if generated.path.is_file() else None
    if current == generated.text:
        return FileStatus(shown, FileState.UNCHANGED, generated.command)
    if check:
        if current is None:
            return FileStatus(shown, FileState.MISSING, generated.command)
        diff = "".join(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                generated.text.splitlines(keepends=True),
                fromfile=f"{shown} (committed)",
                tofile=f"{shown} (generated)",
            )
        )
        return FileStatus(shown, FileState.STALE, generated.command, diff)
    generated.path.parent.mkdir(parents=True, exist_ok=True)
    generated.path.write_text(generated.text, encoding="utf-8")
    return FileStatus(shown, FileState.WRITTEN, generated.command)
