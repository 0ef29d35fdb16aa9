"""TypeScript types of the API-exposed schemas, in the shape `supabase gen types
typescript` emits (postgres-meta's template): `Json`, `Database` with per schema
`Tables` (Row / Insert / Update / Relationships), `Views`, `Functions`, `Enums`,
`CompositeTypes`, the `Tables<>` / `TablesInsert<>` / `TablesUpdate<>` / `Enums<>` /
`CompositeTypes<>` helpers and `Constants`. Relationships include those through views
(`view_lineage.py`), as PostgREST derives them.

Differences, on purpose: a CHECK that limits a text column to a list of literals
(`status in ('open', 'won', 'lost')`) becomes an enum named `<table>_<column>` (unless a
real enum has that name), and a stored generated column is `never` in Insert and Update
(PostgreSQL refuses a value for it), as identity ALWAYS columns are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol, TypeVar

from schemactl.catalog.check_values import check_list
from schemactl.catalog.reader import Catalog, Column, Function, Relation
from schemactl.catalog.view_lineage import Relationship, all_relationships

DEFAULT_PATH = "types/database.types.ts"
PRINT_WIDTH = 80
NUMBER = {"int2", "int4", "int8", "float4", "float8", "numeric"}
STRING = {
    "bytea",
    "bpchar",
    "varchar",
    "date",
    "text",
    "citext",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "uuid",
    "vector",
}
TEXT_TYPES = {"text", "varchar", "bpchar", "citext"}
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
NEVER = "[_ in never]: never"


@dataclass(frozen=True)
class CheckEnum:
    schema: str
    name: str
    labels: tuple[str, ...]


def sort_key(name: str) -> tuple[str, str]:
    """Order as JavaScript's `localeCompare` does for identifiers: `_` before digits
    before letters, case-insensitive first, lower case first on ties."""
    return name.casefold().replace("_", " "), name.swapcase()


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def by_name(items: Iterable[N]) -> list[N]:
    return sorted(items, key=lambda item: sort_key(item.name))


def ts_key(name: str) -> str:
    return name if IDENTIFIER.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def ts_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class TypeMapper:
    """PostgreSQL types to TypeScript, as postgres-meta maps them."""

    def __init__(
        self,
        catalog: Catalog,
        schemas: Sequence[str],
        check_enums: dict[tuple[str, str, str], CheckEnum],
    ) -> None:
        self.catalog = catalog
        self.schemas = set(schemas)
        self.check_enums = check_enums

    def parts(self, oid: int) -> list[str]:
        """The type as union members (one member for most types)."""
        pg_type = self.catalog.types.get(oid)
        seen = set()
        while pg_type is not None and pg_type.kind == "d" and pg_type.oid not in seen:
            seen.add(pg_type.oid)
            pg_type = self.catalog.types.get(pg_type.base_oid)
        if pg_type is None:
            return ["unknown"]
        if pg_type.is_array:
            element = self.parts(pg_type.element_oid)
            return [f"({' | '.join(element)})[]" if len(element) > 1 else f"{element[0]}[]"]
        if pg_type.schema == "pg_catalog":
            return [self._builtin(pg_type.name)]
        exposed = pg_type.schema in self.schemas
        if pg_type.kind == "e":
            if exposed:
                return [self._ref(pg_type.schema, "Enums", pg_type.name)]
            return [ts_string(label) for label in pg_type.enum_labels] or ["never"]
        if pg_type.kind == "c" and exposed:
            kind = {
                "c": "CompositeTypes",
                "r": "Tables",
                "p": "Tables",
                "f": "Tables",
                "v": "Views",
                "m": "Views",
            }.get(pg_type.relation_kind)
            if kind == "CompositeTypes":
                return [self._ref(pg_type.schema, kind, pg_type.name)]
            if kind:
                return [self._ref(pg_type.schema, kind, pg_type.relation_name) + '["Row"]']
        return ["unknown"]

    def column(self, relation: Relation, column: Column) -> list[str]:
        found = self.check_enums.get((relation.schema, relation.name, column.name))
        if found is not None:
            return [self._ref(found.schema, "Enums", found.name)]
        return self.parts(column.type_oid)

    @staticmethod
    def _builtin(name: str) -> str:
        if name == "bool":
            return "boolean"
        if name in NUMBER:
            return "number"
        if name in STRING:
            return "string"
        if name in ("json", "jsonb"):
            return "Json"
        if name == "void":
            return "undefined"
        if name == "record":
            return "Record<string, unknown>"
        return "unknown"

    @staticmethod
    def _ref(schema: str, kind: str, name: str) -> str:
        return f"Database[{ts_string(schema)}][{ts_string(kind)}][{ts_string(name)}]"


def check_enums(catalog: Catalog, schemas: Sequence[str]) -> dict[tuple[str, str, str], CheckEnum]:
    """Text columns of tables in ``schemas`` limited by a CHECK to a list of literals."""
    real = {(t.schema, t.name) for t in catalog.types.values() if t.kind == "e"}
    found: dict[tuple[str, str, str], CheckEnum] = {}
    for relation in catalog.tables:
        if relation.schema not in schemas:
            continue
        for constraint in relation.constraints:
            if constraint.kind != "c" or len(constraint.columns) != 1:
                continue
            column = relation.column(constraint.columns[0])
            pg_type = catalog.types.get(column.type_oid)
            name = f"{relation.name}_{column.name}"
            key = (relation.schema, relation.name, column.name)
            if (
                pg_type is None
                or pg_type.name not in TEXT_TYPES
                or key in found
                or (relation.schema, name) in real
            ):
                continue
            labels = check_list(constraint.check_expression or "", column.name)
            if labels:
                found[key] = CheckEnum(relation.schema, name, labels)
    return found


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def member(self, depth: int, key: str, parts: Sequence[str], *, optional: bool = False) -> None:
        """`key: A | B`, broken into one `| member` per line when it is too wide."""
        head = "  " * depth + ts_key(key) + ("?" if optional else "") + ":"
        single = f"{head} {' | '.join(parts)}"
        if len(single) <= PRINT_WIDTH or len(parts) == 1:
            self.lines.append(single)
        else:
            self.lines.append(head)
            self.lines.extend("  " * (depth + 1) + f"| {part}" for part in parts)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_types(catalog: Catalog, schemas: Sequence[str]) -> str:
    """The whole `database.types.ts` for the exposed ``schemas``."""
    schemas = sorted(set(schemas), key=sort_key)
    enums = check_enums(catalog, schemas)
    mapper = TypeMapper(catalog, schemas, enums)
    out = _Writer()
    out.lines.extend(
        [
            "export type Json =",
            "  | string",
            "  | number",
            "  | boolean",
            "  | null",
            "  | { [key: string]: Json | undefined }",
            "  | Json[]",
            "",
            "export type Database = {",
        ]
    )
    relationships = all_relationships(catalog)
    for schema in schemas:
        _schema(out, catalog, mapper, schema, enums, relationships)
    out.lines.extend(["}", ""])
    default = "public" if "public" in schemas else (schemas[0] if schemas else "public")
    helpers = resources.files(__package__).joinpath("typescript/helpers.ts").read_text("utf-8")
    out.lines.extend(helpers.replace("{{DEFAULT_SCHEMA}}", default).rstrip("\n").split("\n"))
    out.lines.extend(["", "export const Constants = {"])
    for schema in schemas:
        out.line(1, f"{ts_key(schema)}: {{")
        labels = _enum_labels(catalog, schema, enums)
        if labels:
            out.line(2, "Enums: {")
            for name, values in labels:
                out.line(3, f"{ts_key(name)}: [{', '.join(map(ts_string, values))}],")
            out.line(2, "},")
        else:
            out.line(2, "Enums: {},")
        out.line(1, "},")
    out.line(0, "} as const")
    return out.text()


def _enum_labels(
    catalog: Catalog, schema: str, enums: dict[tuple[str, str, str], CheckEnum]
) -> list[tuple[str, tuple[str, ...]]]:
    found = {
        t.name: t.enum_labels
        for t in catalog.types.values()
        if t.kind == "e" and t.schema == schema
    }
    found.update({e.name: e.labels for e in enums.values() if e.schema == schema})
    return [(name, found[name]) for name in sorted(found, key=sort_key)]


def _schema(
    out: _Writer,
    catalog: Catalog,
    mapper: TypeMapper,
    schema: str,
    enums: dict[tuple[str, str, str], CheckEnum],
    relationships: list[Relationship],
) -> None:
    tables = by_name(r for r in catalog.tables if r.schema == schema)
    views = by_name(r for r in catalog.views if r.schema == schema)
    functions = [f for f in catalog.functions if f.schema == schema and _exported(catalog, f)]
    out.line(1, f"{ts_key(schema)}: {{")
    out.line(2, "Tables: {")
    if not tables:
        out.line(3, NEVER)
    for table in tables:
        _table(out, catalog, mapper, table, functions, relationships)
    out.line(2, "}")
    out.line(2, "Views: {")
    if not views:
        out.line(3, NEVER)
    for view in views:
        _view(out, mapper, view, relationships)
    out.line(2, "}")
    out.line(2, "Functions: {")
    if not functions:
        out.line(3, NEVER)
    for name in sorted({f.name for f in functions}, key=sort_key):
        _function(out, catalog, mapper, [f for f in functions if f.name == name])
    out.line(2, "}")
    out.line(2, "Enums: {")
    labels = _enum_labels(catalog, schema, enums)
    if not labels:
        out.line(3, NEVER)
    for name, values in labels:
        out.member(3, name, [ts_string(v) for v in values] or ["never"])
    out.line(2, "}")
    out.line(2, "CompositeTypes: {")
    composites = sorted((name for s, name in catalog.composites if s == schema), key=sort_key)
    if not composites:
        out.line(3, NEVER)
    for name in composites:
        out.line(3, f"{ts_key(name)}: {{")
        for column in by_name(catalog.composites[(schema, name)]):
            out.member(4, column.name, [*mapper.parts(column.type_oid), "null"])
        out.line(3, "}")
    out.line(2, "}")
    out.line(1, "}")


def _exported(catalog: Catalog, function: Function) -> bool:
    """Functions PostgREST can call: not trigger functions nor procedures, and either
    every input argument named or a single unnamed one."""
    returns = catalog.types.get(function.return_type_oid)
    if function.kind != "f" or (returns and returns.name in ("trigger", "event_trigger")):
        return False
    inputs = function.input_arguments
    return all(a.name for a in inputs) or len(inputs) == 1


def _write_only(column: Column) -> bool:
    return column.identity == "a" or column.generated is not None


def _table(
    out: _Writer,
    catalog: Catalog,
    mapper: TypeMapper,
    table: Relation,
    functions: list[Function],
    relationships: list[Relationship],
) -> None:
    columns = by_name(table.columns)
    out.line(3, f"{ts_key(table.name)}: {{")
    out.line(4, "Row: {")
    for column in columns:
        out.member(
            5, column.name, [*mapper.column(table, column)] + (["null"] if column.nullable else [])
        )
    for function in _computed_fields(catalog, table, functions):
        out.member(5, function.name, [*mapper.parts(function.return_type_oid), "null"])
    out.line(4, "}")
    out.line(4, "Insert: {")
    for column in columns:
        if _write_only(column):
            out.member(5, column.name, ["never"], optional=True)
            continue
        optional = column.nullable or bool(column.identity) or column.default is not None
        out.member(
            5,
            column.name,
            [*mapper.column(table, column)] + (["null"] if column.nullable else []),
            optional=optional,
        )
    out.line(4, "}")
    out.line(4, "Update: {")
    for column in columns:
        parts = (
            ["never"]
            if _write_only(column)
            else [*mapper.column(table, column)] + (["null"] if column.nullable else [])
        )
        out.member(5, column.name, parts, optional=True)
    out.line(4, "}")
    _relationships(out, table, relationships)
    out.line(3, "}")


def _computed_fields(
    catalog: Catalog, table: Relation, functions: list[Function]
) -> list[Function]:
    """Functions taking one argument of the table's row type (PostgREST computed fields)."""
    found = []
    for function in by_name(functions):
        inputs = function.input_arguments
        arg_type = catalog.types.get(inputs[0].type_oid) if len(inputs) == 1 else None
        if arg_type and (arg_type.relation_schema, arg_type.relation_name) == (
            table.schema,
            table.name,
        ):
            found.append(function)
    return found


def _relationships(out: _Writer, relation: Relation, relationships: list[Relationship]) -> None:
    """The relation's many-to-one relationships within its schema, those through views
    included, ordered as postgres-meta orders them."""
    own = sorted(
        (
            r
            for r in relationships
            if (r.schema, r.relation) == (relation.schema, relation.name)
            and r.referenced_schema == relation.schema
        ),
        key=lambda r: (
            sort_key(r.foreign_key_name),
            sort_key(r.referenced_relation),
            json.dumps(list(r.referenced_columns)),
        ),
    )
    if not own:
        out.line(4, "Relationships: []")
        return
    out.line(4, "Relationships: [")
    for r in own:
        out.line(5, "{")
        out.line(6, f"foreignKeyName: {ts_string(r.foreign_key_name)}")
        out.line(6, f"columns: [{', '.join(map(ts_string, r.columns))}]")
        out.line(6, f"isOneToOne: {'true' if r.is_one_to_one else 'false'}")
        out.line(6, f"referencedRelation: {ts_string(r.referenced_relation)}")
        out.line(6, f"referencedColumns: [{', '.join(map(ts_string, r.referenced_columns))}]")
        out.line(5, "},")
    out.line(4, "]")


def _view(
    out: _Writer, mapper: TypeMapper, view: Relation, relationships: list[Relationship]
) -> None:
    columns = by_name(view.columns)
    out.line(3, f"{ts_key(view.name)}: {{")
    out.line(4, "Row: {")
    for column in columns:
        out.member(5, column.name, [*mapper.parts(column.type_oid), "null"])
    out.line(4, "}")
    # As postgres-meta: Insert/Update only for views that are updatable and deletable.
    if view.kind == "v" and view.updatable_events & 20 == 20:
        for section in ("Insert", "Update"):
            out.line(4, f"{section}: {{")
            for column in columns:
                parts = [*mapper.parts(column.type_oid), "null"] if column.updatable else ["never"]
                out.member(5, column.name, parts, optional=True)
            out.line(4, "}")
    _relationships(out, view, relationships)
    out.line(3, "}")


def _function(
    out: _Writer, catalog: Catalog, mapper: TypeMapper, overloads: list[Function]
) -> None:
    first = overloads[0]
    out.line(3, f"{ts_key(first.name)}: {{")
    variants = []
    for function in overloads:
        inputs = [a for a in function.arguments if a.mode == "i"]
        if not inputs:
            variants.append("Record<PropertyKey, never>")
            continue
        members = "; ".join(
            f"{ts_key(a.name)}{'?' if a.has_default else ''}: "
            f"{' | '.join(mapper.parts(a.type_oid))}"
            for a in inputs
        )
        variants.append(f"{{ {members} }}")
    single = f"{'  ' * 4}Args: {variants[0]}"
    if len(variants) == 1 and variants[0].startswith("{") and len(single) > PRINT_WIDTH:
        out.line(4, "Args: {")
        for argument in (a for a in first.arguments if a.mode == "i"):
            out.member(
                5, argument.name, mapper.parts(argument.type_oid), optional=argument.has_default
            )
        out.line(4, "}")
    else:
        out.member(4, "Args", variants)
    _returns(out, catalog, mapper, first)
    out.line(3, "}")


def _returns(out: _Writer, catalog: Catalog, mapper: TypeMapper, function: Function) -> None:
    suffix = "[]" if function.returns_set else ""
    table_columns = [a for a in function.arguments if a.mode == "t"]
    if table_columns:
        out.line(4, "Returns: {")
        for argument in table_columns:
            out.member(5, argument.name, mapper.parts(argument.type_oid))
        out.line(4, "}" + suffix)
        return
    returns = catalog.types.get(function.return_type_oid)
    relation = None
    if returns and returns.relation_schema in mapper.schemas:
        relation = next(
            (
                r
                for r in catalog.relations
                if (r.schema, r.name) == (returns.relation_schema, returns.relation_name)
            ),
            None,
        )
    if relation is not None:
        out.line(4, "Returns: {")
        for column in by_name(relation.columns):
            out.member(
                5,
                column.name,
                mapper.column(relation, column) + (["null"] if column.nullable else []),
            )
        out.line(4, "}" + suffix)
        return
    parts = mapper.parts(function.return_type_oid)
    if suffix:
        parts = [f"({' | '.join(parts)})[]" if len(parts) > 1 else parts[0] + "[]"]
    out.member(4, "Returns", parts)
