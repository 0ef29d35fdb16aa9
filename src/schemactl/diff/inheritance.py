"""Inheritance children (`create table child (…) inherits (parent)`): `results` writes a
new child with every column, its parents' too, which makes those columns the child's own
(attislocal): a later `alter table parent drop column` would then leave them on the
child, unlike in the database built from schema/. A new child is created with only the
columns it defines itself; the inherited ones come from its parents, as in schema/.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from schemactl.diff.inspected import Inspection
from schemactl.diff.results_rewrites import split


def with_only_local_columns(
    statements: Iterable[str], after: Inspection, inherited: Mapping[tuple[str, str], bool]
) -> list[str]:
    """``statements`` with each new child's CREATE TABLE written without the columns it
    only inherits (``inherited``: (table identity, column) -> attislocal, of ``after``)."""
    rewritten: dict[str, str] = {}
    for table in after.tables.values():
        if not table.parent_table or table.partition_def or table.is_partitioning_child_table:
            continue
        identity = _identity(table.schema, table.name)
        inherited_only = {
            column
            for (child, column), local in inherited.items()
            if child == identity and not local
        }
        if not inherited_only:
            continue
        original = _normal(table.create_statement)
        clone = copy.copy(table)
        clone.columns = type(table.columns)(
            (name, column) for name, column in table.columns.items() if name not in inherited_only
        )
        created = next(iter(split(clone.create_statement)))[0]
        rewritten[original] = created.replace(" (\n) inherits ", " () inherits ", 1)
    if not rewritten:
        return list(statements)
    return [rewritten.get(_normal(statement), statement) for statement in statements]


def _normal(statement: str) -> str:
    return statement.strip().rstrip(";").strip()


def _identity(schema: str, name: str) -> str:
    """As the catalog queries write it (`format('%I.%I')`)."""
    return f"{_ident(schema)}.{_ident(name)}"


def _ident(name: str) -> str:
    plain = name.isidentifier() and name == name.lower() and name.isascii()
    return name if plain else '"' + name.replace('"', '""') + '"'
