"""Constraints added to tables that already hold rows, without a long lock.

Checking a new FOREIGN KEY or CHECK, or SET NOT NULL, scans the whole table under the
lock the ALTER takes (ACCESS EXCLUSIVE for CHECK and NOT NULL: no reads or writes
meanwhile). Splitting it into NOT VALID and VALIDATE CONSTRAINT only helps when the two
run in different transactions, and every migration file runs in one (`schemactl apply`,
`supabase db push`). So `diff` writes two files:

- the migration itself, where such a constraint is added `NOT VALID` (a brief lock; new
  and changed rows are checked from then on), and SET NOT NULL on an existing column
  becomes a `CHECK (column IS NOT NULL) NOT VALID`;
- a follow-up migration, `<version + 1>_<name>_validate.sql`, that validates them
  (`VALIDATE CONSTRAINT` scans under SHARE UPDATE EXCLUSIVE: reads and writes go on), then
  sets NOT NULL (PostgreSQL skips the scan: a validated CHECK proves it) and drops the
  helper CHECK.

Both together reach exactly the state of the single-file migration the diff engine
verified. A row that breaks a constraint makes the follow-up fail (and roll back) with
the constraint's error; the first migration stays applied, and its constraints hold for
every row written since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, ConstrType
from pglast.stream import RawStream

from schemactl.source.names import relation_name
from schemactl.source.statements import spans

VALIDATED_KINDS = (ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK)
MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class OnlineSplit:
    first: tuple[str, ...]
    validations: tuple[str, ...]  # the follow-up migration (empty: none needed)
    validated: tuple[str, ...]  # table.constraint validated by the follow-up


def split_validations(statements: Sequence[str], existing: set[str]) -> OnlineSplit:
    """``statements`` as a migration and its follow-up; ``existing``: the tables (schema.name)
    that exist before the migration."""
    first: list[str] = []
    validations: list[str] = []
    validated: list[str] = []
    for statement in statements:
        command, table = _single_alter(statement)
        if command is None or table not in existing:
            first.append(statement)
            continue
        constraint = command.def_
        if (
            command.subtype == AlterTableType.AT_AddConstraint
            and isinstance(constraint, ast.Constraint)
            and constraint.contype in VALIDATED_KINDS
            and constraint.conname
        ):
            first.append(
                statement
                if constraint.skip_validation
                else statement.rstrip().rstrip(";").rstrip() + " NOT VALID;"
            )
            validations.append(_validate(table, constraint.conname))
            validated.append(f"{table}.{constraint.conname}")
        elif command.subtype == AlterTableType.AT_ValidateConstraint and command.name:
            if f"{table}.{command.name}" not in validated:
                validations.append(statement)
                validated.append(f"{table}.{command.name}")
        elif command.subtype == AlterTableType.AT_SetNotNull and command.name:
            helper = _helper_name(table, command.name)
            first.append(
                f"alter table {_qualified(table)} add constraint {quote(helper)} "
                f"CHECK ({quote(command.name)} IS NOT NULL) NOT VALID;"
            )
            validations += [
                _validate(table, helper),
                statement,
                f"alter table {_qualified(table)} drop constraint {quote(helper)};",
            ]
            validated.append(f"{table}.{command.name} NOT NULL")
        else:
            first.append(statement)
    return OnlineSplit(tuple(first), tuple(validations), tuple(validated))


def built_index(statement: str) -> str | None:
    """The qualified, quoted name of the index a `create index` statement builds (None
    for any other statement, or an index left for PostgreSQL to name)."""
    node = _single_node(statement)
    if not isinstance(node, ast.IndexStmt) or not node.idxname:
        return None
    schema = relation_name(node.relation).split(".", 1)[0]
    return f"{quote(schema)}.{quote(node.idxname)}"


def without_concurrently(statement: str) -> str:
    """A concurrent index build or drop as its plain form, for a shadow database (empty,
    and built in one transaction: the end state is the same)."""
    node = _single_node(statement)
    if isinstance(node, (ast.IndexStmt, ast.DropStmt)) and node.concurrent:
        node.concurrent = False
        return str(RawStream()(node))
    return statement


def _single_alter(statement: str) -> tuple[ast.AlterTableCmd | None, str]:
    node = _single_node(statement)
    if not isinstance(node, ast.AlterTableStmt) or len(node.cmds or ()) != 1:
        return None, ""
    command = (node.cmds or ())[0]
    if not isinstance(command, ast.AlterTableCmd):
        return None, ""
    return command, relation_name(node.relation)


def _single_node(statement: str) -> ast.Node | None:
    """The parse tree of ``statement`` when it is exactly one statement."""
    found = spans(statement)
    return found[0].node if len(found) == 1 else None


def _validate(table: str, constraint: str) -> str:
    return f"alter table {_qualified(table)} validate constraint {quote(constraint)};"


def _helper_name(table: str, column: str) -> str:
    """`<table>_<column>_not_null`, cut to PostgreSQL's identifier length."""
    return f"{table.split('.', 1)[1]}_{column}_not_null"[:MAX_IDENTIFIER]


def _qualified(table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{quote(schema)}.{quote(name)}"


def quote(identifier: str) -> str:
    """An identifier as SQL, quoted as the rest of a generated migration writes them."""
    return '"' + identifier.replace('"', '""') + '"'
