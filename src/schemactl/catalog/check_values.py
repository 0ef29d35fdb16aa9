"""Enumerations hidden in CHECK constraints: `status in ('open', 'won', 'lost')`, which
PostgreSQL stores as `status = ANY (ARRAY['open'::text, …])`. Read with pglast."""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind
from pglast.parser import ParseError

from schemactl.source.names import strings


def _uncast(node: ast.Node | None) -> ast.Node | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _string(node: ast.Node | None) -> str | None:
    node = _uncast(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def check_list(expression: str, column: str) -> tuple[str, ...] | None:
    """The allowed values when ``expression`` is exactly `column IN (literals…)` (or
    `= ANY (ARRAY[…])`), else None."""
    try:
        statements = parse_sql(f"select {expression}")
    except ParseError:
        return None
    select = statements[0].stmt
    if not isinstance(select, ast.SelectStmt) or not select.targetList:
        return None
    first = select.targetList[0]
    target = first.val if isinstance(first, ast.ResTarget) else None
    if not isinstance(target, ast.A_Expr) or not target.name or (target.name[0].sval != "="):
        return None
    left = _uncast(target.lexpr)
    if not (isinstance(left, ast.ColumnRef) and strings(left.fields) == [column]):
        return None
    if target.kind == A_Expr_Kind.AEXPR_OP_ANY:
        array = _uncast(target.rexpr) if isinstance(target.rexpr, ast.Node) else None
        items = array.elements if isinstance(array, ast.A_ArrayExpr) else None
    elif target.kind == A_Expr_Kind.AEXPR_IN:
        items = target.rexpr if isinstance(target.rexpr, tuple) else None
    else:
        return None
    if not items:
        return None
    values = tuple(_string(item) for item in items)
    if any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None)
