"""What Supabase Realtime (postgres_changes) sends each subscriber for one row change,
worked out from this database the way Realtime's `realtime.apply_rls` works it out.

There is no Realtime server here; these are its rules, per subscriber (role + claims):
- INSERT / UPDATE: sent only when, as the subscriber, `select exists (… where <primary
  key> = …)` finds the row; `record` holds the new row's columns the role may select
  (has_column_privilege); an UPDATE's `old_record` holds the old row's *replica
  identity* columns the role may select (FULL: every column; DEFAULT: the primary key).
- DELETE: sent to every subscriber of the table (RLS cannot be checked on a row that is
  gone); `old_record` holds the replica identity columns the role may select, only the
  primary key ones when the table has RLS.
- A role that may not select the primary key gets an error instead of a payload.

The database decides every input: policies, column privileges, replica identity and
RLS. This module reads them from the catalog and runs the visibility check as the
subscriber, so a schema change that widens a broadcast shows up here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from tests.access.sales_org import DENIED, Access

UNAUTHORIZED = "Error 401: Unauthorized"


@dataclass(frozen=True)
class Relation:
    table: str
    rls: bool
    primary_key: tuple[str, ...]
    identity: tuple[str, ...]

    @classmethod
    def read(cls, db: psycopg.Connection, table: str) -> Relation:
        found = db.execute(
            "select relrowsecurity, relreplident from pg_class where oid = %s::regclass",
            [table],
        ).fetchone()
        assert found is not None
        rls, identity_kind = found
        columns = [
            r[0]
            for r in db.execute(
                "select attname from pg_attribute where attrelid = %s::regclass "
                "and attnum > 0 and not attisdropped order by attnum",
                [table],
            )
        ]

        def index_columns(flag: str) -> tuple[str, ...]:
            return tuple(
                r[0]
                for r in db.execute(
                    "select a.attname from pg_index as x "
                    "join pg_attribute as a on a.attrelid = x.indrelid "
                    "and a.attnum = any(x.indkey) "
                    f"where x.indrelid = %s::regclass and x.{flag} order by a.attnum",
                    [table],
                )
            )

        primary_key = index_columns("indisprimary")
        identity = {
            "f": tuple(columns),
            "d": primary_key,
            "i": index_columns("indisreplident"),
            "n": (),
        }[identity_kind]
        return cls(table, rls, primary_key, identity)


def selectable(db: psycopg.Connection, role: str, table: str) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
            "and not attisdropped and has_column_privilege(%s, attrelid, attname, 'select')",
            [table, role],
        )
    }


def row(db: psycopg.Connection, table: str, row_id: uuid.UUID) -> dict[str, Any] | None:
    """The row as the WAL carries it (read as the test's superuser)."""
    found = db.execute(f"select to_jsonb(t) from {table} as t where id = %s", [row_id]).fetchone()
    return None if found is None else dict(found[0])


def broadcast(
    access: Access,
    subscriber: str,
    table: str,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> dict[str, Any] | str | None:
    """The payload `subscriber` receives for a change of one row of `table` (None:
    nothing is sent). Call it after the change, with the row before (`old`) and after
    (`new`) it, as the WAL carries them."""
    db = access.db
    relation = Relation.read(db, table)
    role = "anon" if subscriber == "anon" else "authenticated"
    columns = selectable(db, role, table)
    if action == "DELETE":
        assert old is not None
        kept = [c for c in relation.identity if c in columns]
        if relation.rls:
            kept = [c for c in kept if c in relation.primary_key]
        return {"old_record": {c: old[c] for c in kept}}
    assert new is not None
    if not set(relation.primary_key) <= columns:
        return UNAUTHORIZED
    where = " and ".join(f"{c} = %s" for c in relation.primary_key)
    visible = access.scalar(
        subscriber,
        f"select exists (select 1 from {table} where {where})",
        [new[c] for c in relation.primary_key],
    )
    if relation.rls and visible is not True:
        assert visible in (False, DENIED)
        return None
    payload: dict[str, Any] = {"record": {c: v for c, v in new.items() if c in columns}}
    if action == "UPDATE":
        assert old is not None
        payload["old_record"] = {c: old[c] for c in relation.identity if c in columns}
    return payload
