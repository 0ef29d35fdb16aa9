"""The generated files of a project and how each is made: docs/schema.md and the
TypeScript types from the built database's catalog, supabase/seed.sql from seeds/,
docs/commands.md from the CLI's own description (passed in: this module knows no click)."""

from __future__ import annotations

import os
from pathlib import Path

from schemactl.build.builder import Build
from schemactl.catalog.reader import Catalog, read_catalog
from schemactl.config import Project
from schemactl.generate.command_reference import DEFAULT_PATH as COMMANDS_PATH
from schemactl.generate.command_reference import CommandReference, render_command_reference
from schemactl.generate.schema_doc import DEFAULT_PATH as SCHEMA_DOC_PATH
from schemactl.generate.schema_doc import managed_schemas, render_schema_doc
from schemactl.generate.seed_sql import DEFAULT_PATH as SEED_PATH
from schemactl.generate.seed_sql import render_seed_sql
from schemactl.generate.sync import GeneratedFile, project_path
from schemactl.generate.typescript_types import DEFAULT_PATH as TYPES_PATH
from schemactl.generate.typescript_types import render_types
from schemactl.pg.built_database import built_database
from schemactl.pg.databases import GrantMode

# The documents describe the schema as Supabase runs it today: with its current default
# privileges. (A schema that revokes what it does not grant reads the same in `opt-in`.)
DOCS_GRANT_MODE: GrantMode = "legacy"


def catalog_schemas(project: Project, schema: Build) -> list[str]:
    """The schemas the documents cover: those schema/ manages plus the exposed ones."""
    return sorted(set(managed_schemas(schema)) | set(project.exposed_schemas))


def built_catalog(project: Project, schema: Build, server_url: str | None = None) -> Catalog:
    """Apply the build to a scratch database and read its catalog."""
    with built_database(project, schema, server_url=server_url, grant_mode=DOCS_GRANT_MODE) as conn:
        return read_catalog(conn, catalog_schemas(project, schema))


def schema_doc_file(
    project: Project, schema: Build, catalog: Catalog, output: Path | None = None
) -> GeneratedFile:
    path = project_path(project, output, SCHEMA_DOC_PATH)
    doc_path = Path(os.path.relpath(path, project.root)).as_posix()
    text = render_schema_doc(catalog, schema, doc_path=doc_path, grant_mode=DOCS_GRANT_MODE)
    return GeneratedFile(path, text, "schemactl docs")


def types_file(project: Project, catalog: Catalog, output: Path | None = None) -> GeneratedFile:
    return GeneratedFile(
        project_path(project, output, TYPES_PATH),
        render_types(catalog, project.exposed_schemas),
        "schemactl types",
    )


def seed_file(project: Project, output: Path | None = None) -> GeneratedFile:
    return GeneratedFile(
        project_path(project, output, SEED_PATH), render_seed_sql(project), "schemactl seed-sql"
    )


def command_reference_file(
    project: Project, reference: CommandReference, output: Path | None = None
) -> GeneratedFile:
    return GeneratedFile(
        project_path(project, output, COMMANDS_PATH),
        render_command_reference(reference),
        "schemactl commands-doc",
    )
