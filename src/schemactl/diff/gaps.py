"""What the `results` diff does not see, read from the catalog and compared ourselves:
privileges on every kind of object (tables, views, sequences, columns, functions,
schemas, types), default privileges, publications and their members, REPLICA IDENTITY,
relation options (storage parameters, `security_invoker` and other view options), row
level security flags, and comments on any object.

Queries live in `sql/gaps/*.sql` and run with an empty search_path, so every name comes
back schema-qualified and quoted where needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from schemactl.diff.privileges import (
    BUILTIN_DEFAULTS,
    DEFAULTED_KINDS,
    ObjectKey,
    acl_operations,
    render,
)
from schemactl.sqlfiles import load_sql

Acl = dict[str, dict[str, bool]]  # grantee -> privilege -> grantable
DEFAULT_ACL_KINDS = {
    "r": "tables",
    "S": "sequences",
    "f": "functions",
    "T": "types",
    "n": "schemas",
}
COMMENT_KEYWORDS = {
    "table": "table",
    "view": "view",
    "materialized view": "materialized view",
    "sequence": "sequence",
    "foreign table": "foreign table",
    "index": "index",
    "table column": "column",
    "view column": "column",
    "materialized view column": "column",
    "foreign table column": "column",
    "composite type column": "column",
    "function": "function",
    "procedure": "procedure",
    "aggregate": "aggregate",
    "type": "type",
    "composite type": "type",
    "domain": "domain",
    "schema": "schema",
    "trigger": "trigger",
    "policy": "policy",
    "table constraint": "constraint",
    "domain constraint": "constraint",
    "rule": "rule",
    "collation": "collation",
}
RELATION_KEYWORDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
REPLICA_IDENTITY = {"d": "default", "f": "full", "n": "nothing"}


@dataclass(frozen=True)
class Publication:
    name: str
    all_tables: bool
    publish: tuple[str, ...]
    via_root: bool


@dataclass(frozen=True)
class RelationSettings:
    kind: str
    oid: int
    replica_identity: str
    replica_index: str | None
    options: tuple[str, ...]
    rls: bool
    force_rls: bool


@dataclass
class Snapshot:
    """The part of one database's catalog that the `results` diff does not cover."""

    objects: dict[ObjectKey, int] = field(default_factory=dict)  # -> oid
    schemas: dict[ObjectKey, str] = field(default_factory=dict)  # -> schema name
    acls: dict[ObjectKey, Acl] = field(default_factory=dict)
    all_privileges: dict[str, frozenset[str]] = field(default_factory=dict)
    default_acls: dict[tuple[str, str], Acl] = field(default_factory=dict)  # (schema, kind)
    publications: dict[str, Publication] = field(default_factory=dict)
    members: dict[tuple[str, str, str], tuple[str | None, str | None]] = field(
        default_factory=dict
    )  # (publication, kind, member) -> (columns, row filter)
    relations: dict[str, RelationSettings] = field(default_factory=dict)
    comments: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, identity)
    # (child table, column) -> whether the child defines it too (attislocal), for the
    # columns inheritance children have from their parents.
    inherited: dict[tuple[str, str], bool] = field(default_factory=dict)


@contextmanager
def empty_search_path(conn: psycopg.Connection) -> Iterator[None]:
    """Run catalog reads with only pg_catalog visible, restoring the setting after."""
    row = conn.execute("select current_setting('search_path')").fetchone()
    previous = row[0] if row else ""
    conn.execute("select set_config('search_path', '', false)")
    try:
        yield
    finally:
        if not conn.broken and conn.info.transaction_status != TransactionStatus.INERROR:
            conn.execute("select set_config('search_path', %s, false)", [previous])


def snapshot(conn: psycopg.Connection, schemas: Sequence[str], owner: str) -> Snapshot:
    """Read the snapshot of ``schemas`` (default privileges of role ``owner``)."""
    params = {"schemas": sorted(set(schemas)), "owner": owner}
    result = Snapshot()
    with empty_search_path(conn), conn.cursor(row_factory=dict_row) as cur:

        def rows(name: str) -> list[dict[str, Any]]:
            return cur.execute(load_sql(f"gaps/{name}"), params).fetchall()

        for row in rows("acl"):
            key: ObjectKey = (row["kind"], row["identity"], row["column_name"])
            result.objects[key] = row["oid"]
            result.schemas[key] = row["schema"]
            acl = result.acls.setdefault(key, {})
            if row["grantee"] is not None:
                acl.setdefault(row["grantee"], {})[row["privilege"]] = row["grantable"]
        for row in rows("all_privileges"):
            result.all_privileges[row["kind"]] = frozenset(row["privileges"])
        for row in rows("default_acl"):
            acl = result.default_acls.setdefault((row["schema"], row["objtype"]), {})
            acl.setdefault(row["grantee"], {})[row["privilege"]] = row["grantable"]
        for row in rows("publications"):
            publish = tuple(
                op for op in ("insert", "update", "delete", "truncate") if row[f"publish_{op}"]
            )
            result.publications[row["name"]] = Publication(
                row["name"], row["all_tables"], publish, row["via_root"]
            )
        for row in rows("publication_members"):
            result.members[(row["publication"], row["kind"], row["member"])] = (
                row["columns"],
                row["row_filter"],
            )
        for row in rows("relations"):
            result.relations[row["identity"]] = RelationSettings(
                row["kind"],
                row["oid"],
                row["replica_identity"],
                row["replica_index"],
                tuple(sorted(row["options"])),
                row["rls"],
                row["force_rls"],
            )
        for row in rows("comments"):
            result.comments[(row["type"], row["identity"])] = row["description"]
        for row in rows("inherited_columns"):
            result.inherited[(row["identity"], row["column_name"])] = row["local"]
    return result


@dataclass(frozen=True)
class GapStatements:
    """Statements by what they are about (the order to run them in)."""

    default_privileges: tuple[str, ...] = ()
    privileges: tuple[str, ...] = ()
    publications: tuple[str, ...] = ()
    relation_settings: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()

    @property
    def all(self) -> list[str]:
        return [
            *self.default_privileges,
            *self.relation_settings,
            *self.privileges,
            *self.publications,
            *self.comments,
        ]


@dataclass(frozen=True)
class Environment:
    """What decides which grantees need their privileges stated in full on new objects:
    the roles default privileges may grant to (Supabase's API roles in the exposed
    schemas and wherever default privileges exist, plus their grantees)."""

    api_roles: tuple[str, ...]
    exposed_schemas: tuple[str, ...]

    def explicit_grantees(self, kind: str, schema: str, original: Snapshot) -> set[str]:
        if kind not in DEFAULTED_KINDS:
            return set()
        roles: set[str] = set()
        for (where, _), acl in original.default_acls.items():
            if where in ("", _quote(schema)):
                roles.update(g for g in acl if g != "public")
        if roles or schema in self.exposed_schemas:
            roles.update(self.api_roles)
        return roles


def gap_statements(
    before: Snapshot,
    after: Snapshot,
    *,
    original: Snapshot,
    environment: Environment,
    live: bool = False,
    baseline: Snapshot | None = None,
) -> GapStatements:
    """Statements that take ``before`` to ``after``.

    ``original`` is the database before the migration's other statements ran: objects
    that are not in it, or whose OID changed (re-created), are new. ``live`` (drift on a
    real project) never drops what the project does not manage (publications, default
    privileges and settings of Supabase's own objects); ``baseline``, the stand-in alone,
    tells those apart: only what schema/ changed from it is compared.
    """
    return GapStatements(
        default_privileges=tuple(_default_privileges(before, after, live, baseline)),
        privileges=tuple(_privileges(before, after, original, environment, live, baseline)),
        publications=tuple(_publications(before, after, live, baseline)),
        relation_settings=tuple(_relation_settings(before, after)),
        comments=tuple(_comments(before, after, live, baseline)),
    )


def _unchanged_from_baseline(
    baseline: Snapshot | None, mapping: str, key: object, value: object
) -> bool:
    if baseline is None:
        return False
    base = getattr(baseline, mapping)
    return key in base and base[key] == value


def _privileges(
    before: Snapshot,
    after: Snapshot,
    original: Snapshot,
    environment: Environment,
    live: bool,
    baseline: Snapshot | None,
) -> list[str]:
    operations = []
    # REVOKE on a table also revokes the same privileges on each of its columns.
    cascaded: dict[tuple[str, str], set[str]] = {}
    for key, want in after.acls.items():
        kind, identity, _ = key
        if kind == "column" or (live and _unchanged_from_baseline(baseline, "acls", key, want)):
            continue
        have: Acl = before.acls[key] if key in before.objects else _builtin(kind)
        fresh = key not in original.objects or original.objects[key] != before.objects.get(key)
        explicit = (
            environment.explicit_grantees(kind, after.schemas[key], original) if fresh else set()
        )
        all_privileges = after.all_privileges.get(kind, frozenset())
        for op in acl_operations(
            key, have, want, explicit_for=explicit, all_privileges=all_privileges
        ):
            operations.append(op)
            if op.action == "revoke" and kind == "table":
                revoked = all_privileges if op.privileges == ("ALL",) else set(op.privileges)
                cascaded.setdefault((identity, op.grantee), set()).update(revoked)
    column_privileges = after.all_privileges.get("column", frozenset())
    for key in sorted(set(before.acls) | set(after.acls), key=_sort_key):
        kind, identity, _ = key
        if kind != "column" or ("table", identity, None) not in after.objects:
            continue
        want = after.acls.get(key, {})
        if live and _unchanged_from_baseline(baseline, "acls", key, want):
            continue
        have = {
            grantee: {
                p: o for p, o in grants.items() if p not in cascaded.get((identity, grantee), set())
            }
            for grantee, grants in before.acls.get(key, {}).items()
        }
        operations += acl_operations(
            key, have, want, explicit_for=(), all_privileges=column_privileges
        )
    return render(operations)


def _sort_key(key: ObjectKey) -> tuple[str, str, str]:
    return (key[0], key[1], key[2] or "")


def _builtin(kind: str) -> Acl:
    return {grantee: dict(grants) for grantee, grants in BUILTIN_DEFAULTS.get(kind, {}).items()}


def _default_privileges(
    before: Snapshot, after: Snapshot, live: bool, baseline: Snapshot | None
) -> list[str]:
    statements = []
    for key in sorted(set(before.default_acls) | set(after.default_acls)):
        schema, objtype = key
        have, want = before.default_acls.get(key, {}), after.default_acls.get(key, {})
        if have == want or (live and _unchanged_from_baseline(baseline, "default_acls", key, want)):
            continue
        where = f" in schema {schema}" if schema else ""
        on = DEFAULT_ACL_KINDS[objtype]
        for grantee in sorted(set(have) | set(want)):
            old, new = have.get(grantee, {}), want.get(grantee, {})
            revoked = sorted(set(old) - set(new))
            granted = sorted(p for p in new if p not in old or (new[p] and not old[p]))
            if revoked:
                statements.append(
                    f"alter default privileges{where} revoke "
                    f"{_privilege_list(revoked)} on {on} from {grantee};"
                )
            for privileges, option in (
                (sorted(p for p in granted if not new[p]), ""),
                (sorted(p for p in granted if new[p]), " with grant option"),
            ):
                if privileges:
                    statements.append(
                        f"alter default privileges{where} grant "
                        f"{_privilege_list(privileges)} on {on} to {grantee}"
                        f"{option};"
                    )
    return statements


def _privilege_list(privileges: Sequence[str]) -> str:
    return ", ".join(p.lower() for p in privileges)


def _publications(
    before: Snapshot, after: Snapshot, live: bool, baseline: Snapshot | None
) -> list[str]:
    statements = []
    for name, wanted in sorted(after.publications.items()):
        existing = before.publications.get(name)
        if existing is None:
            scope = " for all tables" if wanted.all_tables else ""
            statements.append(
                f"create publication {_quote(name)}{scope}{_publication_options(wanted)};"
            )
        elif (existing.publish, existing.via_root) != (wanted.publish, wanted.via_root) and not (
            live and _unchanged_from_baseline(baseline, "publications", name, wanted)
        ):
            statements.append(
                f"alter publication {_quote(name)} set ("
                f"publish = '{', '.join(wanted.publish)}', "
                f"publish_via_partition_root = {str(wanted.via_root).lower()});"
            )
    if not live:
        for name in sorted(set(before.publications) - set(after.publications)):
            statements.append(f"drop publication {_quote(name)};")
    for key in sorted(set(before.members) | set(after.members)):
        publication, kind, member = key
        if publication not in after.publications:
            continue
        have, want = before.members.get(key), after.members.get(key)
        if have == want:
            continue
        target = "table" if kind == "table" else "tables in schema"
        if have is not None:
            statements.append(f"alter publication {_quote(publication)} drop {target} {member};")
        if want is not None:
            columns, row_filter = want
            column_list = f" ({columns})" if columns else ""
            where = f" where ({row_filter})" if row_filter else ""
            statements.append(
                f"alter publication {_quote(publication)} add {target} "
                f"{member}{column_list}{where};"
            )
    return statements


def _publication_options(publication: Publication) -> str:
    options = []
    if publication.publish != ("insert", "update", "delete", "truncate"):
        options.append(f"publish = '{', '.join(publication.publish)}'")
    if publication.via_root:
        options.append("publish_via_partition_root = true")
    return f" with ({', '.join(options)})" if options else ""


def _relation_settings(before: Snapshot, after: Snapshot) -> list[str]:
    statements = []
    for identity, want in sorted(after.relations.items()):
        have = before.relations.get(identity) or _created_by_results(want)
        keyword = RELATION_KEYWORDS[want.kind]
        if (have.replica_identity, have.replica_index) != (
            want.replica_identity,
            want.replica_index,
        ) and want.kind in ("r", "p", "m"):
            setting = (
                f"using index {want.replica_index}"
                if want.replica_identity == "i"
                else REPLICA_IDENTITY[want.replica_identity]
            )
            statements.append(f"alter {keyword} {identity} replica identity {setting};")
        old = dict(_option(o) for o in have.options)
        new = dict(_option(o) for o in want.options)
        reset = sorted(k for k in old if k not in new)
        changed = sorted(f"{k} = {v}" for k, v in new.items() if old.get(k) != v)
        if reset:
            statements.append(f"alter {keyword} {identity} reset ({', '.join(reset)});")
        if changed:
            statements.append(f"alter {keyword} {identity} set ({', '.join(changed)});")
        if want.kind in ("r", "p"):
            if have.rls != want.rls:
                action = "enable" if want.rls else "disable"
                statements.append(f"alter table {identity} {action} row level security;")
            if have.force_rls != want.force_rls:
                action = "force" if want.force_rls else "no force"
                statements.append(f"alter table {identity} {action} row level security;")
    return statements


def _created_by_results(want: RelationSettings) -> RelationSettings:
    """A relation the `results` statements will create: with its row level security and
    view options (they write those), the default replica identity, no storage options."""
    replica = "d" if want.kind in ("r", "p", "m") else want.replica_identity
    options = want.options if want.kind == "v" else ()
    return RelationSettings(want.kind, 0, replica, None, options, want.rls, want.force_rls)


def _option(item: str) -> tuple[str, str]:
    key, _, value = item.partition("=")
    return key, value


def _comments(
    before: Snapshot, after: Snapshot, live: bool, baseline: Snapshot | None
) -> list[str]:
    statements = []
    for key in sorted(set(before.comments) | set(after.comments)):
        have, want = before.comments.get(key), after.comments.get(key)
        if have == want:
            continue
        if live and _unchanged_from_baseline(baseline, "comments", key, want):
            continue
        kind, identity = key
        statements.append(
            f"comment on {_comment_target(kind, identity)} is "
            f"{_literal(want) if want is not None else 'null'};"
        )
    return statements


def _comment_target(kind: str, identity: str) -> str:
    keyword = COMMENT_KEYWORDS.get(kind)
    if keyword is None:
        return f"{kind} {identity}"
    if kind == "domain constraint":
        name, _, domain = identity.partition(" on ")
        return f"constraint {name} on domain {domain}"
    return f"{keyword} {identity}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(name: str) -> str:
    plain = name.isidentifier() and name == name.lower() and name.isascii()
    return name if plain else '"' + name.replace('"', '""') + '"'
