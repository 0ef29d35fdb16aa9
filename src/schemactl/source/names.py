"""Names and values read from pglast nodes, normalised the way PostgreSQL resolves them
(pglast types every attribute as optional: these helpers take what it gives)."""

from __future__ import annotations

from collections.abc import Iterable

from pglast import ast
from pglast.enums import RoleSpecType

DEFAULT_SCHEMA = "public"
IMPLICIT_SCHEMAS = ("pg_catalog", DEFAULT_SCHEMA)
PUBLIC = "public"  # the PUBLIC pseudo-role, as grantee or policy role
TRUE_WORDS = frozenset({"true", "on", "yes", "1", "t", "y"})


def strings(items: object) -> list[str]:
    """The names in a parse tree's list of String nodes (a qualified name, say)."""
    if not isinstance(items, (tuple, list)):
        return []
    return [item.sval for item in items if isinstance(item, ast.String) and item.sval is not None]


def relation_name(rangevar: ast.RangeVar | None) -> str:
    """``schema.name`` of a table, view or index (unqualified means ``public``)."""
    if rangevar is None:  # only in trees PostgreSQL itself would not produce
        return f"{DEFAULT_SCHEMA}.?"
    return f"{rangevar.schemaname or DEFAULT_SCHEMA}.{rangevar.relname}"


def schema_of(qualified: str) -> str:
    return qualified.split(".", 1)[0]


def function_name(names: object) -> str:
    """``schema.name`` of a function (unqualified means ``public``)."""
    parts = strings(names)
    return ".".join(parts) if len(parts) > 1 else f"{DEFAULT_SCHEMA}.{parts[0]}"


def type_key(type_name: ast.TypeName | None) -> str:
    """A type as one comparable string: ``int4``, ``uuid[]``, ``public.status`` →
    ``status``. Typmods are ignored (they do not change a function's signature)."""
    if type_name is None:
        return ""
    parts = strings(type_name.names)
    if len(parts) > 1 and parts[0] in IMPLICIT_SCHEMAS:
        parts = parts[1:]
    return ".".join(parts) + "[]" * len(type_name.arrayBounds or ())


def role_names(roles: Iterable[ast.Node] | None) -> frozenset[str]:
    """Role names of a list of RoleSpec; PUBLIC is ``public``."""
    names = set()
    for role in roles or ():
        if not isinstance(role, ast.RoleSpec) or role.roletype is None:
            continue
        if role.roletype == RoleSpecType.ROLESPEC_PUBLIC:
            names.add(PUBLIC)
        elif role.roletype == RoleSpecType.ROLESPEC_CSTRING:
            names.add(role.rolename or "")
        else:
            names.add(role.roletype.name.removeprefix("ROLESPEC_").lower())
    return frozenset(names)


def is_true(value: object) -> bool:
    """The value of a boolean option (`with (security_invoker)` alone means true)."""
    match value:
        case None:
            return True
        case ast.Boolean(boolval=flag):
            return bool(flag)
        case ast.Integer(ival=number):
            return number != 0
        case ast.String(sval=str(word)):
            return word.lower() in TRUE_WORDS
    return False


def options(items: Iterable[ast.Node] | None) -> dict[str, object]:
    """DefElem list as ``{name: arg}`` (later entries win)."""
    return {
        item.defname: item.arg
        for item in items or ()
        if isinstance(item, ast.DefElem) and item.defname is not None
    }
