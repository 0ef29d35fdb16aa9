"""The locks a migration's statements take on tables that exist before it: per statement
(its line in the review header) and, per table, the strongest one held until commit (the
migration is one transaction). Each mapping is checked against pg_locks by
tests/migrations/test_statement_locks.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from schemactl.source.names import relation_name
from schemactl.source.statements import spans

LOCKS = (
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)  # weakest first
BLOCKS = {
    "ACCESS EXCLUSIVE": "reads and writes",
    "EXCLUSIVE": "writes",
    "SHARE ROW EXCLUSIVE": "writes",
    "SHARE": "writes",
    "SHARE UPDATE EXCLUSIVE": "schema changes and vacuum",
}
LIGHTER_ALTERS = {
    AlterTableType.AT_ValidateConstraint: "SHARE UPDATE EXCLUSIVE",
    AlterTableType.AT_EnableTrig: "SHARE ROW EXCLUSIVE",
    AlterTableType.AT_DisableTrig: "SHARE ROW EXCLUSIVE",
    AlterTableType.AT_EnableAlwaysTrig: "SHARE ROW EXCLUSIVE",
    AlterTableType.AT_EnableReplicaTrig: "SHARE ROW EXCLUSIVE",
    AlterTableType.AT_SetStatistics: "SHARE UPDATE EXCLUSIVE",
    AlterTableType.AT_ClusterOn: "SHARE UPDATE EXCLUSIVE",
    AlterTableType.AT_DropCluster: "SHARE UPDATE EXCLUSIVE",
}
# Storage parameters that ALTER TABLE … SET changes under SHARE UPDATE EXCLUSIVE.
LIGHT_OPTIONS = (
    "fillfactor",
    "autovacuum_",
    "toast.",
    "toast_tuple_target",
    "parallel_workers",
    "vacuum_",
)


@dataclass(frozen=True)
class Lock:
    table: str
    mode: str
    lines: tuple[int, ...]

    @property
    def blocks(self) -> str:
        return BLOCKS[self.mode]


def locks(
    statements: Sequence[str],
    lines: Sequence[int],
    existing: set[str],
    index_tables: dict[str, str],
) -> list[Lock]:
    """The strongest lock each existing table keeps until commit (one transaction).
    ``index_tables``: index -> its table, for DROP INDEX."""
    held: dict[str, tuple[str, list[int]]] = {}
    for line, table, mode in _existing_locks(statements, lines, existing, index_tables):
        current, seen = held.get(table, (mode, []))
        held[table] = (max(current, mode, key=LOCKS.index), [*seen, line])
    return [Lock(table, mode, tuple(lines_)) for table, (mode, lines_) in sorted(held.items())]


def statement_locks(
    statements: Sequence[str],
    lines: Sequence[int],
    existing: set[str],
    index_tables: dict[str, str],
) -> list[tuple[int, str]]:
    """Per statement (its line): the locks it takes on tables that exist before the
    migration, e.g. `SHARE ROW EXCLUSIVE on public.deals, public.organizations`."""
    by_line: dict[int, dict[str, list[str]]] = {}
    for line, table, mode in _existing_locks(statements, lines, existing, index_tables):
        tables = by_line.setdefault(line, {}).setdefault(mode, [])
        if table not in tables:
            tables.append(table)
    return [
        (
            line,
            "; ".join(
                f"{mode} on {', '.join(tables)}"
                for mode, tables in sorted(by_mode.items(), key=lambda m: LOCKS.index(m[0]))
            ),
        )
        for line, by_mode in by_line.items()
    ]


def _existing_locks(
    statements: Sequence[str],
    lines: Sequence[int],
    existing: set[str],
    index_tables: dict[str, str],
) -> Iterator[tuple[int, str, str]]:
    """(line, table, mode) for each lock a statement takes on a table that exists."""
    for statement, line in zip(statements, lines, strict=True):
        for table, mode in _statement_locks(spans(statement)[0].node, index_tables):
            if table in existing:
                yield line, table, mode


def _statement_locks(node: ast.Node, index_tables: dict[str, str]) -> list[tuple[str, str]]:
    match node:
        case ast.AlterTableStmt(relation=rel, cmds=cmds, objtype=ObjectType.OBJECT_TABLE):
            modes = []
            for command in cmds or ():
                mode = LIGHTER_ALTERS.get(command.subtype, "ACCESS EXCLUSIVE")
                if command.subtype in (
                    AlterTableType.AT_SetRelOptions,
                    AlterTableType.AT_ResetRelOptions,
                ) and all(
                    option.defname.startswith(LIGHT_OPTIONS)
                    or (option.defnamespace or "") == "toast"
                    for option in command.def_ or ()
                ):
                    mode = "SHARE UPDATE EXCLUSIVE"
                if (
                    command.subtype == AlterTableType.AT_AddConstraint
                    and isinstance(command.def_, ast.Constraint)
                    and command.def_.contype == ConstrType.CONSTR_FOREIGN
                ):
                    mode = "SHARE ROW EXCLUSIVE"
                    modes.append((relation_name(command.def_.pktable), mode))
                modes.append((relation_name(rel), mode))
            return modes
        case ast.RenameStmt(
            renameType=ObjectType.OBJECT_TABLE
            | ObjectType.OBJECT_COLUMN
            | ObjectType.OBJECT_TABCONSTRAINT
            | ObjectType.OBJECT_POLICY,
            relation=rel,
        ):
            return [(relation_name(rel), "ACCESS EXCLUSIVE")]
        case ast.IndexStmt(relation=rel, concurrent=False):
            return [(relation_name(rel), "SHARE")]
        case ast.CreateTrigStmt(relation=rel):
            return [(relation_name(rel), "SHARE ROW EXCLUSIVE")]
        case ast.CreatePolicyStmt(table=rel) | ast.AlterPolicyStmt(table=rel):
            return [(relation_name(rel), "ACCESS EXCLUSIVE")]
        case ast.DropStmt(
            removeType=ObjectType.OBJECT_POLICY | ObjectType.OBJECT_TRIGGER, objects=objects
        ):
            return [
                (".".join(s.sval for s in obj[:-1]), "ACCESS EXCLUSIVE") for obj in objects or ()
            ]
        case ast.DropStmt(
            removeType=ObjectType.OBJECT_TABLE | ObjectType.OBJECT_VIEW | ObjectType.OBJECT_MATVIEW,
            objects=objects,
        ):
            return [(qualified([s.sval for s in obj]), "ACCESS EXCLUSIVE") for obj in objects or ()]
        case ast.DropStmt(removeType=ObjectType.OBJECT_INDEX, objects=objects, concurrent=False):
            return [
                (index_tables[name], "ACCESS EXCLUSIVE")
                for name in (qualified([s.sval for s in obj]) for obj in objects or ())
                if name in index_tables
            ]
    return []


def qualified(names: list[str]) -> str:
    """``schema.name`` from a parse tree's name list (unqualified means ``public``)."""
    return ".".join(names) if len(names) > 1 else f"public.{names[0]}"
