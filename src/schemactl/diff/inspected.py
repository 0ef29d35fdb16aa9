"""What diff/ reads of `results`' inspected objects, as types.

`results` ships no type information. Its inspector enters the project in one place,
`results_inspection.inspect`, which returns it as an `Inspection`; everything else in
diff/ reads it through these protocols, so a misspelt attribute is a type error, not an
`AttributeError` on the first database that has such an object. Only the attributes
the project reads are listed (the objects have more)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Column(Protocol):
    name: str
    dbtypestr: str  # with modifiers: numeric(14,2) (results_inspection normalises)
    is_generated: bool


class Relation(Protocol):
    """A table, view, materialized view or composite type (`relationtype` r, v, m, c …)."""

    schema: str
    name: str
    relationtype: str
    columns: dict[str, Column]
    dependents_all: Sequence[str] | None
    create_statement: str
    drop_statement: str
    replica_identity: str
    replica_index: str | None
    options: Sequence[str] | None
    parent_table: str | None
    partition_def: str | None
    is_partitioning_child_table: bool


class OnTable(Protocol):
    """A constraint, index, policy or trigger: named, on one table."""

    schema: str
    name: str
    table_name: str
    quoted_full_table_name: str


class Constraint(OnTable, Protocol):
    constraint_type: str  # PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, EXCLUDE
    definition: str
    is_fk: bool
    quoted_full_foreign_table_name: str
    fk_columns_local: Sequence[str]
    fk_columns_foreign: Sequence[str]
    index: Index | None  # of a primary key, unique or exclusion constraint


class Index(OnTable, Protocol):
    definition: str
    is_unique: bool
    create_statement: str


class Trigger(OnTable, Protocol):
    proc_schema: str
    create_statement: str


class Function(Protocol):
    schema: str
    name: str
    signature: str
    thing: str  # function or procedure
    full_definition: str
    create_statement: str


class Policy(OnTable, Protocol):
    commandtype: str
    permissive: bool
    roles: Sequence[str]
    qual: str | None
    withcheck: str | None


class Extension(Protocol):
    name: str
    schema: str
    version: str | None

    def unversioned_copy(self) -> Extension: ...


class Named(Protocol):
    """A schema, sequence, enum, domain or other type."""

    schema: str
    name: str


class Inspection(Protocol):
    """One database as `results` read it (narrowed to the managed schemas)."""

    schemas: dict[str, Named]
    tables: dict[str, Relation]
    relations: dict[str, Relation]
    selectables: dict[str, Relation]
    constraints: dict[str, Constraint]
    indexes: dict[str, Index]
    triggers: dict[str, Trigger]
    rlspolicies: dict[str, Policy]
    functions: dict[str, Function]
    sequences: dict[str, Named]
    extensions: dict[str, Extension]
    enums: dict[str, Named]
    types: dict[str, Named]
    domains: dict[str, Named]
