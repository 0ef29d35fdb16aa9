"""Rewrites of what `results` writes, for statements a reviewer would run: foreign keys
re-created only when something they rely on changed, a SET-only function change as
ALTER FUNCTION, indexes and triggers of re-created views kept, enums changed once."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError

from schemactl.diff.inspected import Inspection
from schemactl.errors import SchemactlError
from schemactl.source.names import DEFAULT_SCHEMA, relation_name, strings
from schemactl.source.statements import spans


def without_needless_foreign_key_recreation(
    statements: list[tuple[str, ast.Node]], before: Inspection, after: Inspection
) -> list[tuple[str, ast.Node]]:
    """`results` drops and re-adds every foreign key of a table whose definition changed
    in any way (a column added elsewhere in it), taking locks on both tables and
    re-checking every row. A foreign key is kept when its own definition, the types of
    its columns on both sides and the referenced table's keys are all unchanged."""
    keep = _unchanged_foreign_keys(before, after)
    if not keep:
        return statements
    touched = (
        AlterTableType.AT_DropConstraint,
        AlterTableType.AT_AddConstraint,
        AlterTableType.AT_ValidateConstraint,
    )
    result = []
    for text, node in statements:
        names = {
            (_table(node), cmd.name or getattr(cmd.def_, "conname", None))
            for subtype in touched
            for cmd in _commands(node, subtype)
        }
        if names and names <= keep:
            continue
        result.append((text, node))
    return result


SET_CLAUSE = re.compile(r"^ SET \S+ (?:TO|=) .*\n", re.MULTILINE)


def settings_as_alter_function(
    statements: list[tuple[str, ast.Node]], before: Inspection, after: Inspection
) -> list[tuple[str, ast.Node]]:
    """A function whose only change is a `SET` setting (e.g. its search_path) is altered,
    `alter function … set …`, instead of re-created with its whole body: the reviewer
    reads the one line that changed."""
    replaced: dict[str, str] = {}
    for key, new in after.functions.items():
        old = before.functions.get(key)
        if old is None or (old == new and old.full_definition == new.full_definition):
            continue
        if SET_CLAUSE.sub("", old.full_definition) != SET_CLAUSE.sub("", new.full_definition):
            continue
        old_settings = dict(_settings(old.full_definition))
        new_settings = dict(_settings(new.full_definition))
        lines = [
            f"alter {new.thing} {new.signature} set {name} to {value};"
            for name, value in new_settings.items()
            if old_settings.get(name) != value
        ] + [
            f"alter {new.thing} {new.signature} reset {name};"
            for name in old_settings
            if name not in new_settings
        ]
        replaced[new.create_statement.rstrip().rstrip(";").strip()] = "\n\n".join(lines)
    if not replaced:
        return statements
    result = []
    for text, node in statements:
        alter = replaced.get(text.rstrip().rstrip(";").strip())
        if alter is None:
            result.append((text, node))
        else:
            result.extend((part, spans(part)[0].node) for part in alter.split("\n\n") if part)
    return result


def _settings(definition: str) -> Iterator[tuple[str, str]]:
    for line in SET_CLAUSE.findall(definition):
        name, _, value = line.strip()[len("SET ") :].partition(" TO ")
        yield name, value


def _unchanged_foreign_keys(before: Inspection, after: Inspection) -> set[tuple[str, str]]:
    """(schema.table, constraint) of the foreign keys nothing they rely on changed."""

    def column_type(inspected: Inspection, table: str, column: str) -> str | None:
        found = inspected.tables.get(table)
        col = found.columns.get(column) if found is not None else None
        return None if col is None else str(col.dbtypestr)

    def keys_of(inspected: Inspection, table: str) -> list[tuple[str, str]]:
        return sorted(
            (
                (c.name, c.definition)
                for c in inspected.constraints.values()
                if c.quoted_full_table_name == table
                and c.constraint_type in ("PRIMARY KEY", "UNIQUE")
            ),
        ) + sorted(
            (i.name, i.definition)
            for i in inspected.indexes.values()
            if i.quoted_full_table_name == table and i.is_unique
        )

    kept = set()
    for key, old in before.constraints.items():
        new = after.constraints.get(key)
        if not (old.is_fk and new is not None and new.is_fk and old == new):
            continue
        table, foreign = old.quoted_full_table_name, old.quoted_full_foreign_table_name
        same_types = all(
            column_type(before, t, c) == column_type(after, t, c) is not None
            for t, columns in ((table, old.fk_columns_local), (foreign, old.fk_columns_foreign))
            for c in columns
        )
        if same_types and keys_of(before, foreign) == keys_of(after, foreign):
            kept.add((f"{old.schema}.{old.table_name}", old.name))
    return kept


def lost_with_recreated_views(
    statements: list[tuple[str, ast.Node]], before: Inspection, after: Inspection
) -> list[tuple[str, ast.Node]]:
    """`results` drops and re-creates a (materialized) view whose definition changed, but
    not the indexes and triggers on it, which go with the drop: they are added."""
    dropped = {
        _names(obj)
        for _, node in statements
        if isinstance(node, ast.DropStmt)
        and node.removeType in (ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)
        for obj in node.objects or ()
    }
    recreated = {
        (v.schema, v.name)
        for v in after.relations.values()
        if (v.schema, v.name) in dropped and v.relationtype in ("v", "m")
    }
    created = {
        (relation_name(node.relation).split(".", 1)[0], node.idxname)
        for _, node in statements
        if isinstance(node, ast.IndexStmt)
    }
    created_triggers = {
        node.trigname for _, node in statements if isinstance(node, ast.CreateTrigStmt)
    }
    lost: list[tuple[str, ast.Node]] = []
    for index in after.indexes.values():
        if (index.schema, index.table_name) in recreated and (
            index.schema,
            index.name,
        ) not in created:
            lost += list(split(index.create_statement))
    for trigger in after.triggers.values():
        if (
            trigger.schema,
            trigger.table_name,
        ) in recreated and trigger.name not in created_triggers:
            lost += list(split(trigger.create_statement))
    return lost


def without_enum_recreation(
    statements: list[tuple[str, ast.Node]], changed: set[tuple[str, str]]
) -> list[tuple[str, ast.Node]]:
    """`results` changes an enum twice: a plain DROP TYPE + CREATE TYPE (which fails: the
    columns depend on the type), then the working rename / create / recast / drop of the
    old one. The first pair is left out."""
    kept, renamed = [], set()
    for text, node in statements:
        if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TYPE:
            renamed.add(_names(node.object))
        elif (
            isinstance(node, ast.DropStmt)
            and node.removeType == ObjectType.OBJECT_TYPE
            and any(_names(obj) in changed for obj in node.objects or ())
        ) or (
            isinstance(node, ast.CreateEnumStmt)
            and _names(node.typeName) in changed
            and _names(node.typeName) not in renamed
        ):
            continue
        kept.append((text, node))
    return kept


def _names(items: object) -> tuple[str, str]:
    if isinstance(items, ast.TypeName):
        items = items.names
    names = strings(items)
    if not names:
        return ("", "")
    return (names[0], names[-1]) if len(names) > 1 else (DEFAULT_SCHEMA, names[-1])


NOT_VALID = re.compile(r"\s+not\s+valid\s*;$", re.IGNORECASE)


def merge_validation(statements: list[tuple[str, ast.Node]]) -> list[tuple[str, ast.Node]]:
    """`results` adds a constraint NOT VALID, then validates it. In one transaction that
    gains nothing (the lock is held to the end either way): one ADD CONSTRAINT instead."""
    validated = {
        (_table(node), cmd.name): index
        for index, (_, node) in enumerate(statements)
        for cmd in _commands(node, AlterTableType.AT_ValidateConstraint)
    }
    merged, dropped = [], set()
    for original_text, original_node in statements:
        text, node = original_text, original_node
        adds = _commands(node, AlterTableType.AT_AddConstraint)
        if (
            len(adds) == 1
            and isinstance(adds[0].def_, ast.Constraint)
            and adds[0].def_.skip_validation
            and NOT_VALID.search(text)
        ):
            key = (_table(node), adds[0].def_.conname)
            if key in validated:
                dropped.add(validated[key])
                text = NOT_VALID.sub(";", text)
                node = spans(text)[0].node
        merged.append((text, node))
    return [item for index, item in enumerate(merged) if index not in dropped]


def _commands(node: ast.Node, subtype: AlterTableType) -> list[ast.AlterTableCmd]:
    if not isinstance(node, ast.AlterTableStmt):
        return []
    return [cmd for cmd in node.cmds or () if cmd.subtype == subtype]


def _table(node: ast.Node) -> str:
    if not isinstance(node, ast.AlterTableStmt):
        return ""
    return relation_name(node.relation)


def split(text: str) -> Iterator[tuple[str, ast.Node]]:
    """The statements of ``text``, each ending with `;`, with their parse trees."""
    try:
        found = spans(text)
    except ParseError as exc:
        raise SchemactlError(
            f"the `results` diff produced SQL that does not parse: {exc.args[0]}: "
            f"{text.strip()[:200]}",
            hint="this is a bug in the diff engine; please report it with the schema change",
        ) from exc
    for item in found:
        body = item.text(text).strip().rstrip(";").strip()
        if body:
            yield body + ";", item.node
