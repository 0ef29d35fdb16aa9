"""SC005: functions' search_path; SC012: SECURITY DEFINER functions the API can call."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.codes import Violation
from schemactl.lint.model import Function, SchemaModel
from schemactl.lint.settings import LintSettings
from schemactl.source.names import PUBLIC, schema_of

ANONYMOUS = ("anon", PUBLIC)

# pg_catalog first so built-in names win, pg_temp named and last: a search_path that does
# not name pg_temp (even an empty one) still searches it FIRST for tables and types, so a
# caller's temporary domain `pg_temp.uuid` would run its CHECK inside the function.
SAFE_SEARCH_PATH = ("pg_catalog", "pg_temp")
SAFE_SETTING = "set search_path = pg_catalog, pg_temp"


def check_functions(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    for function in model.functions.values():
        yield from _search_path(function)
        if function.security_definer:
            yield from _api_reachable_definer(model, settings, function)


def _search_path(function: Function) -> Iterator[Violation]:
    path = function.search_path
    if path is None and function.security_definer:
        yield Violation(
            "SC005",
            f"security definer function {function.signature} does not set search_path: "
            "the caller's search_path decides which objects it uses, with the owner's "
            f"rights; add `{SAFE_SETTING}` and qualify every name",
            function.site,
        )
    elif path is not None and path != SAFE_SEARCH_PATH:
        shown = ", ".join(p or "''" for p in path)
        yield Violation(
            "SC005",
            f"function {function.signature} sets search_path = {shown}: a search_path that "
            "does not end in pg_temp searches the caller's temporary schema first for "
            f"tables and types; use `{SAFE_SETTING}`",
            function.site,
        )


def _api_reachable_definer(
    model: SchemaModel, settings: LintSettings, function: Function
) -> Iterator[Violation]:
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
