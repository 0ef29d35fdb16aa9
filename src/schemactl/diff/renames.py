"""Renames: to any diff, a renamed column (or table) is a drop and an add, and the drop
deletes its data. So a dropped column and an added one of the same type on the same
table (or a dropped table and an added one of the same schema with the same columns) is
a *rename candidate*: `schemactl diff` refuses it unless told which it is,
`--rename table.old=new` (an `ALTER … RENAME`, the data kept) or `--allow-destructive`
(the drop and the add, the data lost).

A rename runs before the rest of the migration, which is then diffed from the renamed
database: what follows the rename in PostgreSQL (views, policies, indexes, constraints,
grants, comments) is not written again. Names derived from the old one (`notes_pkey`,
`notes_id_seq`, `notes_legacy_ref_key`) are renamed too when schema/ has the same
object under the derived new name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from schemactl.diff.inspected import Inspection, OnTable, Policy, Relation
from schemactl.errors import SchemactlError

T = TypeVar("T", bound=OnTable)

DEFAULT_SCHEMA = "public"


@dataclass(frozen=True)
class Rename:
    """One rename: a column of ``table`` (``column`` True) or the table itself, within its
    schema. ``table`` is (schema, name) before any rename."""

    table: tuple[str, str]
    old: str
    new: str
    column: bool

    @property
    def option(self) -> str:
        """How to ask for it: the value of `--rename`."""
        schema, name = self.table
        where = name if schema == DEFAULT_SCHEMA else f"{schema}.{name}"
        return f"{where}.{self.old}={self.new}" if self.column else f"{where}={self.new}"

    @property
    def described(self) -> str:
        schema, name = self.table
        if self.column:
            return f"column {schema}.{name}.{self.old} to {self.new}"
        return f"table {schema}.{name} to {self.new}"

    @property
    def statement(self) -> str:
        table = qualified(*self.table)
        if self.column:
            return f"alter table {table} rename column {quoted(self.old)} to {quoted(self.new)};"
        return f"alter table {table} rename to {quoted(self.new)};"


@dataclass(frozen=True)
class Candidate:
    """A drop and an add that may be one rename (``kind``: the type or the columns)."""

    rename: Rename
    kind: str

    @property
    def message(self) -> str:
        schema, name = self.rename.table
        if self.rename.column:
            return (
                f"{schema}.{name}.{self.rename.old} is dropped and "
                f"{schema}.{name}.{self.rename.new} added, both {self.kind}: a rename?"
            )
        return (
            f"table {schema}.{name} is dropped and {schema}.{self.rename.new} added with the "
            f"same columns: a rename?"
        )


def parse_renames(values: Iterable[str]) -> list[tuple[list[str], str]]:
    """`--rename` values as (the dotted old name's parts, the new name)."""
    parsed = []
    for value in values:
        old, sep, new = value.partition("=")
        parts = old.strip().split(".")
        new = new.strip()
        if not sep or not new or "." in new or not all(parts) or len(parts) > 3:
            raise SchemactlError(
                f"--rename {value!r}: expected TABLE.OLD=NEW for a column or TABLE=NEW for a "
                "table (TABLE may be schema-qualified; NEW is a bare name)",
                hint="e.g. --rename contacts.phone=phone_number or --rename public.notes=memos",
            )
        parsed.append((parts, new))
    return parsed


def resolve(
    requested: Sequence[tuple[list[str], str]], before: Inspection, after: Inspection
) -> list[Rename]:
    """The renames asked for, each naming a dropped column (table) and an added one."""
    resolved = []
    for parts, new in requested:
        found = _as_column(parts, new, before, after) or _as_table(parts, new, before, after)
        if found is None:
            shown = ".".join(parts)
            raise SchemactlError(
                f"--rename {shown}={new}: no column or table {shown} that schema/ drops "
                f"while adding {new} beside it",
                hint="name a column or table the diff drops, and the one schema/ adds instead",
            )
        resolved.append(found)
    tables = [r.table for r in resolved if not r.column]
    for rename in resolved:
        if rename.column and rename.table in tables:
            raise SchemactlError(
                f"--rename {rename.option}: its table is renamed too; rename the table first "
                "in one migration, then the column in another",
                hint="or keep the table's name in this change",
            )
    return resolved


def _as_column(parts: list[str], new: str, before: Inspection, after: Inspection) -> Rename | None:
    if len(parts) < 2:
        return None
    schema, table, old = ([DEFAULT_SCHEMA, *parts] if len(parts) == 2 else parts)[-3:]
    had, wanted = _table(before, schema, table), _table(after, schema, table)
    if had is None or wanted is None:
        return None
    dropped = old in had.columns and old not in wanted.columns
    if dropped and new in wanted.columns and new not in had.columns:
        return Rename((schema, table), old, new, column=True)
    return None


def _as_table(parts: list[str], new: str, before: Inspection, after: Inspection) -> Rename | None:
    if len(parts) > 2:
        return None
    schema, table = [DEFAULT_SCHEMA, *parts][-2:]
    if _table(before, schema, table) is None or _table(after, schema, table) is not None:
        return None
    if _table(after, schema, new) is None or _table(before, schema, new) is not None:
        return None
    return Rename((schema, table), table, new, column=False)


def candidates(
    before: Inspection, after: Inspection, renames: Sequence[Rename] = ()
) -> list[Candidate]:
    """Drops and adds that may be renames, other than those ``renames`` already names
    (``before`` is the database before those renames)."""
    asked_tables = {r.table for r in renames if not r.column}
    asked_columns = {(r.table, r.old) for r in renames if r.column}
    added_tables = {
        (t.schema, t.name): t for k, t in after.tables.items() if k not in before.tables
    }
    added_tables = {
        key: t
        for key, t in added_tables.items()
        if (key[0], key[1]) not in {(r.table[0], r.new) for r in renames if not r.column}
    }
    found = []
    for key, table in before.tables.items():
        where = (table.schema, table.name)
        wanted = after.tables.get(key)
        if wanted is None:
            if where in asked_tables:
                continue
            shape = _shape(table)
            for (schema, name), other in added_tables.items():
                if schema == table.schema and _shape(other) == shape:
                    found.append(Candidate(Rename(where, table.name, name, column=False), ""))
            continue
        added = [c for n, c in wanted.columns.items() if n not in table.columns]
        for name, column in table.columns.items():
            if name in wanted.columns or column.is_generated or (where, name) in asked_columns:
                continue
            for added_column in added:
                if added_column.dbtypestr == column.dbtypestr and not added_column.is_generated:
                    rename = Rename(where, name, added_column.name, column=True)
                    found.append(Candidate(rename, column.dbtypestr))
    return found


def _shape(table: Relation) -> list[tuple[str, str]]:
    return [(name, column.dbtypestr) for name, column in table.columns.items()]


def _table(inspected: Inspection, schema: str, name: str) -> Relation | None:
    return inspected.tables.get(qualified(schema, name))


def derived_renames(
    renames: Sequence[Rename],
    renamed: Inspection,
    after: Inspection,
    renamed_sequences: Collection[str],
    after_sequences: Collection[str],
) -> list[str]:
    """Renames of the constraints, indexes and sequences whose names came from a renamed
    table or column (``renamed``: the database after ``renames``), where schema/ holds
    the same object under the name derived from the new one; and of view columns named
    after a renamed column, where schema/'s view has the new name. Sequences (identity
    ones too) are given as `schema.name` on both sides."""
    statements = []
    for rename in renames:
        schema = rename.table[0]
        table = rename.new if not rename.column else rename.table[1]

        def derived(name: str, rename: Rename = rename) -> str:
            return name.replace(rename.old, rename.new)

        for constraint in _on(renamed.constraints, schema, table):
            new = derived(constraint.name)
            wanted = _named(after.constraints, schema, table, new)
            if (
                wanted is not None
                and _named(after.constraints, schema, table, constraint.name) is None
                and _named(renamed.constraints, schema, table, new) is None
                and (wanted.constraint_type, wanted.definition)
                == (constraint.constraint_type, constraint.definition)
            ):
                statements.append(
                    f"alter table {qualified(schema, table)} rename constraint "
                    f"{quoted(constraint.name)} to {quoted(wanted.name)};"
                )
        constraint_indexes = {
            c.index.name for c in renamed.constraints.values() if c.index is not None
        }
        for index in _on(renamed.indexes, schema, table):
            new = derived(index.name)
            wanted_index = _named(after.indexes, schema, table, new)
            if (
                wanted_index is not None
                and index.name not in constraint_indexes
                and _named(after.indexes, schema, table, index.name) is None
                and _named(renamed.indexes, schema, table, new) is None
                and wanted_index.definition
                == index.definition.replace(index.name, wanted_index.name, 1)
            ):
                statements.append(
                    f"alter index {qualified(schema, index.name)} rename to {quoted(wanted_index.name)};"
                )
        for policy in _on(renamed.rlspolicies, schema, table):
            new = derived(policy.name)
            wanted_policy = _named(after.rlspolicies, schema, table, new)
            if (
                wanted_policy is not None
                and _named(after.rlspolicies, schema, table, policy.name) is None
                and _named(renamed.rlspolicies, schema, table, new) is None
                and _policy(wanted_policy) == _policy(policy)
            ):
                statements.append(
                    f"alter policy {quoted(policy.name)} on {qualified(schema, table)} "
                    f"rename to {quoted(wanted_policy.name)};"
                )
        statements += _sequences(rename, renamed_sequences, after_sequences)
        if rename.column:
            statements += _view_columns(rename, renamed, after)
    return statements


def _on(collection: Mapping[str, T], schema: str, table: str) -> list[T]:
    return [
        item for item in collection.values() if (item.schema, item.table_name) == (schema, table)
    ]


def _named(collection: Mapping[str, T], schema: str, table: str, name: str) -> T | None:
    return next((item for item in _on(collection, schema, table) if item.name == name), None)


def _policy(policy: Policy) -> tuple[object, ...]:
    return (policy.commandtype, policy.permissive, policy.roles, policy.qual, policy.withcheck)


def _sequences(rename: Rename, renamed: Collection[str], after: Collection[str]) -> list[str]:
    statements = []
    for identity in sorted(renamed):
        schema, _, name = identity.rpartition(".")
        if identity in after or '"' in identity or rename.old not in name:
            continue
        new = name.replace(rename.old, rename.new)
        if f"{schema}.{new}" in after and f"{schema}.{new}" not in renamed:
            statements.append(f"alter sequence {qualified(schema, name)} rename to {quoted(new)};")
    return statements


def _view_columns(rename: Rename, renamed: Inspection, after: Inspection) -> list[str]:
    """A view column named after a renamed column, which schema/ renames alike, is
    renamed (the view stays, with its grants and dependants)."""
    statements = []
    for key, view in renamed.relations.items():
        wanted = after.relations.get(key)
        if view.relationtype not in ("v", "m") or wanted is None:
            continue
        names, wanted_names = list(view.columns), list(wanted.columns)
        if rename.old not in names or rename.new in names:
            continue
        if [rename.new if n == rename.old else n for n in names] == wanted_names:
            keyword = "view" if view.relationtype == "v" else "materialized view"
            statements.append(
                f"alter {keyword} {qualified(view.schema, view.name)} rename column "
                f"{quoted(rename.old)} to {quoted(rename.new)};"
            )
    return statements


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quoted(schema)}.{quoted(name)}"
