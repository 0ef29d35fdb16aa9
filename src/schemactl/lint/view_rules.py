"""SC008, SC009: what views expose through the API."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.codes import Violation
from schemactl.lint.model import SchemaModel
from schemactl.lint.settings import LintSettings
from schemactl.source.names import schema_of


def check_views(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    for view in model.views.values():
        if schema_of(view.name) not in settings.exposed_schemas:
            continue
        if view.materialized:
            yield Violation(
                "SC008",
                f"materialized view {view.name} is in API-exposed schema "
                f"{schema_of(view.name)}: a materialized view ignores RLS, so every API role "
                "with SELECT reads all of it; move it to a schema that is not exposed and "
                "serve it through a function that checks the caller",
                view.site,
            )
        elif not view.security_invoker:
            yield Violation(
                "SC009",
                f"view {view.name} is in API-exposed schema {schema_of(view.name)} without "
                "security_invoker: it runs with its owner's rights and bypasses RLS; create "
                "it `with (security_invoker = true)`",
                view.site,
            )
