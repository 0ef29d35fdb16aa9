"""`[tool.schemactl.lint]`: the few things the structural rules let a project choose."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemactl.config import Project
from schemactl.errors import Location, SchemactlError

KNOWN_KEYS = frozenset(
    {"updated_at_column", "updated_at_functions", "require_comments", "sql_directories"}
)


@dataclass(frozen=True)
class LintSettings:
    exposed_schemas: frozenset[str]
    # SC010: the column a trigger must keep current.
    updated_at_column: str = "updated_at"
    # SC010: trigger functions (fnmatch patterns over `schema.name`) accepted as setting
    # updated_at without reading their body, e.g. a generic one driven by TG_ARGV.
    updated_at_functions: tuple[str, ...] = ()
    # SC014: every table, view and schema that schema/ creates has a COMMENT ON.
    require_comments: bool = False
    # More directories of SQL that sqlfluff checks besides schema/ and seeds/ (e.g. the
    # SQL a plugin ships): style only, they are not part of the build.
    sql_directories: tuple[Path, ...] = ()


def lint_settings(project: Project) -> LintSettings:
    raw = dict(project.lint)
    where = Location(project.relative(project.root / "pyproject.toml"))
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise SchemactlError(
            f"unknown key {unknown[0]!r} in [tool.schemactl.lint]",
            location=where,
            hint=f"known keys: {', '.join(sorted(KNOWN_KEYS))}",
        )
    column = raw.get("updated_at_column", "updated_at")
    functions = raw.get("updated_at_functions", [])
    if not isinstance(column, str) or not column:
        raise SchemactlError(
            "[tool.schemactl.lint] updated_at_column must be a column name", location=where
        )
    if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
        raise SchemactlError(
            "[tool.schemactl.lint] updated_at_functions must be a list of strings",
            location=where,
            hint='e.g. updated_at_functions = ["private.touch_*"]',
        )
    require_comments = raw.get("require_comments", False)
    if not isinstance(require_comments, bool):
        raise SchemactlError(
            "[tool.schemactl.lint] require_comments must be true or false", location=where
        )
    return LintSettings(
        frozenset(project.exposed_schemas),
        column,
        tuple(functions),
        require_comments,
        _sql_directories(project, raw.get("sql_directories", []), where),
    )


def _sql_directories(project: Project, value: object, where: Location) -> tuple[Path, ...]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise SchemactlError(
            "[tool.schemactl.lint] sql_directories must be a list of directories",
            location=where,
            hint='e.g. sql_directories = ["src/my_plugin/sql"] (relative to the project)',
        )
    directories = []
    for name in value:
        directory = (project.root / name).resolve()
        if not directory.is_dir() or not directory.is_relative_to(project.root.resolve()):
            raise SchemactlError(
                f"[tool.schemactl.lint] sql_directories: {name!r} is not a directory "
                "of this project",
                location=where,
                hint="name a directory relative to the project root, or remove the entry",
            )
        directories.append(directory)
    return tuple(directories)
