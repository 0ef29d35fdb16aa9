"""Seeds: idempotent reference data in seeds/*.sql, run in file order."""

from __future__ import annotations

from schemactl.config import Project
from schemactl.source.files import read_sources
from schemactl.source.statements import Statement, parse_statements


def seed_statements(project: Project) -> list[Statement]:
    return [
        statement
        for source in read_sources(project, project.seeds_dir)
        for statement in parse_statements(source)
    ]
