"""Reading a database with the `results` package's inspector (the successor of migra's
schemainspect), narrowed to the schemas the project manages and normalised so that
`results` compares what the project means.

`results` is used as published: nothing of it is patched. Its inspected objects are
plain data, and the normalisations below change that data only:

- objects outside the managed schemas are left out (triggers on other schemas' tables,
  e.g. `auth.users`, stay when their function is ours);
- privileges and comments are left out: `catalog_gaps` compares both for every kind of
  object (left to `results`, a changed comment would re-create its function or table);
- a column's type is compared with its modifiers (`numeric(14,2)`, not `numeric`), so a
  view on a column whose modifiers change is dropped and re-created around the
  ALTER COLUMN TYPE (which fails on it otherwise);
- a trigger whose definition deparses (pglast) to the same canonical SQL on both sides
  gets the same text (PostgreSQL deparses a row comparison in WHEN as nested ORs that
  parse back flat, so a re-created trigger reads differently).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from pglast.parser import ParseError
from pglast.stream import RawStream

from schemactl.diff.gaps import empty_search_path
from schemactl.diff.inspected import Inspection
from schemactl.source.statements import spans

# The inspector's collections of schema objects, each object carrying `.schema`.
COLLECTIONS = (
    "schemas",
    "relations",
    "tables",
    "views",
    "materialized_views",
    "composite_types",
    "functions",
    "selectables",
    "sequences",
    "constraints",
    "indexes",
    "enums",
    "privileges",
    "collations",
    "rlspolicies",
    "types",
    "domains",
)
# Extensions are kept whatever their schema (`create extension … with schema
# extensions`): shadows hold only the project's; on a live database, only those schema/
# creates are compared (`keep_only_common_extensions`).


@dataclass(frozen=True)
class Scope:
    """What a diff compares: the managed schemas (never Supabase's own)."""

    schemas: frozenset[str]

    def keeps(self, item: Any) -> bool:
        return getattr(item, "schema", None) in self.schemas

    def keeps_trigger(self, trigger: Any) -> bool:
        return trigger.schema in self.schemas or trigger.proc_schema in self.schemas


def results_api() -> tuple[Any, Any]:
    """`results.dbdiff.Migration` and `results.schemainspect.pg.PostgreSQL` (imported when
    first needed: the import takes a few hundred milliseconds)."""
    from results.dbdiff import Migration
    from results.schemainspect.pg.obj import PostgreSQL

    return Migration, PostgreSQL


def inspect(conn: psycopg.Connection, scope: Scope) -> Inspection:
    """The `results` inspector of ``conn``'s database, narrowed to ``scope``."""
    _, postgresql = results_api()
    with empty_search_path(conn), conn.cursor() as cursor:
        inspected = postgresql(cursor)
    inspected.c = None  # the cursor is closed; what was read stays (and can be pickled)
    for attribute in COLLECTIONS:
        items = getattr(inspected, attribute, None)
        if isinstance(items, dict):
            setattr(
                inspected,
                attribute,
                type(items)((k, v) for k, v in items.items() if scope.keeps(v)),
            )
    inspected.triggers = type(inspected.triggers)(
        (k, v) for k, v in inspected.triggers.items() if scope.keeps_trigger(v)
    )
    inspected.privileges = type(inspected.privileges)()
    _forget_comments(inspected)
    _types_with_modifiers(inspected)
    typed: Inspection = inspected  # where `results`' untyped object becomes typed
    return typed


def _forget_comments(inspected: Any) -> None:
    """Comments are compared by `catalog_gaps` (on every kind of object); left to
    `results` too, a changed comment would re-create the function or table it is on."""
    for attribute in (
        "selectables",
        "relations",
        "functions",
        "types",
        "composite_types",
        "enums",
        "domains",
    ):
        for item in getattr(inspected, attribute, {}).values():
            if hasattr(item, "comment"):
                item.comment = None
            for column in getattr(item, "columns", {}).values():
                if hasattr(column, "comment"):
                    column.comment = None


def _types_with_modifiers(inspected: Any) -> None:
    """`results` decides whether a view (or a table's dependent views) can stay in place
    from its columns' `dbtype`, the base type; it compares `dbtypestr` (with modifiers)
    too wherever else it compares columns. Making both the full type keeps views on a
    column whose modifiers change from staying in place."""
    for selectable in getattr(inspected, "selectables", {}).values():
        for column in getattr(selectable, "columns", {}).values():
            column.dbtype = column.dbtypestr


def same_trigger_text(before: Any, after: Any) -> None:
    """A trigger of ``after`` that means what it meant in ``before`` (the same canonical
    deparse) gets ``before``'s text, so that `results` sees no change in it."""
    for key, new in after.triggers.items():
        old = before.triggers.get(key)
        if (
            old is not None
            and old.full_definition != new.full_definition
            and _canonical(old.full_definition) == _canonical(new.full_definition)
        ):
            new.full_definition = old.full_definition


@cache
def _canonical(definition: str) -> str:
    try:
        return ";".join(RawStream()(item.node) for item in spans(definition))
    except (ParseError, NotImplementedError, ValueError, AttributeError):
        return definition


def keep_only_common_extensions(live: Any, wanted: Any) -> None:
    """On a live database, extensions the project does not create are not its business."""
    live.extensions = type(live.extensions)(
        (k, v) for k, v in live.extensions.items() if k in wanted.extensions
    )


@contextmanager
def read_only(conn: psycopg.Connection) -> Iterator[None]:
    """A transaction that changes nothing (for inspecting a live database)."""
    with conn.transaction(force_rollback=True):
        conn.execute("set transaction read only")
        yield
