"""The built schema as read back from a database's catalog: relations with their columns,
constraints, indexes, triggers, policies and per-role privileges; functions; types.

Queries live in `sql/catalog/*.sql`. Everything is ordered by name (never by OID), so two
databases built from the same schema read back identically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from schemactl.sqlfiles import load_sql

API_ROLES: tuple[str, ...] = ("anon", "authenticated", "service_role")
COMMANDS: tuple[str, ...] = ("SELECT", "INSERT", "UPDATE", "DELETE")
RELATION_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}


@dataclass(frozen=True)
class Column:
    name: str
    position: int
    type: str  # as format_type() spells it, e.g. numeric(14,2)
    type_oid: int
    nullable: bool
    default: str | None
    generated: str | None  # the expression of a GENERATED ALWAYS AS (…) STORED column
    identity: str  # '' · 'a' (ALWAYS) · 'd' (BY DEFAULT)
    comment: str | None
    updatable: bool


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str  # p primary key · u unique · c check · f foreign key · x exclusion
    definition: str
    columns: tuple[str, ...]
    ref_schema: str | None = None
    ref_relation: str | None = None
    ref_columns: tuple[str, ...] = ()
    check_expression: str | None = None
    comment: str | None = None

    @property
    def ref_qualified(self) -> str:
        return f"{self.ref_schema}.{self.ref_relation}"


@dataclass(frozen=True)
class Index:
    name: str
    definition: str
    is_primary: bool
    is_unique: bool
    constraint_name: str | None
    comment: str | None


@dataclass(frozen=True)
class Trigger:
    name: str
    definition: str
    enabled: str  # O origin (default) · D disabled · R replica · A always


@dataclass(frozen=True)
class Policy:
    name: str
    command: str  # ALL, SELECT, INSERT, UPDATE, DELETE
    permissive: bool
    roles: tuple[str, ...]  # as written (`public` for PUBLIC)
    applies_to: tuple[str, ...]  # the API roles it applies to
    using_expression: str | None
    check_expression: str | None

    def covers(self, command: str) -> bool:
        return self.command in ("ALL", command)


@dataclass(frozen=True)
class Privilege:
    """One role's privilege for one command on one relation."""

    schema_usage: bool
    table_level: bool
    columns: tuple[str, ...]  # columns it may use (all of them when table_level)

    @property
    def granted(self) -> bool:
        return self.schema_usage and (self.table_level or bool(self.columns))


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str  # r, p, v, m, f
    comment: str | None
    rls_enabled: bool
    rls_forced: bool
    owner: str
    replica_identity: str  # d default · f full · n nothing · i index
    options: tuple[str, ...]
    publications: tuple[str, ...]
    updatable_events: int  # pg_relation_is_updatable bits, for views
    definition: str | None
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    privileges: dict[tuple[str, str], Privilege] = field(default_factory=dict, compare=False)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def kind_label(self) -> str:
        return RELATION_KINDS[self.kind]

    @property
    def is_view(self) -> bool:
        return self.kind in ("v", "m")

    @property
    def foreign_keys(self) -> tuple[Constraint, ...]:
        return tuple(c for c in self.constraints if c.kind == "f")

    @property
    def primary_key(self) -> tuple[str, ...]:
        return next((c.columns for c in self.constraints if c.kind == "p"), ())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def privilege(self, role: str, command: str) -> Privilege:
        return self.privileges.get((role, command), Privilege(False, False, ()))

    def is_unique_on(self, columns: Sequence[str]) -> bool:
        """Whether a primary key or unique constraint covers exactly these columns."""
        wanted = set(columns)
        return any(c.kind in ("p", "u") and set(c.columns) == wanted for c in self.constraints)

    def option(self, name: str) -> str | None:
        for item in self.options:
            key, _, value = item.partition("=")
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Argument:
    name: str
    mode: str  # i in · o out · b inout · v variadic · t table column
    type_oid: int
    has_default: bool


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    identity_arguments: str
    result: str
    kind: str  # f function · p procedure
    language: str
    security_definer: bool
    volatility: str
    returns_set: bool
    return_type_oid: int
    arguments: tuple[Argument, ...]
    config: tuple[str, ...]
    comment: str | None
    executable_by: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.schema}.{self.name}({self.identity_arguments})"

    @property
    def input_arguments(self) -> tuple[Argument, ...]:
        return tuple(a for a in self.arguments if a.mode in ("i", "b", "v"))


@dataclass(frozen=True)
class PgType:
    oid: int
    schema: str
    name: str
    kind: str  # b base · c composite · d domain · e enum · p pseudo · r range · m multirange
    category: str
    element_oid: int
    base_oid: int
    relation_schema: str
    relation_name: str
    relation_kind: str
    enum_labels: tuple[str, ...]

    @property
    def is_array(self) -> bool:
        return self.category == "A" and self.element_oid != 0


@dataclass(frozen=True)
class RoleInfo:
    name: str
    superuser: bool
    bypass_rls: bool
    owns: frozenset[str]  # qualified relations it has the owner's privileges on

    def skips_rls(self, relation: Relation) -> bool:
        return (
            self.superuser
            or self.bypass_rls
            or (relation.qualified in self.owns and not relation.rls_forced)
        )


@dataclass(frozen=True)
class DefaultPrivilege:
    """What ``role`` (or PUBLIC) gets on ``objects`` (tables, sequences, functions) the
    project's owner creates later in ``schema``."""

    schema: str
    objects: str
    role: str
    privileges: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    schemas: tuple[str, ...]
    roles: tuple[RoleInfo, ...]
    relations: tuple[Relation, ...]
    functions: tuple[Function, ...]
    types: dict[int, PgType] = field(compare=False)
    # Attributes of standalone composite types (CREATE TYPE … AS (…)), by (schema, name).
    composites: dict[tuple[str, str], tuple[Column, ...]] = field(default_factory=dict)
    default_privileges: tuple[DefaultPrivilege, ...] = ()

    def relation(self, qualified: str) -> Relation:
        return next(r for r in self.relations if r.qualified == qualified)

    def role(self, name: str) -> RoleInfo | None:
        return next((r for r in self.roles if r.name == name), None)

    @property
    def tables(self) -> tuple[Relation, ...]:
        return tuple(r for r in self.relations if not r.is_view)

    @property
    def views(self) -> tuple[Relation, ...]:
        return tuple(r for r in self.relations if r.is_view)


def read_catalog(
    conn: psycopg.Connection, schemas: Sequence[str], roles: Sequence[str] = API_ROLES
) -> Catalog:
    """Read the relations, functions and types of ``schemas``; privileges and policy
    applicability for ``roles`` (those that exist). Expressions are deparsed with only
    pg_catalog on the search path, so every other name in them is schema-qualified."""
    row = conn.execute("select current_setting('search_path')").fetchone()
    previous = row[0] if row else ""
    conn.execute("select set_config('search_path', 'pg_catalog', false)")
    try:
        return _read(conn, schemas, roles)
    finally:
        conn.execute("select set_config('search_path', %s, false)", [previous])


def _read(conn: psycopg.Connection, schemas: Sequence[str], roles: Sequence[str]) -> Catalog:
    params = {"schemas": sorted(set(schemas)), "roles": list(roles)}

    def rows(name: str) -> list[dict[str, Any]]:
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(load_sql(f"catalog/{name}"), params).fetchall()

    def grouped(name: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
        result: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows(name):
            key = (row.pop("schema"), row.pop("relation"))
            result.setdefault(key, []).append(row)
        return result

    columns = grouped("columns")
    constraints = grouped("constraints")
    indexes = grouped("indexes")
    triggers = grouped("triggers")
    policies = grouped("policies")
    privileges = grouped("privileges")
    relations = []
    relation_rows = rows("relations")
    for row in relation_rows:
        key = (row["schema"], row["name"])
        relations.append(
            Relation(
                **_tuples(row),
                columns=tuple(Column(**r) for r in columns.get(key, [])),
                constraints=tuple(Constraint(**_tuples(r)) for r in constraints.get(key, [])),
                indexes=tuple(Index(**r) for r in indexes.get(key, [])),
                triggers=tuple(Trigger(**r) for r in triggers.get(key, [])),
                policies=tuple(Policy(**_tuples(r)) for r in policies.get(key, [])),
                privileges={
                    (p["role"], p["command"]): Privilege(
                        p["schema_usage"], p["table_level"], tuple(p["columns"])
                    )
                    for p in privileges.get(key, [])
                },
            )
        )
    return Catalog(
        schemas=tuple(params["schemas"]),
        roles=tuple(
            RoleInfo(r["role"], r["superuser"], r["bypass_rls"], frozenset(r["owns"]))
            for r in rows("roles")
        ),
        relations=tuple(relations),
        functions=tuple(_function(r) for r in rows("functions")),
        types={r["oid"]: PgType(**_tuples(r)) for r in rows("types")},
        composites={
            key: tuple(Column(**c) for c in cols)
            for key, cols in columns.items()
            if key not in {(r["schema"], r["name"]) for r in relation_rows}
        },
        default_privileges=tuple(
            DefaultPrivilege(**_tuples(r)) for r in rows("default_privileges")
        ),
    )


def _tuples(row: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}


def _function(row: dict[str, Any]) -> Function:
    oids: list[int] = row.pop("argument_type_oids")
    names: list[str] = row.pop("argument_names")
    modes: list[str] = row.pop("argument_modes") or ["i"] * len(oids)
    input_count: int = row.pop("input_count")
    default_count: int = row.pop("default_count")
    arguments = []
    input_index = 0
    for position, oid in enumerate(oids):
        mode = modes[position]
        has_default = False
        if mode in ("i", "b", "v"):
            has_default = input_index >= input_count - default_count
            input_index += 1
        name = names[position] if position < len(names) else ""
        arguments.append(Argument(name, mode, oid, has_default))
    return Function(**_tuples(row), arguments=tuple(arguments))
