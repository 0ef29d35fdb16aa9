"""The committed docs/schema.md and types/database.types.ts are what the schema generates
(CI runs `schemactl docs --check` / `types --check` too; this keeps `pytest` alone a
complete gate). The session's legacy-mode template is the built schema on the stand-in,
as `schemactl docs` builds it (its seeds do not change the catalog)."""

from __future__ import annotations

import pytest

from schemactl.build.builder import Build
from schemactl.catalog.reader import Catalog
from schemactl.config import Project
from schemactl.generate.outputs import DOCS_GRANT_MODE
from schemactl.generate.schema_doc import DEFAULT_PATH as SCHEMA_DOC
from schemactl.generate.schema_doc import render_schema_doc
from schemactl.generate.typescript_types import DEFAULT_PATH as TYPES
from schemactl.generate.typescript_types import render_types

pytestmark = pytest.mark.parametrize("grant_mode", [DOCS_GRANT_MODE], indirect=True)


def test_committed_schema_doc_is_current(
    crm_project: Project, schema_build: Build, catalog: Catalog
) -> None:
    committed = (crm_project.root / SCHEMA_DOC).read_text("utf-8")

    assert committed == render_schema_doc(catalog, schema_build, grant_mode=DOCS_GRANT_MODE), (
        f"{SCHEMA_DOC} is out of date: run `schemactl generate` and commit the result"
    )


def test_committed_types_are_current(crm_project: Project, catalog: Catalog) -> None:
    committed = (crm_project.root / TYPES).read_text("utf-8")

    assert committed == render_types(catalog, crm_project.exposed_schemas), (
        f"{TYPES} is out of date: run `schemactl generate` and commit the result"
    )
