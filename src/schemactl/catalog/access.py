"""Who may do what on each relation: table privileges (a role without the privilege has no
access whatever the policies say), then row-level security (BYPASSRLS roles, owners,
RLS-disabled tables, permissive and restrictive policies), for views their kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from schemactl.catalog.reader import API_ROLES, COMMANDS, Catalog, Relation, RoleInfo


class AccessKind(Enum):
    NO_SCHEMA_USAGE = "no USAGE on the schema"
    NO_GRANT = "no privilege"
    NO_POLICY = "no rows: RLS enabled and no policy for the role"
    BYPASS_RLS = "every row: the role bypasses RLS"
    RLS_DISABLED = "every row: RLS disabled"
    POLICIES = "rows the policies allow"
    MATERIALIZED_VIEW = "every row: a materialized view has no RLS"
    INVOKER_VIEW = "rows the underlying tables' policies allow the role"
    DEFINER_VIEW = "rows the view's owner may see"
    NOT_WRITABLE = "no rows: the view is not updatable"

    @property
    def denied(self) -> bool:
        return self in (AccessKind.NO_SCHEMA_USAGE, AccessKind.NO_GRANT, AccessKind.NOT_WRITABLE)

    @property
    def every_row(self) -> bool:
        return self in (
            AccessKind.BYPASS_RLS,
            AccessKind.RLS_DISABLED,
            AccessKind.MATERIALIZED_VIEW,
        )


@dataclass(frozen=True)
class Access:
    """One cell of the matrix: what ``role`` may do with ``command`` on a relation."""

    kind: AccessKind
    permissive: tuple[str, ...] = ()  # policy names, OR-ed
    restrictive: tuple[str, ...] = ()  # policy names, AND-ed
    columns: tuple[str, ...] | None = None  # None: every column; else only these
    withheld: tuple[str, ...] = ()  # columns the role may not use (when columns is set)


@dataclass(frozen=True)
class MatrixRow:
    relation: Relation
    role: str
    cells: dict[str, Access]


def access(relation: Relation, role: RoleInfo, command: str) -> Access:
    privilege = relation.privilege(role.name, command)
    if not privilege.schema_usage and not role.superuser:
        return Access(AccessKind.NO_SCHEMA_USAGE)
    # A view that cannot take the command is refused while the query is rewritten,
    # before privileges are checked; a materialized view after them.
    if relation.kind == "v" and _not_writable(relation, command):
        return Access(AccessKind.NOT_WRITABLE)
    if not privilege.granted:
        return Access(AccessKind.NO_GRANT)
    if _not_writable(relation, command):
        return Access(AccessKind.NOT_WRITABLE)
    columns: tuple[str, ...] | None = None
    withheld: tuple[str, ...] = ()
    if not privilege.table_level and command != "DELETE":
        columns = privilege.columns
        withheld = tuple(c.name for c in relation.columns if c.name not in columns)
    kind, permissive, restrictive = _rows(relation, role, command)
    return Access(kind, permissive, restrictive, columns, withheld)


# pg_relation_is_updatable() bits: 1 << CMD_UPDATE, 1 << CMD_INSERT, 1 << CMD_DELETE.
VIEW_EVENT_BITS = {"UPDATE": 1 << 2, "INSERT": 1 << 3, "DELETE": 1 << 4}


def _not_writable(relation: Relation, command: str) -> bool:
    return (
        relation.is_view
        and command != "SELECT"
        and not (relation.kind == "v" and relation.updatable_events & VIEW_EVENT_BITS[command])
    )


def _rows(
    relation: Relation, role: RoleInfo, command: str
) -> tuple[AccessKind, tuple[str, ...], tuple[str, ...]]:
    if relation.kind == "m":
        return AccessKind.MATERIALIZED_VIEW, (), ()
    if relation.kind == "v":
        invoker = (relation.option("security_invoker") or "").lower() in ("true", "on", "1")
        return (AccessKind.INVOKER_VIEW if invoker else AccessKind.DEFINER_VIEW), (), ()
    if not relation.rls_enabled:
        return AccessKind.RLS_DISABLED, (), ()
    if role.skips_rls(relation):
        return AccessKind.BYPASS_RLS, (), ()
    applicable = [p for p in relation.policies if p.covers(command) and role.name in p.applies_to]
    permissive = tuple(p.name for p in applicable if p.permissive)
    restrictive = tuple(p.name for p in applicable if not p.permissive)
    if not permissive:
        return AccessKind.NO_POLICY, (), restrictive
    return AccessKind.POLICIES, permissive, restrictive


def access_matrix(catalog: Catalog, roles: tuple[str, ...] = API_ROLES) -> list[MatrixRow]:
    """One row per relation and existing role, a cell per command."""
    infos = [info for name in roles if (info := catalog.role(name)) is not None]
    return [
        MatrixRow(relation, info.name, {cmd: access(relation, info, cmd) for cmd in COMMANDS})
        for relation in catalog.relations
        for info in infos
    ]
