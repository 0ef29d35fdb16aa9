"""SC001, SC002, SC004, SC006, SC011, SC013: row level security and policies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pglast import ast
from pglast.enums import SubLinkType

from schemactl.lint.codes import Violation
from schemactl.lint.model import Policy, SchemaModel, Site
from schemactl.lint.settings import LintSettings
from schemactl.source.names import PUBLIC, schema_of, strings

COMMANDS = ("select", "insert", "update", "delete")
WRITE_COMMANDS = frozenset({"insert", "update", "delete", "all"})
# Evaluated once per row unless wrapped in a scalar subquery (then once, as an InitPlan).
PER_ROW_CALLS = frozenset(
    {
        "auth.uid",
        "auth.jwt",
        "auth.role",
        "auth.email",
        "current_setting",
        "pg_catalog.current_setting",
    }
)
# `(select f())`, `array(select f())`, `x in (select f())`: an uncorrelated subquery runs
# once (an InitPlan, or a hashed SubPlan for IN / = ANY).
ONCE_SUBLINKS = frozenset(
    {
        SubLinkType.EXPR_SUBLINK,
        SubLinkType.ARRAY_SUBLINK,
        SubLinkType.ANY_SUBLINK,
    }
)


def check_access(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    yield from _tables_without_rls(model, settings)
    yield from _rls_without_policy(model)
    for policy in model.policies:
        yield from _per_row_calls(policy)
        yield from _public_policy(policy)
        yield from _always_true_writes(policy)
    yield from _overlapping_permissive(model)


def _tables_without_rls(model: SchemaModel, settings: LintSettings) -> Iterator[Violation]:
    for table in model.tables.values():
        exposed = schema_of(table.name) in settings.exposed_schemas
        if exposed and table.name not in model.rls_enabled:
            yield Violation(
                "SC001",
                f"table {table.name} is in API-exposed schema {schema_of(table.name)} without "
                "row level security: any role with a grant reads and writes every row; add "
                f"`alter table {table.name} enable row level security` and policies",
                table.site,
            )


def _rls_without_policy(model: SchemaModel) -> Iterator[Violation]:
    with_policies = {policy.table for policy in model.policies}
    for table, site in model.rls_enabled.items():
        if table not in with_policies:
            yield Violation(
                "SC002",
                f"row level security is enabled on {table} but no policy exists: every row "
                "is hidden from every role without BYPASSRLS; add the policies, or waive "
                "this when only SECURITY DEFINER functions may reach the table",
                site,
            )


def _per_row_calls(policy: Policy) -> Iterator[Violation]:
    for clause, expression in (("using", policy.using), ("with check", policy.check)):
        for call in _unwrapped_calls(expression):
            written = ".".join(strings(call.funcname)) + ("(…)" if call.args else "()")
            yield Violation(
                "SC004",
                f'policy "{policy.name}" on {policy.table} calls {written} in its {clause} '
                f"expression once per row: write (select {written}) so PostgreSQL evaluates "
                "it once per statement",
                Site(policy.site.statement, getattr(call, "location", None)),
            )


def _unwrapped_calls(expression: ast.Node | None) -> Iterator[ast.FuncCall]:
    if expression is None:
        return
    stack: list[tuple[object, tuple[ast.Node, ...]]] = [(expression, ())]
    while stack:
        node, ancestors = stack.pop()
        if isinstance(node, (tuple, list)):
            stack.extend((child, ancestors) for child in reversed(node))
            continue
        if not isinstance(node, ast.Node):
            continue
        if (
            isinstance(node, ast.FuncCall)
            and ".".join(strings(node.funcname)) in PER_ROW_CALLS
            and not _evaluated_once(ancestors)
        ):
            yield node
        below = (*ancestors, node)
        for slot in reversed(getattr(node, "__slots__", ())):
            stack.append((getattr(node, slot, None), below))


def _evaluated_once(ancestors: tuple[ast.Node, ...]) -> bool:
    """The nearest enclosing query is a FROM-less subquery that PostgreSQL runs once and
    reuses for every row."""
    for index in range(len(ancestors) - 1, -1, -1):
        select = ancestors[index]
        if isinstance(select, ast.SelectStmt):
            parent = ancestors[index - 1] if index else None
            return (
                isinstance(parent, ast.SubLink)
                and parent.subLinkType in ONCE_SUBLINKS
                and not select.fromClause
            )
    return False


def _public_policy(policy: Policy) -> Iterator[Violation]:
    if PUBLIC in policy.roles:
        yield Violation(
            "SC006",
            f'policy "{policy.name}" on {policy.table} has no TO role, so it applies to '
            "PUBLIC (anon included) and is evaluated for every role; name the roles, e.g. "
            "`to authenticated`",
            policy.site,
        )


def _always_true_writes(policy: Policy) -> Iterator[Violation]:
    """A restrictive policy that is always true restricts nothing, and opens nothing."""
    if policy.command not in WRITE_COMMANDS or not policy.permissive:
        return
    for clause, expression in (("using", policy.using), ("with check", policy.check)):
        if _is_true_literal(expression):
            yield Violation(
                "SC013",
                f'policy "{policy.name}" on {policy.table} has {clause} (true) for '
                f"{policy.command}: its roles may write any row; write the condition that "
                "limits which rows they may change",
                policy.site,
            )


def _is_true_literal(expression: ast.Node | None) -> bool:
    return (
        isinstance(expression, ast.A_Const)
        and isinstance(expression.val, ast.Boolean)
        and bool(expression.val.boolval)
    )


def _overlapping_permissive(model: SchemaModel) -> Iterator[Violation]:
    """For each table, role and command, every permissive policy after the first (in
    source order) is reported; FOR ALL counts for each command, TO PUBLIC for each role."""
    by_table: dict[str, list[Policy]] = defaultdict(list)
    for policy in model.policies:
        if policy.permissive:
            by_table[policy.table].append(policy)
    for table, policies in sorted(by_table.items()):
        policies.sort(key=lambda p: (p.site.statement.file, p.site.statement.line))
        roles = sorted({role for p in policies for role in p.roles} | {PUBLIC})
        overlaps: dict[int, list[tuple[str, str, Policy]]] = defaultdict(list)
        for role in roles:
            for command in COMMANDS:
                applicable = [p for p in policies if _applies(p, role, command)]
                for later in applicable[1:]:
                    overlaps[id(later)].append((role, command, applicable[0]))
        for policy in policies:
            if id(policy) in overlaps:
                yield _overlap_violation(table, policy, overlaps[id(policy)])


def _applies(policy: Policy, role: str, command: str) -> bool:
    return (policy.command in ("all", command)) and (role in policy.roles or PUBLIC in policy.roles)


def _overlap_violation(
    table: str, policy: Policy, overlaps: list[tuple[str, str, Policy]]
) -> Violation:
    pairs = ", ".join(f"{role} {command}" for role, command, _ in overlaps)
    others = ", ".join(dict.fromkeys(f'"{first.name}"' for _, _, first in overlaps))
    return Violation(
        "SC011",
        f'policy "{policy.name}" on {table} is another permissive policy for {pairs} '
        f"(with {others}): PostgreSQL evaluates every permissive policy for each row; "
        "combine them into one policy per role and command",
        policy.site,
    )
