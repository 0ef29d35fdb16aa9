"""The schema as the structural rules see it, read from the build's parse trees.

Statements are read in build (dependency) order, as PostgreSQL would run them, so a
GRANT after a REVOKE wins and ALTER … overrides the CREATE it follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pglast import ast
from pglast.enums import (
    AlterTableType,
    ConstrType,
    FunctionParameterMode,
    ObjectType,
    VariableSetKind,
)

from schemactl.build.builder import Build
from schemactl.lint.privileges import ExecutePrivileges, FunctionKey
from schemactl.source.names import (
    function_name,
    is_true,
    options,
    relation_name,
    role_names,
    strings,
    type_key,
)
from schemactl.source.statements import Statement

# pg_trigger.tgtype bits, as CreateTrigStmt carries them.
TRIGGER_BEFORE = 1 << 1
TRIGGER_UPDATE = 1 << 4
INPUT_MODES = frozenset(
    {
        FunctionParameterMode.FUNC_PARAM_IN,
        FunctionParameterMode.FUNC_PARAM_INOUT,
        FunctionParameterMode.FUNC_PARAM_VARIADIC,
        FunctionParameterMode.FUNC_PARAM_DEFAULT,
    }
)
VIEW_OBJECTS = frozenset({ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW})


@dataclass(frozen=True)
class Site:
    """Where a finding points: the statement (its waivers live on it) and, when the
    object is part of a statement (a column, a constraint, a call), that part's
    character offset in the file."""

    statement: Statement
    offset: int | None = None


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    type: ast.TypeName
    site: Site


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    references: str
    site: Site


@dataclass(frozen=True)
class Index:
    table: str
    columns: tuple[str | None, ...]  # None for an expression
    method: str
    partial: bool


@dataclass
class Table:
    name: str
    site: Site
    columns: dict[str, Column] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    name: str
    table: str
    command: str  # all, select, insert, update, delete
    permissive: bool
    roles: frozenset[str]
    using: ast.Node | None
    check: ast.Node | None
    site: Site


@dataclass
class View:
    name: str
    materialized: bool
    security_invoker: bool
    site: Site


@dataclass
class Function:
    key: FunctionKey
    language: str | None
    security_definer: bool
    # The schemas of `set search_path = …` in order; None when the function runs with the
    # caller's search_path (no setting, `reset`, or `from current`, which pins whatever the
    # creating session happened to use).
    search_path: tuple[str, ...] | None
    site: Site

    @property
    def name(self) -> str:
        return self.key[0]

    @property
    def signature(self) -> str:
        return f"{self.key[0]}({', '.join(self.key[1])})"


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    function: str
    before: bool
    row: bool
    on_update: bool
    site: Site


@dataclass
class SchemaModel:
    tables: dict[str, Table] = field(default_factory=dict)
    column_types: list[Column] = field(default_factory=list)  # every column type written
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    rls_enabled: dict[str, Site] = field(default_factory=dict)
    policies: list[Policy] = field(default_factory=list)
    views: dict[str, View] = field(default_factory=dict)
    functions: dict[FunctionKey, Function] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    execute: ExecutePrivileges = field(default_factory=ExecutePrivileges)
    schemas: dict[str, Site] = field(default_factory=dict)  # created by schema/
    # (kind, name) with a comment: kind "schema" or "relation" (table, view, mat. view)
    comments: set[tuple[str, str]] = field(default_factory=set)

    def functions_named(self, name: str) -> list[Function]:
        return [f for key, f in self.functions.items() if key[0] == name]


def read_model(build: Build) -> SchemaModel:
    """Everything the rules need, from the build's statements in build order."""
    model = SchemaModel()
    for item in build.statements:
        _read(model, item.statement)
    return model


def _read(model: SchemaModel, statement: Statement) -> None:
    node = statement.node
    site = Site(statement)
    match node:
        case ast.CreateStmt():
            _read_table(model, node, statement)
        case ast.AlterTableStmt(objtype=ObjectType.OBJECT_TABLE):
            _read_alter_table(model, node, statement)
        case ast.AlterTableStmt(objtype=objtype) if objtype in VIEW_OBJECTS:
            _read_alter_view(model, node)
        case ast.IndexStmt():
            model.indexes.append(_index(node))
        case ast.CreatePolicyStmt():
            model.policies.append(
                Policy(
                    node.policy_name or "",
                    relation_name(node.table),
                    node.cmd_name or "all",
                    bool(node.permissive),
                    role_names(node.roles),
                    node.qual,
                    node.with_check,
                    site,
                )
            )
        case ast.ViewStmt():
            invoker = is_true(options(node.options).get("security_invoker", False))
            model.views[relation_name(node.view)] = View(
                relation_name(node.view), False, invoker, site
            )
        case ast.CreateTableAsStmt(objtype=ObjectType.OBJECT_MATVIEW):
            name = relation_name(node.into.rel if node.into else None)
            model.views[name] = View(name, True, False, site)
        case ast.CreateFunctionStmt():
            _read_function(model, node, site)
        case ast.AlterFunctionStmt():
            _read_alter_function(model, node)
        case ast.CreateTrigStmt():
            model.triggers.append(
                Trigger(
                    node.trigname or "",
                    relation_name(node.relation),
                    function_name(node.funcname),
                    bool((node.timing or 0) & TRIGGER_BEFORE),
                    bool(node.row),
                    bool((node.events or 0) & TRIGGER_UPDATE),
                    site,
                )
            )
        case ast.GrantStmt():
            model.execute.grant(node)
        case ast.AlterDefaultPrivilegesStmt():
            model.execute.default_privileges(node)
        case ast.CreateSchemaStmt():
            model.schemas.setdefault(node.schemaname or "", site)
        case ast.CommentStmt():
            _read_comment(model, node)


COMMENTED_RELATIONS = frozenset(
    {ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW}
)


def _read_comment(model: SchemaModel, node: ast.CommentStmt) -> None:
    if node.objtype == ObjectType.OBJECT_SCHEMA:
        key = ("schema", strings([node.object])[0] if strings([node.object]) else "")
    elif node.objtype in COMMENTED_RELATIONS:
        parts = strings(node.object)
        key = ("relation", ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}")
    else:
        return
    if node.comment:
        model.comments.add(key)
    else:
        model.comments.discard(key)


def _read_table(model: SchemaModel, node: ast.CreateStmt, statement: Statement) -> None:
    name = relation_name(node.relation)
    table = model.tables.setdefault(name, Table(name, Site(statement)))
    for element in node.tableElts or ():
        if isinstance(element, ast.ColumnDef):
            _read_column(model, table, element, statement)
        elif isinstance(element, ast.Constraint):
            _read_constraint(model, name, element, (), statement)


def _read_column(
    model: SchemaModel, table: Table, column: ast.ColumnDef, statement: Statement
) -> None:
    site = Site(statement, column.location)
    name = column.colname or ""
    if column.typeName is not None:
        entry = Column(table.name, name, column.typeName, site)
        table.columns[name] = entry
        model.column_types.append(entry)
    for constraint in column.constraints or ():
        _read_constraint(model, table.name, constraint, (name,), statement)


def _read_constraint(
    model: SchemaModel,
    table: str,
    constraint: ast.Constraint,
    column: tuple[str, ...],
    statement: Statement,
) -> None:
    """Foreign keys, and the unique indexes that primary key, unique and exclusion
    constraints create. ``column`` is set for a constraint written on a column."""
    kind = constraint.contype
    if kind == ConstrType.CONSTR_FOREIGN:
        columns = tuple(strings(constraint.fk_attrs)) or column
        model.foreign_keys.append(
            ForeignKey(
                table,
                columns,
                relation_name(constraint.pktable),
                Site(statement, constraint.location),
            )
        )
    elif kind in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
        columns = tuple(strings(constraint.keys)) or column
        model.indexes.append(Index(table, columns, "btree", False))
    elif kind == ConstrType.CONSTR_EXCLUSION:
        elements = [pair[0] for pair in constraint.exclusions or ()]
        model.indexes.append(
            Index(
                table,
                tuple(e.name for e in elements),
                constraint.access_method or "gist",
                constraint.where_clause is not None,
            )
        )


def _read_alter_table(model: SchemaModel, node: ast.AlterTableStmt, statement: Statement) -> None:
    name = relation_name(node.relation)
    for command in node.cmds or ():
        match command.subtype:
            case AlterTableType.AT_AddColumn:
                table = model.tables.setdefault(name, Table(name, Site(statement)))
                _read_column(model, table, command.def_, statement)
            case AlterTableType.AT_AddConstraint:
                _read_constraint(model, name, command.def_, (), statement)
            case AlterTableType.AT_AlterColumnType:
                model.column_types.append(
                    Column(
                        name,
                        command.name,
                        command.def_.typeName,
                        Site(statement, command.def_.location),
                    )
                )
            case AlterTableType.AT_EnableRowSecurity:
                model.rls_enabled.setdefault(name, Site(statement))
            case AlterTableType.AT_DisableRowSecurity:
                model.rls_enabled.pop(name, None)


def _read_alter_view(model: SchemaModel, node: ast.AlterTableStmt) -> None:
    view = model.views.get(relation_name(node.relation))
    if view is None:
        return
    for command in node.cmds or ():
        settings = options(command.def_ if isinstance(command.def_, tuple) else ())
        if "security_invoker" not in settings:
            continue
        if command.subtype == AlterTableType.AT_SetRelOptions:
            view.security_invoker = is_true(settings["security_invoker"])
        elif command.subtype == AlterTableType.AT_ResetRelOptions:
            view.security_invoker = False


def _index(node: ast.IndexStmt) -> Index:
    columns = tuple(
        element.name if element.expr is None else None for element in node.indexParams or ()
    )
    return Index(
        relation_name(node.relation),
        columns,
        node.accessMethod or "btree",
        node.whereClause is not None,
    )


def _read_function(model: SchemaModel, node: ast.CreateFunctionStmt, site: Site) -> None:
    key = (function_name(node.funcname), _input_types(node.parameters))
    settings = options(node.options)
    language = settings.get("language")
    model.functions[key] = Function(
        key,
        language.sval if isinstance(language, ast.String) else None,
        is_true(settings["security"]) if "security" in settings else False,
        _search_path_option(node.options) or None,
        site,
    )
    model.execute.created(key)


def _read_alter_function(model: SchemaModel, node: ast.AlterFunctionStmt) -> None:
    if node.func is None:
        return
    name = function_name(node.func.objname)
    args = tuple(type_key(t) for t in node.func.objargs or ())
    targets = [
        f for f in model.functions_named(name) if node.func.args_unspecified or f.key[1] == args
    ]
    settings = options(node.actions)
    for function in targets:
        if "security" in settings:
            function.security_definer = is_true(settings["security"])
        pinned = _search_path_option(node.actions)
        if pinned is not None:
            function.search_path = pinned or None


def _input_types(parameters: Iterable[ast.FunctionParameter] | None) -> tuple[str, ...]:
    return tuple(type_key(p.argType) for p in parameters or () if p.mode in INPUT_MODES)


def _search_path_option(items: Iterable[ast.Node] | None) -> tuple[str, ...] | None:
    """The schemas a `SET search_path = …` names (an empty tuple for `reset`, `reset all`
    and `from current`: none of them pins a known path), None when the options do not
    mention search_path."""
    result: tuple[str, ...] | None = None
    for item in items or ():
        setting = item.arg if isinstance(item, ast.DefElem) and item.defname == "set" else None
        if not isinstance(setting, ast.VariableSetStmt):
            continue
        if setting.kind == VariableSetKind.VAR_RESET_ALL:
            result = ()
        elif setting.name == "search_path":
            if setting.kind == VariableSetKind.VAR_SET_VALUE:
                result = tuple(
                    (a.val.sval or "").strip()
                    for a in setting.args or ()
                    if isinstance(a, ast.A_Const) and isinstance(a.val, ast.String)
                )
            else:
                result = ()
    return result
