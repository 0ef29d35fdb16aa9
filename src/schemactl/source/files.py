"""Finding the schema's files and rendering the Jinja2 templates among them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from schemactl.config import Project
from schemactl.errors import Location, SchemactlError

# UTF-8; a leading byte-order mark (as some Windows editors write) is dropped, not parsed.
SOURCE_ENCODING = "utf-8-sig"

SQL_SUFFIXES = (".sql", ".sql.j2")


@dataclass(frozen=True)
class SourceFile:
    """One schema file as it is parsed: ``text`` is the rendered SQL."""

    path: str  # relative to the project root, posix separators
    text: str


def is_library(path: Path) -> bool:
    """Files whose name starts with `_` hold Jinja2 macros: imported, never built."""
    return path.name.startswith("_")


def schema_files(directory: Path) -> list[Path]:
    """Every SQL or SQL template file below ``directory``, in a stable order."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.rglob("*") if p.is_file() and p.name.endswith(SQL_SUFFIXES)]
    return sorted((p for p in found if not is_library(p)), key=lambda p: p.as_posix())


def read_sources(project: Project, directory: Path) -> list[SourceFile]:
    """Read (and render) every file below ``directory``."""
    environment = template_environment(directory)
    return [
        SourceFile(project.relative(path), _render(project, environment, directory, path))
        for path in schema_files(directory)
    ]


def template_environment(directory: Path) -> jinja2.Environment:
    """The Jinja2 environment the files below ``directory`` are rendered with."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory), encoding=SOURCE_ENCODING),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render(project: Project, environment: jinja2.Environment, directory: Path, path: Path) -> str:
    try:
        raw = path.read_text(SOURCE_ENCODING)
    except UnicodeDecodeError as exc:
        raise SchemactlError(
            "file is not UTF-8 text",
            location=Location(project.relative(path)),
            hint="save it as UTF-8",
        ) from exc
    if not path.name.endswith(".j2"):
        return raw
    try:
        template = environment.get_template(path.relative_to(directory).as_posix())
        return template.render()
    except jinja2.TemplateSyntaxError as exc:
        where = Location(project.relative(Path(exc.filename or path)), exc.lineno)
        raise SchemactlError(
            f"template syntax error: {exc.message}",
            location=where,
            hint="fix the Jinja2 syntax",
        ) from exc
    except jinja2.TemplateError as exc:
        raise SchemactlError(
            f"template error: {exc}",
            location=Location(project.relative(path)),
            hint="check the macro names and arguments the template uses",
        ) from exc
