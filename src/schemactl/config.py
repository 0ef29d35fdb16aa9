"""The project: where its files are and what `[tool.schemactl]` in pyproject.toml says."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemactl.errors import Location, SchemactlError

DEFAULT_EXPOSED_SCHEMAS = ("public",)


@dataclass(frozen=True)
class Project:
    """A directory laid out as docs/design.md (Project layout) describes, plus its configuration."""

    root: Path
    external: tuple[str, ...] = ()
    owner_role: str = "postgres"
    exposed_schemas: tuple[str, ...] = DEFAULT_EXPOSED_SCHEMAS
    sqlfluff: dict[str, object] = field(default_factory=dict, compare=False)
    lint: dict[str, object] = field(default_factory=dict, compare=False)  # [tool.schemactl.lint]
    # [tool.schemactl.apply]: lock_timeout, statement_timeout, lock_retries, retry_delay
    apply: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def schema_dir(self) -> Path:
        return self.root / "schema"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def migrations_dir(self) -> Path:
        return self.root / "supabase" / "migrations"

    @property
    def state_dir(self) -> Path:
        return self.root / ".schemactl"

    def relative(self, path: Path) -> str:
        """A path as the user sees it in messages: relative to the project root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def find_project_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` with a pyproject.toml that has
    ``[tool.schemactl]``, or that has a ``schema/`` directory."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        pyproject = candidate / "pyproject.toml"
        if (
            pyproject.is_file()
            and "tool" in _read_toml(pyproject)
            and "schemactl" in _read_toml(pyproject)["tool"]
        ):
            return candidate
        if (candidate / "schema").is_dir():
            return candidate
    raise SchemactlError(
        f"no schemactl project found at or above {start}",
        hint="run inside a directory with a schema/ folder or a pyproject.toml "
        "that has a [tool.schemactl] table",
    )


def load_project(root: Path | None = None) -> Project:
    """Read the project at ``root`` (default: found from the current directory)."""
    root = find_project_root(root or Path.cwd()) if root is None else root.resolve()
    pyproject = root / "pyproject.toml"
    data = _read_toml(pyproject) if pyproject.is_file() else {}
    tool = data.get("tool", {})
    settings = tool.get("schemactl", {})
    where = Location(str(pyproject))
    external = settings.get("external", [])
    if not isinstance(external, list) or not all(isinstance(e, str) for e in external):
        raise SchemactlError(
            "[tool.schemactl] external must be a list of strings",
            location=where,
            hint='e.g. external = ["auth.users", "auth.uid()"]',
        )
    exposed = settings.get("exposed_schemas", list(DEFAULT_EXPOSED_SCHEMAS))
    owner = settings.get("owner_role", "postgres")
    if not isinstance(owner, str) or not owner:
        raise SchemactlError("[tool.schemactl] owner_role must be a role name", location=where)
    return Project(
        root=root,
        external=tuple(external),
        owner_role=owner,
        exposed_schemas=tuple(exposed),
        sqlfluff=tool.get("sqlfluff", {}),
        lint=settings.get("lint", {}),
        apply=settings.get("apply", {}),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemactlError(
            f"invalid TOML: {exc}", location=Location(str(path)), hint="fix the syntax"
        ) from exc
