"""Trigger functions (docs/design.md: Triggers and functions): nobody is granted EXECUTE on them, the ones that write
tables their callers cannot are SECURITY DEFINER owned by the schema owner, and the ones
that must see the caller's role are not."""

from __future__ import annotations

import pytest

from .helpers import rows

DEFINER = {
    "audit_changes",
    "check_live_links",
    "deals_check_links",
    "deal_products_sync_deal_value",
    "deals_events",
    "deals_revenue_rollup",
    "deals_stage_history",
    "deals_value_guard",
    "fan_out_webhook_event",
    "tasks_assigned_event",
    "users_privilege_guard",
}
# They read current_user (bulk-import mode) or only change NEW.
INVOKER = {"audit_log_append_only", "deals_lifecycle", "set_created_at", "set_updated_at"}


def trigger_functions(db) -> list[dict]:
    return rows(
        db,
        """
        select p.proname, p.prosecdef, pg_get_userbyid(p.proowner) as owner,
            array(
                select coalesce(r.rolname, 'PUBLIC')
                from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
                left join pg_roles as r on r.oid = a.grantee
                where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner
                order by 1
            ) as executors
        from pg_proc as p
        where p.pronamespace = 'private'::regnamespace
            and p.prorettype = 'trigger'::regtype
        order by p.proname
    """,
    )


@pytest.mark.grant_modes
def test_no_role_may_call_a_trigger_function(db):
    functions = trigger_functions(db)
    assert {f["proname"] for f in functions} == DEFINER | INVOKER
    assert [(f["proname"], f["executors"]) for f in functions if f["executors"]] == []


def test_definer_trigger_functions_belong_to_the_schema_owner(db):
    functions = {f["proname"]: f for f in trigger_functions(db)}
    assert {name for name, f in functions.items() if f["prosecdef"]} == DEFINER
    assert {functions[name]["owner"] for name in DEFINER} == {"postgres"}


@pytest.mark.grant_modes
def test_bulk_import_check_is_callable_by_the_roles_that_write(db):
    executors = rows(
        db,
        """
        select coalesce(r.rolname, 'PUBLIC') as grantee
        from pg_proc as p
        cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
        left join pg_roles as r on r.oid = a.grantee
        where p.oid = 'private.bulk_import_active()'::regprocedure
            and a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner
        order by 1
    """,
    )
    assert [e["grantee"] for e in executors] == ["authenticated", "service_role"]
