"""SC003, SC007, SC010: tables and their columns."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import cache

import pglast
from pglast.parser import ParseError

from schemactl.lint.codes import Violation
from schemactl.lint.model import Column, ForeignKey, Function, SchemaModel, Trigger
from schemactl.lint.settings import LintSettings
from schemactl.source.names import strings

TIME_ZONE_LESS = {"timestamp": "timestamp without time zone"}
INEXACT = {"float4": "real (float4)", "float8": "double precision (float8)", "money": "money"}
BUILTIN_QUALIFIERS = ((), ("pg_catalog",))


def check_tables(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    for key in model.foreign_keys:
        if not _covered(key, model):
            yield _unindexed(key)
    for column in model.column_types:
        yield from _column_type(column)
    yield from _untouched_updated_at(model, settings)


def _covered(key: ForeignKey, model: SchemaModel) -> bool:
    """An index usable for `where <fk columns> = …`: not partial, its leading columns
    are the foreign key's (in any order), btree (or hash on a single column)."""
    wanted = set(key.columns)
    for index in model.indexes:
        if index.table != key.table or index.partial:
            continue
        leading = index.columns[: len(key.columns)]
        if None in leading or set(leading) != wanted:
            continue
        if index.method == "btree" or (index.method == "hash" and len(key.columns) == 1):
            return True
    return False


def _unindexed(key: ForeignKey) -> Violation:
    columns = ", ".join(key.columns)
    return Violation(
        "SC003",
        f"foreign key {key.table} ({columns}) -> {key.references} has no index on "
        f"{key.table} that starts with ({columns}): every delete or key update on "
        f"{key.references} scans {key.table}; add `create index on {key.table} ({columns})`",
        key.site,
    )


def _column_type(column: Column) -> Iterator[Violation]:
    parts = tuple(strings(column.type.names))
    qualifier, base = parts[:-1], parts[-1]
    if qualifier not in BUILTIN_QUALIFIERS:
        return
    where = f"column {column.table}.{column.name}"
    if base in TIME_ZONE_LESS:
        yield Violation(
            "SC007",
            f"{where} is {TIME_ZONE_LESS[base]}: it stores wall-clock time with no zone, "
            "so the same instant reads differently per session; use timestamptz",
            column.site,
        )
    elif base in INEXACT:
        yield Violation(
            "SC007",
            f"{where} is {INEXACT[base]}: "
            + (
                "its value depends on lc_monetary and it has a fixed scale"
                if base == "money"
                else "binary floating point cannot hold 0.10 exactly"
            )
            + "; use numeric (numeric(14, 2) for money)",
            column.site,
        )


def _untouched_updated_at(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    name = settings.updated_at_column
    for table in model.tables.values():
        column = table.columns.get(name)
        if column is None:
            continue
        triggers = [t for t in model.triggers if t.table == table.name]
        if not any(_sets_column(t, model, settings) for t in triggers):
            yield Violation(
                "SC010",
                f"table {table.name} has {name} but no BEFORE UPDATE … FOR EACH ROW trigger "
                f"whose function sets new.{name}: it keeps its insert-time value; add one",
                column.site,
            )


def _sets_column(trigger: Trigger, model: SchemaModel, settings: LintSettings) -> bool:
    if not (trigger.before and trigger.row and trigger.on_update):
        return False
    if any(fnmatchcase(trigger.function, pattern) for pattern in settings.updated_at_functions):
        return True
    column = settings.updated_at_column
    return any(_assigns_new(f, column) for f in model.functions_named(trigger.function))


def _assigns_new(function: Function, column: str) -> bool:
    if function.language != "plpgsql":
        return False
    return column in _new_fields_assigned(function.site.statement.sql)


@cache
def _new_fields_assigned(create_function_sql: str) -> frozenset[str]:
    """Fields of NEW that a PL/pgSQL function assigns (`new.x := …`), read from the
    PL/pgSQL parse tree."""
    try:
        parsed = pglast.parse_plpgsql(create_function_sql)
    except ParseError:
        return frozenset()
    assigned: set[str] = set()
    for function in parsed:
        body = function.get("PLpgSQL_function", {})
        datums = body.get("datums", [])
        new_dno = next(
            (
                d["PLpgSQL_rec"].get("dno", 0)
                for d in datums
                if d.get("PLpgSQL_rec", {}).get("refname") == "new"
            ),
            None,
        )
        fields = {
            number: d["PLpgSQL_recfield"]["fieldname"]
            for number, d in enumerate(datums)
            if "PLpgSQL_recfield" in d and d["PLpgSQL_recfield"].get("recparentno", 0) == new_dno
        }
        assigned.update(fields[n] for n in _assigned_datums(body.get("action")) if n in fields)
    return frozenset(assigned)


def _assigned_datums(tree: object) -> Iterator[int]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            assign = node.get("PLpgSQL_stmt_assign")
            if isinstance(assign, dict):
                yield assign.get("varno", 0)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
