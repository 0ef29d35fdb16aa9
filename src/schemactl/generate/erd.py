"""A Mermaid `erDiagram` of the tables and their foreign keys, read from the catalog.

Entities are named after their table (`deals`) in `public` and quoted with their schema
elsewhere (`"private.api_key_secrets"`); tables outside the documented schemas that a
foreign key points at (`"auth.users"`) appear without attributes. A relationship reads
parent ── child: the parent side is "exactly one" when every foreign-key column is NOT
NULL, else "zero or one"; the child side is "zero or one" when the foreign-key columns
are unique (one-to-one), else "zero or more"; the line is solid (identifying) when the
foreign-key columns are part of the child's primary key.
"""

from __future__ import annotations

from schemactl.catalog.reader import Catalog, Column, Constraint, PgType, Relation

DEFAULT_SCHEMA = "public"


def entity(schema: str, name: str) -> str:
    return name if schema == DEFAULT_SCHEMA else f'"{schema}.{name}"'


def attribute_type(column: Column, types: dict[int, PgType]) -> str:
    """A type name Mermaid accepts (no spaces or commas): `uuid`, `text[]`, `numeric`."""
    pg_type = types.get(column.type_oid)
    if pg_type is None:
        return "unknown"
    if pg_type.is_array:
        element = types.get(pg_type.element_oid)
        return f"{element.name if element else 'unknown'}[]"
    return pg_type.name


def _keys(relation: Relation, column: Column) -> str:
    keys = []
    if column.name in relation.primary_key:
        keys.append("PK")
    if any(column.name in fk.columns for fk in relation.foreign_keys):
        keys.append("FK")
    if "PK" not in keys and relation.is_unique_on([column.name]):
        keys.append("UK")
    return ", ".join(keys)


def relationship(relation: Relation, fk: Constraint) -> str:
    """The diagram line for one foreign key of ``relation``."""
    required = all(not relation.column(c).nullable for c in fk.columns)
    parent_side = "||" if required else "|o"
    child_side = "o|" if relation.is_unique_on(fk.columns) else "o{"
    identifying = set(fk.columns) <= set(relation.primary_key)
    line = "--" if identifying else ".."
    parent = entity(fk.ref_schema or DEFAULT_SCHEMA, fk.ref_relation or "")
    child = entity(relation.schema, relation.name)
    return f'{parent} {parent_side}{line}{child_side} {child} : "{", ".join(fk.columns)}"'


def er_diagram(catalog: Catalog) -> str:
    lines = ["erDiagram"]
    documented = {r.qualified for r in catalog.tables}
    for relation in catalog.tables:
        lines.append(f"    {entity(relation.schema, relation.name)} {{")
        for column in relation.columns:
            keys = _keys(relation, column)
            lines.append(
                f"        {attribute_type(column, catalog.types)} {column.name}"
                + (f" {keys}" if keys else "")
            )
        lines.append("    }")
    external = sorted(
        {fk.ref_qualified for r in catalog.tables for fk in r.foreign_keys} - documented
    )
    for qualified in external:
        schema, _, name = qualified.partition(".")
        lines.append(f"    {entity(schema, name)}")
    for relation in catalog.tables:
        for fk in relation.foreign_keys:
            lines.append(f"    {relationship(relation, fk)}")
    return "\n".join(lines) + "\n"
