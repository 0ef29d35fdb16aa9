"""A SQL session of an API role cannot run its code as another role through `pg_temp`.

The attack: PostgreSQL searches the session's temporary schema for tables and types
before anything else unless the search_path names `pg_temp` explicitly — `set
search_path = ''` included. An attacker creates domains `pg_temp.uuid`, `pg_temp.text`,
… whose CHECK calls its own function; a SECURITY DEFINER function (or an invoker
function it reaches through a trigger, CHECK or policy) that declares or casts one of
those types then runs the attacker's function with the owner's rights.

The control case builds the attack against a definer function pinned to `''` and sees
it run as the owner, so the setup is proven to bite; then every function anon and
authenticated may EXECUTE is called, every table queried and written, as each attacker,
and the attacker's function must only ever run as the attacker's own role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemactl.testing import acting_as, anon_claims, user_claims
from schemactl.testing.session import CommittedDatabase
from tests.access.sales_org import Access, SalesOrg, build_sales_org
from tests.support.factories import Crm

pytestmark = pytest.mark.grant_modes

# What anon and authenticated may EXECUTE (read from the catalog, so the list below only
# makes a new callable function a reviewed change of this test).
EXPECTED_CALLABLE = [
    "auth.email()",
    "auth.jwt()",
    "auth.role()",
    "auth.uid()",
    "private.api_scope_allows(p_resource text, p_action text)",
    "private.bulk_import_active()",
    "private.caller_role()",
    "private.can_write_contact(p_contact uuid)",
    "private.can_write_deal(p_deal uuid)",
    "private.can_write_organization(p_organization uuid)",
    "private.current_user_id()",
    "private.current_user_role()",
    "private.current_user_team()",
    "private.deal_owner_ids()",
    "private.is_active_user()",
    "private.team_user_ids()",
    "public.create_api_key(p_name text, p_scopes text[], p_expires_at timestamp with time zone)",
    "public.is_valid_cnpj(p_cnpj text)",
    "public.is_valid_contact_list(p_list jsonb)",
    "public.normalize_cnpj(p_cnpj text)",
    "public.pipeline_metrics(p_pipeline uuid)",
    "public.reassign_owner(p_from uuid, p_to uuid)",
    "public.restore(p_table text, p_id uuid)",
    "public.soft_delete(p_table text, p_id uuid)",
]

SHADOWED_TYPES = (
    "uuid",
    "text",
    "integer",
    "bigint",
    "numeric",
    "boolean",
    "jsonb",
    "timestamptz",
    "interval",
)
# pg_temp names that shadow how the bodies spell the types (`int`, `timestamp with time
# zone` … are the same pg_catalog types, and a domain can have only one name).
SHADOW_NAMES = {
    "uuid": "uuid",
    "text": "text",
    "integer": "int4",
    "bigint": "int8",
    "numeric": "numeric",
    "boolean": "bool",
    "jsonb": "jsonb",
    "timestamptz": "timestamptz",
    "interval": "interval",
}

ATTACKERS = {
    "anon": {},
    "seller_a": {},
    "admin": {},
    "inactive_admin": {},
    "api_key_holder": {"api_scopes": ["delete:deals", "delete:contacts", "delete:organizations"]},
}

TRAP = """
create sequence pg_temp.hijacked;
grant usage on sequence pg_temp.hijacked to public;
create function pg_temp.trap(anyelement) returns pg_catalog.bool
language plpgsql set search_path = pg_catalog, pg_temp as $$
begin
    if current_user <> session_user and current_user <> {attacker}::pg_catalog.name then
        raise notice 'HIJACKED as %', current_user;
        perform pg_catalog.nextval('pg_temp.hijacked');
    end if;
    return true;
end
$$;
"""


def _plant_trap(conn: psycopg.Connection, attacker_role: str) -> None:
    """As the attacker: the counter, the trap and a domain per shadowed type."""
    conn.execute(sql.SQL(TRAP).format(attacker=sql.Literal(attacker_role)))
    for name in SHADOW_NAMES.values():
        conn.execute(
            sql.SQL(
                "create domain pg_temp.{name} as pg_catalog.{name} check (pg_temp.trap(value))"
            ).format(name=sql.Identifier(name))
        )


def _hijacks(conn: psycopg.Connection) -> int:
    value = conn.execute("select last_value, is_called from pg_temp.hijacked").fetchone()
    assert value is not None
    return int(value[0]) if value[1] else 0


@pytest.fixture
def notices(db: psycopg.Connection) -> Iterator[list[str]]:
    seen: list[str] = []
    db.add_notice_handler(lambda d: seen.append(d.message_primary or ""))
    yield seen


def _attacker_role(actor: str) -> str:
    return "anon" if actor == "anon" else "authenticated"


def _actor(actor: str) -> str:
    return "seller_a" if actor == "api_key_holder" else actor


def test_control_a_definer_pinned_to_empty_search_path_is_hijacked(
    db: psycopg.Connection, access: Access, notices: list[str]
) -> None:
    """Proves the trap bites: the same attack against the old pin runs as the owner."""
    for path in ("''", "pg_catalog, pg_temp"):
        db.execute(
            f"""
            create function public.hijack_probe() returns text
            language plpgsql security definer set search_path = {path} as $$
            declare v uuid := pg_catalog.gen_random_uuid();
            begin return v::text; end $$;
            alter function public.hijack_probe() owner to postgres;
            grant execute on function public.hijack_probe() to authenticated;
            """
        )
        with access.request("seller_a") as conn:
            _plant_trap(conn, "authenticated")
            conn.execute("select public.hijack_probe()")
            hijacks = _hijacks(conn)
            conn.execute("discard temp")
        db.execute("drop function public.hijack_probe()")
        if path == "''":
            # The uuid variable, then its cast to text: both shadowed, both run as owner.
            assert (hijacks, notices) == (2, ["HIJACKED as postgres"] * 2)
        else:
            assert hijacks == 0
        notices.clear()


def _callable_functions(db: psycopg.Connection) -> list[tuple[str, list[str], list[str]]]:
    """Every function in the project's schemas anon or authenticated may execute:
    (regprocedure, argument names, argument types)."""
    rows = db.execute(
        """
        select format('%I.%I(%s)', p.pronamespace::regnamespace, p.proname,
                pg_get_function_identity_arguments(p.oid)),
            coalesce(p.proargnames[1:p.pronargs], array_fill(''::text, array[p.pronargs])),
            array(select format_type(t, null) from unnest(p.proargtypes) as t)
        from pg_proc p
        where p.pronamespace::regnamespace::text in ('public', 'private', 'reporting', 'auth')
            and p.prokind = 'f'
            and p.prorettype <> 'trigger'::regtype
            and (has_function_privilege('anon', p.oid, 'execute')
                or has_function_privilege('authenticated', p.oid, 'execute'))
        order by 1
        """
    ).fetchall()
    return [(r[0], list(r[1]), list(r[2])) for r in rows]


def _argument(name: str, type_name: str, sales_org: SalesOrg) -> sql.Composable:
    ids = {"deal": "deal:a", "organization": "org:a", "org": "org:a", "contact": "contact:a"}
    values: dict[str, Any] = {
        "text": "deals",
        "integer": 1,
        "bigint": 1,
        "numeric": 1,
        "boolean": True,
        "jsonb": '[{"email": "a@example.com"}]',
        "interval": "1 minute",
        "timestamp with time zone": "2026-01-01",
        "text[]": ["read:deals"],
    }
    if type_name == "uuid":
        key = next((k for part, k in ids.items() if part in name), "seller_a")
        value: Any = str(sales_org.ids.get(key, sales_org["seller_a"]))
    else:
        value = values.get(type_name)
    return sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(type_name))


# Writes that fire every trigger of the CRM (audit, lifecycle, stage history, events,
# revenue rollup, product value, CNPJ normalisation, privilege guard).
WRITES = (
    "insert into public.organizations (name, owner_id) values ('Org X', {me}) returning id",
    "insert into public.contacts (name, owner_id) values ('Contato X', {me})",
    "update public.deals set title = title || '!' where true",
    "update public.deals set value = value + 1 where true",
    "update public.deals set status = 'won' where status = 'open'",
    "update public.contacts set name = name where true",
    "update public.organizations set name = name where true",
    "update public.users set full_name = full_name where true",
    "update public.tasks set subject = subject where true",
    "insert into public.deal_products (deal_id, product_id, quantity, unit_price)"
    " select d.id, p.id, 1, 1 from public.deals d, public.products p limit 1",
    "delete from public.deal_products where true",
    "delete from public.tasks where true",
    # An organization with a contact list, then a deal won on it: the revenue rollup (a
    # definer trigger) updates the organization, so its CHECK helper
    # is_valid_contact_list walks the list as the owner.
    "insert into public.organizations (name, owner_id, emails) values ('Org E', {me},"
    """ '[{{"type": "work", "value": "a@example.com", "primary": true}}]')""",
    "insert into public.deals (title, owner_id, pipeline_id, stage_id, organization_id,"
    " status, value) select 'Won X', {me}, s.pipeline_id, s.id, o.id, 'won', 10"
    " from public.stages s, public.organizations o where o.name = 'Org E' limit 1",
)


def _tables(db: psycopg.Connection) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            """
            select c.oid::regclass::text from pg_class c
            where c.relnamespace::regnamespace::text in ('public', 'private', 'reporting')
                and c.relkind in ('r', 'v', 'm', 'p')
            order by 1
            """
        ).fetchall()
    ]


def _each_ignoring_errors(conn: psycopg.Connection, statements: list[sql.Composable]) -> int:
    """Run each statement in its own savepoint; ordinary errors (denied, invalid
    arguments) are part of the attack surface, not failures. Returns how many ran."""
    ran = 0
    for statement in statements:
        try:
            with conn.transaction():
                conn.execute(statement)
            ran += 1
        except psycopg.errors.Error:
            pass
    return ran


def _attack(
    catalog: psycopg.Connection, sales_org: SalesOrg, attacker: str
) -> list[sql.Composable]:
    """Every callable function, every table read, the writes: the catalog is read on
    ``catalog`` (not the attacker's session, whose types are shadowed)."""
    calls = [
        sql.SQL("select {}({})").format(
            sql.SQL(signature.split("(")[0]),
            sql.SQL(", ").join(
                _argument(n, t, sales_org) for n, t in zip(names, types, strict=True)
            ),
        )
        for signature, names, types in _callable_functions(catalog)
    ]
    reads = [sql.SQL("select * from {}").format(sql.SQL(t)) for t in _tables(catalog)]
    me = sql.Literal(str(sales_org[_actor(attacker)])) if attacker != "anon" else sql.NULL
    writes = [sql.SQL(w).format(me=me) for w in WRITES]
    return [*calls, *reads, *writes]


def _assert_reached_real_code(ran: int, attacker: str) -> None:
    # A signed-in attacker runs nearly every function, read and write (44 to 47 of 56
    # today); anon reads the reference tables.
    assert ran >= (4 if attacker == "anon" else 40), ran


@pytest.mark.parametrize("attacker", list(ATTACKERS))
def test_no_attacker_code_runs_as_another_role(
    db: psycopg.Connection, access: Access, notices: list[str], attacker: str
) -> None:
    attack = _attack(db, access.sales_org, attacker)
    with access.request(_actor(attacker), **ATTACKERS[attacker]) as conn:
        _plant_trap(conn, _attacker_role(attacker))
        ran = _each_ignoring_errors(conn, attack)
        hijacks = _hijacks(conn)
    assert (hijacks, notices) == (0, [])
    _assert_reached_real_code(ran, attacker)


@pytest.mark.parametrize("attacker", list(ATTACKERS))
def test_no_attacker_code_runs_as_another_role_in_a_fresh_session(
    committed_db: CommittedDatabase, attacker: str
) -> None:
    """The same attack from a session that ran nothing before the trap. PL/pgSQL keeps a
    function's resolved types and plans for the session: in the `db` session, the
    trigger functions that building the sales organization ran are already compiled against the real
    types, so deals_revenue_rollup or deals_events pinned to `''` pass the test above
    and fail this one. An attacker's own session starts cold, like this."""
    sales_org = build_sales_org(Crm(committed_db.connection))
    attack = _attack(committed_db.connection, sales_org, attacker)
    role = _attacker_role(attacker)
    claims = (
        anon_claims()
        if attacker == "anon"
        else user_claims(sales_org[_actor(attacker)], **ATTACKERS[attacker])
    )
    seen: list[str] = []
    with committed_db.connect() as conn:
        conn.add_notice_handler(lambda d: seen.append(d.message_primary or ""))
        with acting_as(conn, role, claims):
            _plant_trap(conn, role)
            ran = _each_ignoring_errors(conn, attack)
            hijacks = _hijacks(conn)
    assert (hijacks, seen) == (0, [])
    _assert_reached_real_code(ran, attacker)


def test_every_callable_function_is_attacked(db: psycopg.Connection) -> None:
    """The list is read from the catalog, so a function added later is attacked too."""
    assert [f[0] for f in _callable_functions(db)] == EXPECTED_CALLABLE
