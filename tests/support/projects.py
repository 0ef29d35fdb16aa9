"""Projects for tests: copies of `tests/fixtures/projects/<name>` and projects written
from ``{relative path: text}``."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

FIXTURE_PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def copy_fixture_project(name: str, destination: Path) -> Path:
    """A copy of `tests/fixtures/projects/<name>` at ``destination`` (returned)."""
    shutil.copytree(FIXTURE_PROJECTS / name, destination)
    return destination


def write_project(root: Path, files: dict[str, str], external: list[str] | None = None) -> Path:
    """A project made of ``files`` (path relative to root -> text, dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    quoted = ", ".join(f'"{entry}"' for entry in external or [])
    (root / "pyproject.toml").write_text(f"[tool.schemactl]\nexternal = [{quoted}]\n")
    write_files(root, files)
    (root / "schema").mkdir(exist_ok=True)
    return root


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``files`` (path relative to root -> text, dedented) written under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root
