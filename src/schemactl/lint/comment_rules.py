"""SC014: every table, view, materialized view and schema that schema/ creates carries a
COMMENT ON (docs/schema.md and the API's OpenAPI description are made from them), when the
project asks for it with `require_comments = true` in [tool.schemactl.lint]."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.codes import Violation
from schemactl.lint.model import SchemaModel, Site
from schemactl.lint.settings import LintSettings


def check_comments(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    if not settings.require_comments:
        return
    relations: dict[str, tuple[str, Site]] = {
        **{name: ("table", table.site) for name, table in model.tables.items()},
        **{
            name: ("materialized view" if view.materialized else "view", view.site)
            for name, view in model.views.items()
        },
    }
    for name, (kind, site) in relations.items():
        if ("relation", name) not in model.comments:
            yield _uncommented(kind, name, site, f"comment on {kind} {name} is '…';")
    for name, site in model.schemas.items():
        if ("schema", name) not in model.comments:
            yield _uncommented("schema", name, site, f"comment on schema {name} is '…';")


def _uncommented(kind: str, name: str, site: Site, fix: str) -> Violation:
    return Violation(
        "SC014",
        f"{kind} {name} has no comment: the schema document and the API description "
        f"are made from comments; add `{fix}`",
        site,
    )
