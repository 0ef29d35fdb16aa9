"""Who may EXECUTE each function once the build has run, replayed in build order.

PostgreSQL grants EXECUTE on a new function to PUBLIC. Supabase's default privileges
(the stand-in's `legacy` mode, docs/design.md: The Supabase stand-in) also grant it to anon, authenticated and
service_role on every function created in `public`. Then GRANT / REVOKE on functions,
`… ON ALL FUNCTIONS IN SCHEMA …` and ALTER DEFAULT PRIVILEGES change that, in order.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import GrantTargetType, ObjectType

from schemactl.source.names import (
    PUBLIC,
    function_name,
    options,
    role_names,
    schema_of,
    strings,
    type_key,
)

FunctionKey = tuple[str, tuple[str, ...]]  # ("public.f", ("uuid", "text[]"))

FUNCTION_OBJECTS = frozenset(
    {
        ObjectType.OBJECT_FUNCTION,
        ObjectType.OBJECT_PROCEDURE,
        ObjectType.OBJECT_ROUTINE,
    }
)
# Supabase's `alter default privileges … in schema public grant all on functions to …`.
SUPABASE_SCHEMA_DEFAULTS = {"public": frozenset({"anon", "authenticated", "service_role"})}


class ExecutePrivileges:
    """The EXECUTE grantees of every function, updated statement by statement."""

    def __init__(self) -> None:
        self._global_defaults: set[str] = {PUBLIC}
        self._schema_defaults = {s: set(r) for s, r in SUPABASE_SCHEMA_DEFAULTS.items()}
        self.grantees: dict[FunctionKey, set[str]] = {}

    def created(self, key: FunctionKey) -> None:
        schema = schema_of(key[0])
        self.grantees[key] = self._global_defaults | self._schema_defaults.get(schema, set())

    def grant(self, node: ast.GrantStmt) -> None:
        if node.objtype not in FUNCTION_OBJECTS or not _covers_execute(node):
            return
        roles = role_names(node.grantees)
        if node.targtype == GrantTargetType.ACL_TARGET_ALL_IN_SCHEMA:
            schemas = set(strings(node.objects))
            keys = [key for key in self.grantees if schema_of(key[0]) in schemas]
        else:
            keys = [key for obj in node.objects or () for key in self._matching(obj)]
        for key in keys:
            if node.is_grant:
                self.grantees[key] |= roles
            else:
                self.grantees[key] -= roles

    def default_privileges(self, node: ast.AlterDefaultPrivilegesStmt) -> None:
        """ALTER DEFAULT PRIVILEGES: per-schema entries add to the global ones and cannot
        take away what the global ones grant (as in PostgreSQL)."""
        action = node.action
        if action is None or action.objtype not in FUNCTION_OBJECTS or not _covers_execute(action):
            return
        roles = role_names(action.grantees)
        schemas = strings(options(node.options).get("schemas"))
        targets = [self._schema_defaults.setdefault(s, set()) for s in schemas] or [
            self._global_defaults
        ]
        for target in targets:
            if action.is_grant:
                target.update(roles)
            else:
                target.difference_update(roles)

    def _matching(self, obj: ast.ObjectWithArgs) -> list[FunctionKey]:
        name = function_name(obj.objname)
        overloads = [key for key in self.grantees if key[0] == name]
        if obj.args_unspecified:
            return overloads
        args = tuple(type_key(t) for t in obj.objargs or ())
        exact = [key for key in overloads if key[1] == args]
        # A type spelled another way (a domain, a search_path-relative name): same arity.
        return exact or [key for key in overloads if len(key[1]) == len(args)]


def _covers_execute(node: ast.GrantStmt) -> bool:
    """`GRANT ALL` has no privilege list; otherwise EXECUTE must be named."""
    if not node.privileges:
        return True
    return any(p.priv_name in ("execute", "all") for p in node.privileges)
