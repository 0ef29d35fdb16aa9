"""What each statement creates and what it needs, read from its parse tree.

Names are kind-qualified keys: ``relation:public.deals``, ``function:private.uid``,
``type:public.status``, ``schema:private``. Functions are keyed without their
argument types (an overload depends on every function of that name).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import ConstrType, GrantTargetType, ObjectType
from pglast.parser import ParseError

from schemactl.source.names import function_name, relation_name, strings

BUILTIN_SCHEMAS = frozenset({"pg_catalog", "information_schema", "public", "pg_toast"})


@dataclass(frozen=True, order=True)
class Ref:
    """A reference from a statement to an object it needs."""

    kind: str  # relation, function, type, schema; contents: every object of a kind in a
    # schema, named "<kind>:<schema>" (GRANT … ON ALL TABLES IN SCHEMA comes after them)
    name: str  # schema-qualified where the SQL qualified it, else as written
    qualified: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    def describe(self) -> str:
        label = {
            "relation": "table",
            "function": "function",
            "type": "type",
            "schema": "schema",
            "contents": "objects of",
        }[self.kind]
        return f"{label} {self.name}{'()' if self.kind == 'function' else ''}"


@dataclass(frozen=True)
class Dependencies:
    provides: frozenset[str]
    requires: frozenset[Ref]
    description: str


def analyse(node: ast.Node) -> Dependencies:
    """Provided keys, required references and a human description of a statement."""
    provides, description = _provides(node)
    refs = set(_requires(node, _cte_names(node)))
    if isinstance(node, ast.CreateFunctionStmt):
        refs.update(_sql_body_refs(node))
    refs.update(_schema_refs(provides, refs))
    return Dependencies(frozenset(provides), frozenset(refs), description)


def qualify(names: tuple[str, ...] | list[str]) -> tuple[str, bool]:
    """Join a dotted name; second item says whether a schema was written."""
    return ".".join(names), len(names) > 1


def _provides(node: ast.Node) -> tuple[set[str], str]:
    match node:
        case ast.CreateStmt(relation=rel):
            keys = {f"relation:{relation_name(rel)}"} | set(_implicit_sequences(node))
            return keys, f"table {relation_name(rel)}"
        case ast.CreateSeqStmt(sequence=rel):
            return {f"relation:{relation_name(rel)}"}, f"table {relation_name(rel)}"
        case ast.ViewStmt(view=rel):
            return {f"relation:{relation_name(rel)}"}, f"view {relation_name(rel)}"
        case ast.CreateTableAsStmt(into=ast.IntoClause(rel=rel)):
            return {f"relation:{relation_name(rel)}"}, f"view {relation_name(rel)}"
        case ast.CreateFunctionStmt(funcname=names):
            name = function_name(names)
            return {f"function:{name}"}, f"function {name}()"
        case ast.CreateSchemaStmt(schemaname=name):
            return {f"schema:{name}"}, f"schema {name}"
        case ast.CompositeTypeStmt(typevar=rel):
            return {f"type:{relation_name(rel)}"}, f"type {relation_name(rel)}"
        case ast.CreateEnumStmt(typeName=names) | ast.CreateDomainStmt(domainname=names):
            name = function_name(names)
            return {f"type:{name}"}, f"type {name}"
        case ast.IndexStmt(idxname=idx, relation=rel):
            schema = relation_name(rel).split(".", 1)[0]
            keys = {f"relation:{schema}.{idx}"} if idx else set()
            return keys, f"index {idx or '(unnamed)'} on {relation_name(rel)}"
        case ast.CreateTrigStmt(trigname=name, relation=rel):
            return {
                f"trigger:{relation_name(rel)}.{name}"
            }, f"trigger {name} on {relation_name(rel)}"
        case ast.CreatePolicyStmt(policy_name=name, table=rel):
            return {
                f"policy:{relation_name(rel)}.{name}"
            }, f'policy "{name}" on {relation_name(rel)}'
        case ast.AlterTableStmt(relation=rel):
            return set(), f"alter table {relation_name(rel)}"
        case ast.GrantStmt(is_grant=is_grant):
            return set(), "grant" if is_grant else "revoke"
        case ast.CommentStmt():
            return set(), "comment"
    return set(), type(node).__name__


SERIAL_TYPES = frozenset({"smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"})


def _implicit_sequences(node: ast.CreateStmt) -> Iterator[str]:
    """Sequences a CREATE TABLE makes for identity and serial columns (so a GRANT or
    REVOKE on `<table>_<column>_seq` finds its provider)."""
    table = relation_name(node.relation)
    for column in node.tableElts or ():
        if not isinstance(column, ast.ColumnDef):
            continue
        type_names = strings(column.typeName.names) if column.typeName else []
        serial = bool(type_names) and type_names[-1] in SERIAL_TYPES
        identity = [
            c
            for c in column.constraints or ()
            if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_IDENTITY
        ]
        if not (serial or identity):
            continue
        name = f"{table}_{column.colname}_seq"
        schema = table.split(".", 1)[0]
        for option in (identity[0].options or ()) if identity else ():
            if option.defname == "sequence_name":
                names = strings(option.arg)
                name = ".".join(names) if len(names) > 1 else f"{schema}.{names[0]}"
        yield f"relation:{name}"


def _walk(node: object) -> Iterator[ast.Node]:
    """Every node below ``node`` (depth first, including itself)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Node):
            yield current
            for slot in getattr(current, "__slots__", ()):
                value = getattr(current, slot, None)
                if isinstance(value, (ast.Node, tuple, list)):
                    stack.append(value)
        elif isinstance(current, (tuple, list)):
            stack.extend(reversed(current))


def _cte_names(node: ast.Node) -> set[str]:
    """Names of the WITH queries in ``node``: a bare name among them is no table."""
    return {
        cte.ctename for cte in _walk(node) if isinstance(cte, ast.CommonTableExpr) and cte.ctename
    }


def _requires(node: ast.Node, ctes: set[str]) -> Iterator[Ref]:
    for child in _walk(node):
        match child:
            case ast.RangeVar(schemaname=schema, relname=str(rel)):
                if schema is None and rel in ctes:
                    continue
                yield Ref("relation", f"{schema}.{rel}" if schema else rel, schema is not None)
            case (
                ast.FuncCall(funcname=names)
                | ast.CreateTrigStmt(funcname=names)
                | ast.ObjectWithArgs(objname=names)
            ):
                name, qualified = qualify(strings(names))
                yield Ref("function", name, qualified)
            case ast.TypeName(names=names):
                name, qualified = qualify(strings(names))
                yield Ref("type", name, qualified)
            case ast.GrantStmt(objtype=ObjectType.OBJECT_SCHEMA, objects=objects):
                for schema in strings(objects):
                    yield Ref("schema", schema, True)
            case ast.GrantStmt(
                targtype=GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA, objtype=objtype, objects=objects
            ):
                kind = "function" if objtype in ALL_FUNCTIONS else "relation"
                for schema in strings(objects):
                    yield Ref("schema", schema, True)
                    yield Ref("contents", f"{kind}:{schema}", True)
            case ast.AlterDefaultPrivilegesStmt(options=options):
                for option in options or ():
                    if option.defname == "schemas":
                        for schema in strings(option.arg):
                            yield Ref("schema", schema, True)
            case ast.CommentStmt(objtype=objtype, object=obj):
                yield from _comment_refs(objtype, obj)


ALL_FUNCTIONS = frozenset(
    {ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE}
)


def _comment_refs(objtype: ObjectType | None, obj: object) -> Iterator[Ref]:
    names = strings(obj) if isinstance(obj, (tuple, list)) else []
    if (
        objtype
        in (
            ObjectType.OBJECT_TABLE,
            ObjectType.OBJECT_VIEW,
            ObjectType.OBJECT_MATVIEW,
            ObjectType.OBJECT_INDEX,
            ObjectType.OBJECT_SEQUENCE,
        )
        and names
    ):
        name, qualified = qualify(names)
        yield Ref("relation", name, qualified)
    elif objtype == ObjectType.OBJECT_COLUMN and len(names) >= 2:
        name, qualified = qualify(names[:-1])
        yield Ref("relation", name, qualified)
    elif objtype == ObjectType.OBJECT_SCHEMA and isinstance(obj, ast.String) and obj.sval:
        yield Ref("schema", obj.sval, True)
    elif objtype in (ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY) and len(names) >= 2:
        name, qualified = qualify(names[:-1])
        yield Ref("relation", name, qualified)


def _sql_body_refs(node: ast.CreateFunctionStmt) -> Iterator[Ref]:
    """A `language sql` body is parsed too: the tables it reads must exist first."""
    options = {opt.defname: opt.arg for opt in node.options or ()}
    language = options.get("language")
    if not isinstance(language, ast.String) or language.sval != "sql":
        return
    body = options.get("as")
    texts = strings(body) if isinstance(body, (tuple, list)) else []
    for text in texts:
        try:
            parsed = parse_sql(text)
        except ParseError:
            continue  # PostgreSQL reports it when the function is created
        for raw in parsed:
            if raw.stmt is not None:
                yield from _requires(raw.stmt, _cte_names(raw.stmt))


def _schema_refs(provides: set[str], refs: set[Ref]) -> Iterator[Ref]:
    """Every qualified name needs its schema."""
    names = [key.split(":", 1)[1] for key in provides if not key.startswith("schema:")]
    names += [ref.name for ref in refs if ref.qualified and ref.kind not in ("schema", "contents")]
    for name in names:
        schema = name.split(".", 1)[0]
        if schema not in BUILTIN_SCHEMAS:
            yield Ref("schema", schema, True)


def stable_topological_order(needs: Sequence[Collection[int]]) -> list[int]:
    """Indexes of ``needs``, each after the indexes it needs, otherwise lowest first.
    Indexes on or behind a cycle are left out, so the result is then shorter."""
    dependents: list[list[int]] = [[] for _ in needs]
    waiting = [len(found) for found in needs]
    for index, found in enumerate(needs):
        for provider in found:
            dependents[provider].append(index)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        current = heapq.heappop(ready)
        order.append(current)
        for dependent in dependents[current]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    return order
