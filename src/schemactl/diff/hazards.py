"""What can go wrong when a migration runs on a live database: squawk's findings (table
rewrites, blocking locks, NOT NULL without a default, dropped columns …), dropped
policies, disabled row level security, and the statements that delete data (refused
unless `--allow-destructive`). The locks each statement takes: statement_locks.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType
from pglast.stream import RawStream

from schemactl.diff.statement_locks import qualified
from schemactl.errors import SchemactlError
from schemactl.source.names import relation_name
from schemactl.source.statements import spans

# Squawk rules about style, not about what happens to a live database; and the timeout
# rules, which statement_locks.locks replaces with the list of tables and locks.
QUIET_RULES = frozenset(
    {
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-text-field",
        "prefer-timestamptz",
        "prefer-robust-stmts",
        "ban-char-field",
        "require-timeout-settings",
        "require-lock-timeout",
        "require-statement-timeout",
    }
)
# Type changes that keep every value as it was.
WIDENINGS = {
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("integer", "bigint"),
    ("smallint", "numeric"),
    ("integer", "numeric"),
    ("bigint", "numeric"),
    ("real", "double precision"),
    ("character varying", "text"),
    ("character", "text"),
    ("character", "character varying"),
    ("text", "character varying"),
}


@dataclass(frozen=True)
class Hazard:
    line: int  # of the statement, 1-based, within the migration's body
    rule: str
    message: str


@dataclass(frozen=True)
class Destruction:
    statement: str
    what: str


def squawk_binary() -> str:
    """The `squawk` the squawk-cli wheel installs next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("squawk")
    if found is None:
        raise SchemactlError(
            "the `squawk` migration linter is not installed",
            hint="pip install squawk-cli (a dependency of schemactl)",
        )
    return found


def squawk_findings(
    body: str,
    pg_version: int,
    statements: Sequence[str],
    lines: Sequence[int],
    existing: set[str],
    index_tables: dict[str, str],
) -> list[Hazard]:
    """Squawk's findings on ``body`` (as one migration run in a transaction), except on
    statements that only touch relations the migration creates (nobody reads them yet;
    squawk itself knows that for tables, not for materialized views) or drops (the DROP
    TABLE is what matters there)."""
    result = subprocess.run(
        [
            squawk_binary(),
            "--reporter",
            "json",
            "--assume-in-transaction",
            f"--pg-version={pg_version}.0",
            "--stdin-filepath",
            "migration.sql",
        ],
        input=body,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as exc:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise SchemactlError(
            f"squawk failed: {detail[-1] if detail else 'exit ' + str(result.returncode)}",
            hint="check the squawk-cli installation (squawk --version)",
        ) from exc
    starts = sorted(zip(lines, statements, strict=True))
    dropped = {table for statement in statements for table in _dropped_tables(statement)}
    hazards = set()
    for finding in findings:
        line = int(finding["line"]) + 1
        if finding["rule_name"] in QUIET_RULES:
            continue
        statement = next((text for start, text in reversed(starts) if start <= line), None)
        touched = _touched(statement, index_tables) if statement else set()
        if touched and not touched & existing:
            continue
        if touched and touched <= dropped and not _dropped_tables(statement or ""):
            continue
        message = _first_sentence(finding["message"])
        if finding["rule_name"] == CONCURRENT_INDEX_RULE and statement:
            message += concurrent_offer(statement)
        hazards.add(Hazard(line, finding["rule_name"], message))
    return sorted(hazards, key=lambda h: (h.line, h.rule))


CONCURRENT_INDEX_RULE = "require-concurrent-index-creation"


def concurrent_offer(statement: str) -> str:
    """How to build the index without blocking writes: its CONCURRENTLY form, in a
    migration of its own (which `schemactl apply` and `supabase db push` run outside a
    transaction)."""
    node = spans(statement)[0].node
    if not isinstance(node, ast.IndexStmt) or node.concurrent:
        return ""
    node.concurrent = True
    return (
        f"; to build it without blocking writes, move it to a migration of its own as "
        f"`{RawStream()(node)};`"
    )


def _touched(statement: str, index_tables: dict[str, str]) -> set[str]:
    """The relations a statement acts on (an index's table, an ALTER's table …)."""
    node = parse_sql(statement)[0].stmt
    match node:
        case (
            ast.AlterTableStmt(relation=rel)
            | ast.IndexStmt(relation=rel)
            | ast.CreateTrigStmt(relation=rel)
            | ast.CreatePolicyStmt(table=rel)
        ):
            return {relation_name(rel)}
        case ast.DropStmt(removeType=ObjectType.OBJECT_INDEX, objects=objects):
            return {
                index_tables.get(qualified([s.sval for s in obj]), "?") for obj in objects or ()
            }
        case ast.DropStmt(
            removeType=ObjectType.OBJECT_TABLE | ObjectType.OBJECT_VIEW | ObjectType.OBJECT_MATVIEW,
            objects=objects,
        ):
            return {qualified([s.sval for s in obj]) for obj in objects or ()}
        case ast.CreateTableAsStmt(into=ast.IntoClause(rel=rel)) | ast.ViewStmt(view=rel):
            return {relation_name(rel)}
    return set()


DROPPED_RELATIONS = (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)


def _dropped_tables(statement: str) -> set[str]:
    """Relations the statement drops (a view re-created later in the migration too)."""
    node = parse_sql(statement)[0].stmt
    if isinstance(node, ast.DropStmt) and node.removeType in DROPPED_RELATIONS:
        return {qualified([s.sval for s in obj]) for obj in node.objects or ()}
    return set()


def _first_sentence(text: str) -> str:
    sentence = text.strip().split(". ")[0]
    return sentence.rstrip(".")


def statement_hazards(statements: Sequence[str], lines: Sequence[int]) -> list[Hazard]:
    """Ours: dropped policies (not re-created) and row level security turned off."""
    hazards = []
    nodes = [parse_sql(s)[0].stmt for s in statements]
    created = {
        (relation_name(n.table), n.policy_name)
        for n in nodes
        if isinstance(n, ast.CreatePolicyStmt)
    }
    for node, line in zip(nodes, lines, strict=True):
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_POLICY:
            for obj in node.objects or ():
                names = [s.sval for s in obj]
                table, policy = ".".join(names[:-1]), names[-1]
                if (table, policy) not in created:
                    hazards.append(
                        Hazard(
                            line,
                            "dropped-policy",
                            f"drops policy {policy} on {table}: the access it gave is gone",
                        )
                    )
        if isinstance(node, ast.AlterTableStmt):
            for command in node.cmds or ():
                if command.subtype == AlterTableType.AT_DisableRowSecurity:
                    hazards.append(
                        Hazard(
                            line,
                            "rls-disabled",
                            "disables row level security "
                            f"on {relation_name(node.relation)}: roles with table "
                            "privileges see every row",
                        )
                    )
                if command.subtype == AlterTableType.AT_NoForceRowSecurity:
                    hazards.append(
                        Hazard(
                            line,
                            "rls-not-forced",
                            "stops forcing row level "
                            f"security on {relation_name(node.relation)} for its owner",
                        )
                    )
    return hazards


def destructive(
    statements: Sequence[str], columns: dict[tuple[str, str], tuple[str, bool]]
) -> list[Destruction]:
    """Statements that delete data. ``columns``: (table, column) -> (type, generated) of
    the database before the migration (a generated column is recomputed, not lost)."""
    found = []
    for statement in statements:
        node = spans(statement)[0].node
        for what in _destroys(node, columns):
            found.append(Destruction(statement, what))
    return found


def _destroys(node: ast.Node, columns: dict[tuple[str, str], tuple[str, bool]]) -> list[str]:
    match node:
        case ast.DropStmt(removeType=ObjectType.OBJECT_TABLE, objects=objects):
            return [
                f"drops table {'.'.join(s.sval for s in obj)} and all its rows"
                for obj in objects or ()
            ]
        case ast.DropStmt(removeType=ObjectType.OBJECT_SCHEMA, objects=objects):
            return [f"drops schema {s.sval} and everything in it" for s in objects or ()]
        case ast.DropStmt(removeType=ObjectType.OBJECT_SEQUENCE, objects=objects):
            return [
                f"drops sequence {'.'.join(s.sval for s in obj)} and its current value"
                for obj in objects or ()
            ]
        case ast.TruncateStmt(relations=relations):
            return [f"truncates {relation_name(r)}" for r in relations or ()]
        case ast.DeleteStmt(relation=rel):
            return [f"deletes rows of {relation_name(rel)}"]
        case ast.AlterTableStmt(relation=rel, cmds=cmds):
            table = relation_name(rel)
            found = []
            for command in cmds or ():
                before = columns.get((table, command.name or ""))
                if command.subtype == AlterTableType.AT_DropColumn:
                    if before is None or not before[1]:
                        found.append(f"drops column {table}.{command.name} and its values")
                elif command.subtype == AlterTableType.AT_AlterColumnType and before:
                    new_type = _type_name(command.def_)
                    if not _widening(before[0], new_type):
                        found.append(
                            f"changes {table}.{command.name} from {before[0]} to "
                            f"{new_type}: values may be rounded or cut"
                        )
            return found
    return []


def _widening(old: str, new: str) -> bool:
    """Whether every value of type ``old`` survives the change to ``new`` unchanged."""
    if old == new:
        return True
    old_base, old_mod = _split_type(old)
    new_base, new_mod = _split_type(new)
    if old_base == new_base:
        if new_mod is None:
            return True
        if old_mod is None:
            return False
        if old_base == "numeric":
            (p1, s1), (p2, s2) = _precision(old_mod), _precision(new_mod)
            return s2 >= s1 and p2 - s2 >= p1 - s1
        return _numbers(new_mod) >= _numbers(old_mod)
    return (old_base, new_base) in WIDENINGS and new_mod is None


# Type names as PostgreSQL spells them in the catalog (format_type), from their aliases.
TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "varchar": "character varying",
    "float8": "double precision",
    "float4": "real",
    "bpchar": "character",
    "bool": "boolean",
    "decimal": "numeric",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
}


def _split_type(text: str) -> tuple[str, str | None]:
    text = text.strip().lower()
    if "(" in text and text.endswith(")"):
        base, _, modifier = text[:-1].partition("(")
        return TYPE_ALIASES.get(base.strip(), base.strip()), modifier.replace(" ", "")
    return TYPE_ALIASES.get(text, text), None


def _numbers(modifier: str) -> list[int]:
    return [int(part) for part in modifier.split(",") if part.strip().isdigit()]


def _precision(modifier: str) -> tuple[int, int]:
    numbers = [*_numbers(modifier), 0]
    return numbers[0], numbers[1]


def _type_name(definition: object) -> str:
    type_name = getattr(definition, "typeName", None)
    if type_name is None:
        return "?"
    names = [s.sval for s in type_name.names or () if s.sval != "pg_catalog"]
    base = ".".join(names)
    mods = [
        str(m.val.ival)
        for m in type_name.typmods or ()
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    ]
    base = TYPE_ALIASES.get(base, base)
    return f"{base}({','.join(mods)})" if mods else base
