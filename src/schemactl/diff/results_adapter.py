"""The `results` package's schema diff (the successor of migra) as this project needs it:
statements for the managed schemas only (`results_inspection` reads and normalises the
two states), split into single statements with pglast, each written once, then the
rewrites of `results_rewrites` and an order in which every statement finds what it needs.
"""

from __future__ import annotations

from collections.abc import Mapping

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from schemactl.build.dependencies import Ref, analyse, stable_topological_order
from schemactl.diff.dependent_views import with_dependent_views_recreated
from schemactl.diff.extension_versions import with_stated_versions
from schemactl.diff.inspected import Inspection
from schemactl.diff.results_inspection import results_api, same_trigger_text
from schemactl.diff.results_rewrites import (
    lost_with_recreated_views,
    merge_validation,
    settings_as_alter_function,
    split,
    without_enum_recreation,
    without_needless_foreign_key_recreation,
)
from schemactl.source.names import DEFAULT_SCHEMA


def results_statements(
    before: Inspection,
    after: Inspection,
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
    same_trigger_text(before, after)
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
    statements = with_dependent_views_recreated(statements, before, after)
    statements += lost_with_recreated_views(statements, before, after)
    return [statements[i][0] for i in dependency_order([n for _, n in statements])]


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
        for table in _primary_key_added(node):
            providers.setdefault(f"primary key:{table}", index)
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
            if isinstance(node, VIEWS) and ref.kind == "relation":
                provider = providers.get(f"primary key:{name}")
                if provider is not None:
                    found.add(provider)
        needs.append(found)
    order = stable_topological_order(needs)
    return order if len(order) == len(nodes) else list(range(len(nodes)))


# A view may rely on a table's primary key (GROUP BY the key, other columns selected):
# a view or materialized view is created after the primary keys of what it reads.
VIEWS = (ast.ViewStmt, ast.CreateTableAsStmt)


def _primary_key_added(node: ast.Node) -> list[str]:
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return []
    table = f"{node.relation.schemaname or DEFAULT_SCHEMA}.{node.relation.relname}"
    return [
        table
        for cmd in node.cmds or ()
        if cmd.subtype == AlterTableType.AT_AddConstraint
        and isinstance(cmd.def_, ast.Constraint)
        and cmd.def_.contype == ConstrType.CONSTR_PRIMARY
    ]


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
