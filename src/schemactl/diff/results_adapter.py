"""The `results` package's schema diff (the successor of migra), restricted to the schemas
the project manages.

`results` inspects every schema; we keep the objects of the managed schemas, plus
triggers on other schemas' tables (e.g. `auth.users`) whose function is ours. Its
privilege and comment statements are left out: `catalog_gaps` handles both for every kind
of object. Its output is split into single statements with pglast, and a statement it
repeats (e.g. `create type … as enum` for a new enum) is written once.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream

from schemactl.build.dependencies import DEFAULT_SCHEMA, Ref, analyse, stable_topological_order
from schemactl.diff.extension_versions import with_stated_versions
from schemactl.diff.gaps import empty_search_path
from schemactl.errors import SchemactlError

# The inspector's collections of schema objects, each object carrying `.schema`.
COLLECTIONS = (
    "schemas",
    "relations",
    "tables",
    "views",
    "materialized_views",
    "composite_types",
    "functions",
    "selectables",
    "sequences",
    "constraints",
    "indexes",
    "enums",
    "privileges",
    "collations",
    "rlspolicies",
    "types",
    "domains",
)
# Extensions are kept whatever their schema (`create extension … with schema
# extensions`): shadows hold only the project's; on a live database, only those schema/
# creates are compared (`keep_only_common_extensions`).


@dataclass(frozen=True)
class Scope:
    """What a diff compares: the managed schemas (never Supabase's own)."""

    schemas: frozenset[str]

    def keeps(self, item: Any) -> bool:
        return getattr(item, "schema", None) in self.schemas

    def keeps_trigger(self, trigger: Any) -> bool:
        return trigger.schema in self.schemas or trigger.proc_schema in self.schemas


@cache
def results_api() -> tuple[Any, Any]:
    """`results.dbdiff.Migration` and `results.schemainspect.pg.PostgreSQL`.

    results reads its packaged queries through a helper that calls `inspect.stack()`,
    which reads the source of every frame and costs most of a second per import; the
    helper is replaced (it only names the package the queries live in) before the
    inspector module loads. Without that module layout, the plain import is used.
    """
    name = "results.schemainspect.misc"
    with _IMPORT_LOCK:
        _preload_misc(name)
    import results.schemainspect
    from results.dbdiff import Migration
    from results.schemainspect.pg import PostgreSQL

    results.schemainspect.misc = sys.modules[name]  # type: ignore[attr-defined]
    _compare_column_types_with_modifiers()
    from results.schemainspect.pg.obj import InspectedTrigger

    _canonical_trigger_class(InspectedTrigger)
    return Migration, PostgreSQL


def _compare_column_types_with_modifiers() -> None:
    """`results` decides whether a view (or a table's dependent views) can be replaced in
    place from its columns' base types, so numeric(10,2) -> numeric(14,2) leaves the
    views on that column in place, and ALTER COLUMN TYPE fails on them. Types with their
    modifiers are compared instead: such views are dropped and re-created."""
    from results.schemainspect.pg import obj

    def has_compatible_columns(self: Any, other: Any) -> bool:
        def names_and_types(columns: Any) -> list[tuple[str, str]]:
            return [(name, column.dbtypestr) for name, column in columns.items()]

        items = names_and_types(self.columns)
        if self.relationtype != "f":
            items = items[: len(other.columns)]
        return items == names_and_types(other.columns)

    obj.InspectedSelectable.has_compatible_columns = has_compatible_columns


_IMPORT_LOCK = threading.Lock()


def _preload_misc(name: str) -> None:
    if name not in sys.modules:
        spec = importlib.util.find_spec("results.schemainspect")
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "misc.py" if locations else None
        if path is not None and path.is_file():
            misc_spec = importlib.util.spec_from_file_location(name, path)
            if misc_spec is not None and misc_spec.loader is not None:
                module = importlib.util.module_from_spec(misc_spec)
                sys.modules[name] = module
                misc_spec.loader.exec_module(module)
                module.external_caller_package = lambda: "results.schemainspect.pg"


def inspect(conn: psycopg.Connection, scope: Scope) -> Any:
    """The `results` inspector of ``conn``'s database, narrowed to ``scope``."""
    _, postgresql = results_api()
    with empty_search_path(conn), conn.cursor() as cursor:
        inspected = postgresql(cursor)
    inspected.c = None  # the cursor is closed; what was read stays (and can be pickled)
    for attribute in COLLECTIONS:
        items = getattr(inspected, attribute, None)
        if isinstance(items, dict):
            setattr(
                inspected,
                attribute,
                type(items)((k, v) for k, v in items.items() if scope.keeps(v)),
            )
    inspected.triggers = type(inspected.triggers)(
        (k, _canonical_trigger(v)) for k, v in inspected.triggers.items() if scope.keeps_trigger(v)
    )
    inspected.privileges = type(inspected.privileges)()
    _forget_comments(inspected)
    return inspected


def _forget_comments(inspected: Any) -> None:
    """Comments are compared by `catalog_gaps` (on every kind of object); left to
    `results` too, a changed comment would re-create the function or table it is on."""
    for attribute in (
        "selectables",
        "relations",
        "functions",
        "types",
        "composite_types",
        "enums",
        "domains",
    ):
        for item in getattr(inspected, attribute, {}).values():
            if hasattr(item, "comment"):
                item.comment = None
            for column in getattr(item, "columns", {}).values():
                if hasattr(column, "comment"):
                    column.comment = None


def _canonical_trigger(trigger: Any) -> Any:
    """PostgreSQL deparses a row comparison in a trigger's WHEN as nested ORs that
    parse back flat, so the text of a re-created trigger differs from the original.
    Triggers are compared by pglast's canonical form of their definition instead."""
    trigger.canonical_definition = _canonical(trigger.full_definition)
    trigger.__class__ = _canonical_trigger_class(type(trigger))
    return trigger


@cache
def _canonical_trigger_class(base: type) -> type:
    def __eq__(self: Any, other: Any) -> bool:
        same_text = getattr(other, "canonical_definition", None) == self.canonical_definition
        return bool(
            same_text
            and (
                self.name,
                self.schema,
                self.table_name,
                self.proc_schema,
                self.proc_name,
                self.enabled,
            )
            == (
                other.name,
                other.schema,
                other.table_name,
                other.proc_schema,
                other.proc_name,
                other.enabled,
            )
        )

    made = type(
        "CanonicalTrigger", (base,), {"__eq__": __eq__, "__hash__": None, "__module__": __name__}
    )
    globals()["CanonicalTrigger"] = made  # importable by name, so states can be pickled
    return made


@cache
def _canonical(definition: str) -> str:
    try:
        return ";".join(RawStream()(item.stmt) for item in parse_sql(definition))
    except (ParseError, NotImplementedError, ValueError, AttributeError):
        return definition


def keep_only_common_extensions(live: Any, wanted: Any) -> None:
    """On a live database, extensions the project does not create are not its business."""
    live.extensions = type(live.extensions)(
        (k, v) for k, v in live.extensions.items() if k in wanted.extensions
    )


def results_statements(
    before: Any,
    after: Any,
    extension_defaults: Mapping[str, str],
    *,
    live: bool = False,
) -> list[str]:
    """What `results` writes to take ``before`` to ``after``: one statement per item,
    without its privilege and comment statements, each statement once. Extension
    versions are written only where pinned (`with_stated_versions`; ``extension_defaults``
    are the default versions of ``after``'s server)."""
    migration_class, _ = results_api()
    before, after = with_stated_versions(before, after, extension_defaults, live=live)
    migration = migration_class(before, after, ignore_extension_versions=False)
    migration.set_safety(False)
    migration.add_all_changes_ordered(privileges=False)
    changed_enums = {
        (e.schema, e.name)
        for key, e in after.enums.items()
        if key in before.enums and before.enums[key] != e
    }
    found = [item for chunk in migration.statements for item in split(chunk)]
    statements: list[tuple[str, ast.Node]] = []
    seen: set[str] = set()
    for statement, node in without_enum_recreation(found, changed_enums):
        if statement in seen or isinstance(node, ast.CommentStmt):
            continue
        seen.add(statement)
        statements.append((statement, node))
    statements = without_needless_foreign_key_recreation(statements, before, after)
    statements = settings_as_alter_function(statements, before, after)
    statements = merge_validation(statements)
    statements += _lost_with_recreated_views(statements, before, after)
    return [statements[i][0] for i in dependency_order([n for _, n in statements])]


def without_needless_foreign_key_recreation(
    statements: list[tuple[str, ast.Node]], before: Any, after: Any
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
    statements: list[tuple[str, ast.Node]], before: Any, after: Any
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
            result.extend((part, parse_sql(part)[0].stmt) for part in alter.split("\n\n") if part)
    return result


def _settings(definition: str) -> Iterator[tuple[str, str]]:
    for line in SET_CLAUSE.findall(definition):
        name, _, value = line.strip()[len("SET ") :].partition(" TO ")
        yield name, value


def _unchanged_foreign_keys(before: Any, after: Any) -> set[tuple[str, str]]:
    """(schema.table, constraint) of the foreign keys nothing they rely on changed."""

    def column_type(inspected: Any, table: str, column: str) -> str | None:
        found = inspected.tables.get(table)
        col = found.columns.get(column) if found is not None else None
        return None if col is None else str(col.dbtypestr)

    def keys_of(inspected: Any, table: str) -> list[Any]:
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


def _lost_with_recreated_views(
    statements: list[tuple[str, ast.Node]], before: Any, after: Any
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
        (node.relation.schemaname or DEFAULT_SCHEMA, node.idxname)
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


def _names(items: Any) -> tuple[str, str]:
    if isinstance(items, ast.TypeName):
        items = items.names
    names = [item.sval for item in items or () if isinstance(item, ast.String)]
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
                node = parse_sql(text)[0].stmt
        merged.append((text, node))
    return [item for index, item in enumerate(merged) if index not in dropped]


def _commands(node: ast.Node, subtype: AlterTableType) -> list[Any]:
    if not isinstance(node, ast.AlterTableStmt):
        return []
    return [cmd for cmd in node.cmds or () if cmd.subtype == subtype]


def _table(node: ast.AlterTableStmt) -> str:
    return f"{node.relation.schemaname or DEFAULT_SCHEMA}.{node.relation.relname}"


def dependency_order(nodes: list[ast.Node]) -> list[int]:
    """`results` creates every function before every table, but a function returning
    `setof <table>` (or taking a table's row type) needs that table first: statements
    move after the statements creating what they need, otherwise keeping their order.
    Function bodies do not count (`check_function_bodies` is off), except SQL-standard
    ones (`begin atomic`), which PostgreSQL always checks."""
    providers: dict[str, int] = {}
    for index, node in enumerate(nodes):
        if isinstance(node, CREATING):
            for key in analyse(node).provides:
                providers.setdefault(key, index)
    needs: list[set[int]] = []
    for index, node in enumerate(nodes):
        found = set()
        for ref in _hard_requirements(node):
            name = ref.name if ref.qualified else f"{DEFAULT_SCHEMA}.{ref.name}"
            kinds = ("relation", "type") if ref.kind in ("relation", "type") else (ref.kind,)
            for kind in kinds:
                provider = providers.get(f"{kind}:{name if kind != 'schema' else ref.name}")
                if provider is not None and provider != index:
                    found.add(provider)
        needs.append(found)
    order = stable_topological_order(needs)
    return order if len(order) == len(nodes) else list(range(len(nodes)))


CREATING = (
    ast.CreateStmt,
    ast.ViewStmt,
    ast.CreateTableAsStmt,
    ast.CreateFunctionStmt,
    ast.CreateEnumStmt,
    ast.CompositeTypeStmt,
    ast.CreateDomainStmt,
    ast.CreateSchemaStmt,
    ast.CreateSeqStmt,
    ast.IndexStmt,
)


def _hard_requirements(node: ast.Node) -> frozenset[Ref]:
    if not isinstance(node, ast.CreateFunctionStmt):
        return analyse(node).requires
    parts = [node.returnType, *(node.parameters or ()), node.sql_body]
    return frozenset(ref for part in parts if part is not None for ref in analyse(part).requires)


def split(text: str) -> Iterator[tuple[str, ast.Node]]:
    """The statements of ``text``, each ending with `;`, with their parse trees."""
    try:
        nodes = parse_sql(text)
    except ParseError as exc:
        raise SchemactlError(
            f"the `results` diff produced SQL that does not parse: {exc.args[0]}: "
            f"{text.strip()[:200]}",
            hint="this is a bug in the diff engine; please report it with the schema change",
        ) from exc
    for item in nodes:
        end = item.stmt_location + item.stmt_len if item.stmt_len else len(text)
        body = text[item.stmt_location : end].strip().rstrip(";").strip()
        if body:
            yield body + ";", item.stmt


@contextmanager
def read_only(conn: psycopg.Connection) -> Iterator[None]:
    """A transaction that changes nothing (for inspecting a live database)."""
    with conn.transaction(force_rollback=True):
        conn.execute("set transaction read only")
        yield
