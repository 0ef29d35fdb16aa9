"""GRANT / REVOKE statements that take one set of privileges to another.

Objects are keyed `(kind, identity, column)`; a grantee's privileges are a mapping
privilege -> grantable. For objects a migration creates (or re-creates), the privileges of
the roles that default privileges may touch are written out in full (`revoke all` then
`grant`), so the result is the same on a Supabase project with its legacy default
privileges (ALL to anon, authenticated, service_role) and on one without any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ObjectKey = tuple[str, str, str | None]  # kind, identity, column (None: the object itself)
Grants = Mapping[str, bool]  # privilege -> grantable
ObjectAcl = Mapping[str, Grants]  # grantee -> grants

# Privileges that exist on every supported server (MAINTAIN is PostgreSQL 17+): a revoke
# of anything else is written as `revoke all` plus the grants that remain.
PORTABLE = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "USAGE",
        "EXECUTE",
        "CREATE",
        "CONNECT",
        "TEMPORARY",
    }
)
# What a new object grants without being asked (acldefault), besides its owner.
BUILTIN_DEFAULTS: dict[str, dict[str, dict[str, bool]]] = {
    "function": {"public": {"EXECUTE": False}},
    "procedure": {"public": {"EXECUTE": False}},
    "type": {"public": {"USAGE": False}},
    "domain": {"public": {"USAGE": False}},
}
# Kinds that ALTER DEFAULT PRIVILEGES can grant on when they are created.
DEFAULTED_KINDS = frozenset({"table", "sequence", "function", "procedure"})
KIND_ORDER = ("schema", "type", "domain", "table", "sequence", "function", "procedure", "column")


@dataclass(frozen=True)
class Operation:
    phase: int  # 0 revoke on objects · 1 grant on objects · 2 revoke on columns · 3 grant
    action: str  # "grant" | "revoke" | "revoke grant option for"
    kind: str
    identity: str
    privileges: tuple[str, ...]  # ("ALL",) for all
    grantee: str
    column: str | None = None
    with_grant_option: bool = False


def acl_operations(
    key: ObjectKey,
    have: ObjectAcl,
    want: ObjectAcl,
    *,
    explicit_for: Iterable[str],
    all_privileges: frozenset[str],
) -> list[Operation]:
    """Operations taking ``have`` to ``want`` on one object. Grantees in ``explicit_for``
    get their privileges stated in full whatever ``have`` says (see the module doc)."""
    kind, identity, column = key
    explicit = set(explicit_for)
    operations: list[Operation] = []
    for grantee in sorted(set(have) | set(want) | explicit):
        before, after = dict(have.get(grantee, {})), dict(want.get(grantee, {}))
        if grantee in explicit:
            operations += _explicit(key, grantee, after, all_privileges)
            continue
        if before == after:
            continue
        if not after and column is None:
            operations.append(_op(kind, identity, column, "revoke", ("ALL",), grantee))
            continue
        revoked = sorted(set(before) - set(after))
        granted = sorted(p for p in after if p not in before or (after[p] and not before[p]))
        option_revoked = sorted(p for p in after if p in before and before[p] and not after[p])
        if revoked and not set(revoked) <= PORTABLE and column is None:
            operations += _explicit(key, grantee, after, all_privileges)
            continue
        if revoked:
            operations.append(_op(kind, identity, column, "revoke", tuple(revoked), grantee))
        if option_revoked:
            operations.append(
                _op(
                    kind,
                    identity,
                    column,
                    "revoke grant option for",
                    tuple(option_revoked),
                    grantee,
                )
            )
        operations += _grants(kind, identity, column, grantee, {p: after[p] for p in granted})
    return operations


def _explicit(
    key: ObjectKey, grantee: str, after: dict[str, bool], all_privileges: frozenset[str]
) -> list[Operation]:
    kind, identity, column = key
    if after and set(after) == all_privileges and not any(after.values()):
        return [_op(kind, identity, column, "grant", ("ALL",), grantee)]
    revoke = [_op(kind, identity, column, "revoke", ("ALL",), grantee)]
    return revoke + _grants(kind, identity, column, grantee, after)


def _grants(
    kind: str, identity: str, column: str | None, grantee: str, privileges: dict[str, bool]
) -> list[Operation]:
    plain = tuple(sorted(p for p, option in privileges.items() if not option))
    optioned = tuple(sorted(p for p, option in privileges.items() if option))
    result = []
    if plain:
        result.append(_op(kind, identity, column, "grant", plain, grantee))
    if optioned:
        result.append(_op(kind, identity, column, "grant", optioned, grantee, True))
    return result


def _op(
    kind: str,
    identity: str,
    column: str | None,
    action: str,
    privileges: tuple[str, ...],
    grantee: str,
    option: bool = False,
) -> Operation:
    phase = (0 if action != "grant" else 1) + (2 if column is not None else 0)
    return Operation(phase, action, kind, identity, privileges, grantee, column, option)


def render(operations: Iterable[Operation]) -> list[str]:
    """SQL for the operations, grouped: grantees that get the same statement share it,
    columns of one table with the same privileges share a column list."""
    by_statement: dict[tuple[Any, ...], list[str]] = {}
    for op in operations:
        key = (
            op.phase,
            KIND_ORDER.index(op.kind),
            op.identity,
            op.action,
            op.privileges,
            op.with_grant_option,
            op.kind,
            op.column,
        )
        by_statement.setdefault(key, []).append(op.grantee)
    merged: dict[tuple[Any, ...], list[str]] = {}
    for key, grantees in by_statement.items():
        phase, order, identity, action, privileges, option, kind, column = key
        if column is None:
            merged[(*key, tuple(grantees))] = []
            continue
        group = (
            phase,
            order,
            identity,
            action,
            privileges,
            option,
            kind,
            None,
            tuple(sorted(grantees)),
        )
        merged.setdefault(group, []).append(column)
    statements = []
    for group_key in sorted(merged, key=lambda k: (*k[:7], k[8])):
        phase, _, identity, action, privileges, option, kind, _, grantees = group_key
        columns = merged[group_key]
        what = ", ".join(p.lower() for p in privileges)
        if columns:
            what = ", ".join(f"{p.lower()} ({', '.join(columns)})" for p in privileges)
        target = "table" if kind == "column" else kind
        preposition = "to" if action == "grant" else "from"
        suffix = " with grant option" if option else ""
        statements.append(
            f"{action} {what} on {target} {identity} {preposition} "
            f"{', '.join(_sorted_grantees(grantees))}{suffix};"
        )
    return statements


def _sorted_grantees(grantees: Iterable[str]) -> list[str]:
    return sorted(set(grantees), key=lambda g: (g != "public", g))
