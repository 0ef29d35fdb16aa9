"""Which base-table column each column of a view is, read from the view's definition with
pglast, and the relationships PostgREST derives from that (a foreign key whose columns a
view exposes is a relationship of the view too; PostgREST's `views_key_dependencies`).

Only plain column references count (`d.owner_id`, `owner_id as seller`): an expression,
an aggregate, a set operation or a CTE exposes no key.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.parser import ParseError

from schemactl.catalog.reader import Catalog, Relation
from schemactl.source.names import strings


@dataclass(frozen=True)
class ColumnSource:
    occurrence: str  # the range entry (alias or name) it is read through
    schema: str
    table: str
    column: str


@dataclass(frozen=True)
class Relationship:
    """A many-to-one (or one-to-one) relationship as postgres-meta lists it."""

    foreign_key_name: str
    schema: str
    relation: str
    columns: tuple[str, ...]
    is_one_to_one: bool
    referenced_schema: str
    referenced_relation: str
    referenced_columns: tuple[str, ...]


@dataclass(frozen=True)
class _Range:
    name: str  # alias, else the table name
    schema: str
    table: str


def _ranges(node: ast.Node | None) -> Iterator[_Range | None]:
    """The FROM clause's tables; None for an entry that is not a plain table."""
    if isinstance(node, ast.RangeVar):
        table = node.relname or ""
        alias = node.alias.aliasname if node.alias and node.alias.aliasname else table
        yield _Range(alias, node.schemaname or "public", table)
    elif isinstance(node, ast.JoinExpr):
        yield from _ranges(node.larg)
        yield from _ranges(node.rarg)
    else:
        yield None


def view_column_sources(catalog: Catalog, view: Relation) -> dict[str, ColumnSource]:
    """View column name -> the base column it is, for the columns that are one."""
    try:
        statements = parse_sql(view.definition or "")
    except ParseError:
        return {}
    select = statements[0].stmt if statements else None
    if (
        not isinstance(select, ast.SelectStmt)
        or select.withClause
        or select.larg
        or not select.targetList
        or not select.fromClause
    ):
        return {}
    ranges = [r for item in select.fromClause for r in _ranges(item)]
    known = [r for r in ranges if r is not None]
    sources: dict[str, ColumnSource] = {}
    for target, column in zip(select.targetList, view.columns, strict=False):
        ref = target.val if isinstance(target, ast.ResTarget) else None
        if not isinstance(ref, ast.ColumnRef) or not all(
            isinstance(f, ast.String) for f in ref.fields or ()
        ):
            continue
        names = strings(ref.fields)
        found = _resolve(catalog, known, names, complete=len(known) == len(ranges))
        if found is not None:
            sources[column.name] = ColumnSource(found.name, found.schema, found.table, names[-1])
    return sources


def _resolve(
    catalog: Catalog, ranges: list[_Range], names: list[str], complete: bool
) -> _Range | None:
    if len(names) >= 2:
        qualifier = names[-2]
        matches = [r for r in ranges if r.name == qualifier]
        return matches[0] if len(matches) == 1 else None
    if not complete:
        return None  # the column could come from a subquery we cannot see into
    having = []
    for entry in ranges:
        table = next(
            (t for t in catalog.relations if (t.schema, t.name) == (entry.schema, entry.table)),
            None,
        )
        if table is None:
            return None  # a table outside the catalog: cannot tell where it comes from
        if any(c.name == names[0] for c in table.columns):
            having.append(entry)
    return having[0] if len(having) == 1 else None


def table_relationships(catalog: Catalog) -> list[Relationship]:
    """Every foreign key of the catalog's tables."""
    return [
        Relationship(
            fk.name,
            table.schema,
            table.name,
            fk.columns,
            table.is_unique_on(fk.columns),
            fk.ref_schema or "",
            fk.ref_relation or "",
            fk.ref_columns,
        )
        for table in catalog.tables
        for fk in table.foreign_keys
    ]


def _exposures(
    sources: dict[str, ColumnSource], schema: str, table: str, columns: tuple[str, ...]
) -> list[tuple[str, ...]]:
    """Every way the view exposes all of ``columns`` of one occurrence of the table (one
    tuple of view columns each)."""
    found: list[tuple[str, ...]] = []
    occurrences = sorted(
        {s.occurrence for s in sources.values() if (s.schema, s.table) == (schema, table)}
    )
    for occurrence in occurrences:
        per_column = [
            [
                view_column
                for view_column, s in sources.items()
                if (s.occurrence, s.schema, s.table, s.column) == (occurrence, schema, table, c)
            ]
            for c in columns
        ]
        if all(per_column):
            found.extend(itertools.product(*per_column))
    return found


def all_relationships(catalog: Catalog) -> list[Relationship]:
    """Table relationships plus those of views: view → table, table → view, view → view."""
    base = table_relationships(catalog)
    lineage = {(v.schema, v.name): view_column_sources(catalog, v) for v in catalog.views}
    derived: list[Relationship] = []
    for r in base:
        from_views = [
            ((vs, vn), cols)
            for (vs, vn), src in lineage.items()
            for cols in _exposures(src, r.schema, r.relation, r.columns)
        ]
        to_views = [
            ((vs, vn), cols)
            for (vs, vn), src in lineage.items()
            for cols in _exposures(
                src, r.referenced_schema, r.referenced_relation, r.referenced_columns
            )
        ]
        for (schema, name), cols in from_views:
            derived.append(
                Relationship(
                    r.foreign_key_name,
                    schema,
                    name,
                    cols,
                    r.is_one_to_one,
                    r.referenced_schema,
                    r.referenced_relation,
                    r.referenced_columns,
                )
            )
        for (schema, name), cols in to_views:
            derived.append(
                Relationship(
                    r.foreign_key_name,
                    r.schema,
                    r.relation,
                    r.columns,
                    r.is_one_to_one,
                    schema,
                    name,
                    cols,
                )
            )
        for (schema, name), cols in from_views:
            for (ref_schema, ref_name), ref_cols in to_views:
                derived.append(
                    Relationship(
                        r.foreign_key_name,
                        schema,
                        name,
                        cols,
                        r.is_one_to_one,
                        ref_schema,
                        ref_name,
                        ref_cols,
                    )
                )
    return base + derived
