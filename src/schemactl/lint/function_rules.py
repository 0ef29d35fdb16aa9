"""SC005, SC012: SECURITY DEFINER functions."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.codes import Violation
from schemactl.lint.model import SchemaModel
from schemactl.lint.names import PUBLIC, schema_of
from schemactl.lint.settings import LintSettings

ANONYMOUS = ("anon", PUBLIC)


def check_functions(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    for function in model.functions.values():
        if not function.security_definer:
            continue
        if not function.sets_search_path:
            yield Violation(
                "SC005",
                f"security definer function {function.signature} does not set search_path: "
                "the caller's search_path decides which objects it uses, with the owner's "
                "rights; add `set search_path = ''` and qualify every name",
                function.site,
            )
        schema = schema_of(function.name)
        reachable = [
            role for role in ANONYMOUS if role in model.execute.grantees.get(function.key, set())
        ]
        if schema in settings.exposed_schemas and reachable:
            who = " and ".join("PUBLIC" if r == PUBLIC else r for r in reachable)
            yield Violation(
                "SC012",
                f"security definer function {function.signature} in API-exposed schema "
                f"{schema} is executable by {who}: anyone can call it through the API with "
                f"the owner's rights; `revoke execute on function {function.signature} from "
                "public, anon` and grant it to the roles that need it",
                function.site,
            )
