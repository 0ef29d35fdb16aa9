"""API keys (docs/design.md: Access control): created through public.create_api_key (plaintext returned once,
only its SHA-256 stored, out of the API's reach), read and revoked by their owner (every
key by admins), verified by the service role for the key exchange."""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

ALL_KEYS = {"key:a", "key:a_revoked", "key:b"}
NOTHING: set[str] = set()
READABLE = {actor: NOTHING for actor in AUTHENTICATED}
READABLE.update({"admin": ALL_KEYS, "seller_a": {"key:a", "key:a_revoked"}, "seller_b": {"key:b"}})
UPDATABLE = {**READABLE, "admin": {"key:a", "key:b"}, "seller_a": {"key:a"}}


def create_key(access: Access, actor: str, scopes: list[str], **claims: object) -> str:
    return access.scalar(actor, "select public.create_api_key('n8n', %s)", [scopes], **claims)


def test_each_role_reads_exactly_its_keys(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED, lambda actor: access.names(actor, "select id from public.api_keys")
        )
        == READABLE
    )


def test_select_star_on_api_keys_never_returns_the_hash(access: Access) -> None:
    with access.request("seller_a"):
        cursor = access.db.execute("select * from public.api_keys")
        columns = [column.name for column in cursor.description]
    assert "key_hash" not in columns and "id" in columns and "scopes" in columns


def test_no_api_role_reads_key_hashes(access: Access) -> None:
    actors = ("seller_a", "admin", "service_role", "anon")
    assert {
        actor: access.attempt(actor, "select key_hash from private.api_key_secrets")
        for actor in actors
    } == dict.fromkeys(actors, DENIED)


def test_each_role_renames_exactly_the_keys_it_may_update(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.changed(
                actor,
                "update public.api_keys set name = name || ' (renomeada)'",
                "select id from public.api_keys where name like '%(renomeada)'",
            ),
        )
        == UPDATABLE
    )


def test_owner_revokes_own_key_and_admin_any_key(access: Access, sales_org: SalesOrg) -> None:
    revoke = "update public.api_keys set revoked_at = now() where id = %s"
    assert access.attempt("seller_a", revoke, [sales_org["key:b"]]) == 0
    assert access.attempt("seller_a", revoke, [sales_org["key:a"]]) == 1
    assert access.attempt("admin", revoke, [sales_org["key:b"]]) == 1


def test_a_revocation_cannot_be_undone(access: Access, sales_org: SalesOrg) -> None:
    assert {
        actor: access.attempt(
            actor,
            "update public.api_keys set revoked_at = null where id = %s",
            [sales_org["key:a_revoked"]],
        )
        for actor in ("seller_a", "admin")
    } == {"seller_a": 0, "admin": 0}


def test_no_user_widens_a_key_through_the_api(access: Access, sales_org: SalesOrg) -> None:
    outcomes = {
        (actor, assignment): access.attempt(
            actor,
            f"update public.api_keys set {assignment} where id = %(key)s",
            {"me": sales_org[actor], "key": sales_org["key:a"]},
        )
        for actor in ("seller_a", "admin")
        for assignment in (
            "scopes = '{delete:deals}'",
            "owner_id = %(me)s",
            "expires_at = null",
            "key_prefix = 'stk_x'",
        )
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)


def test_keys_are_not_inserted_or_deleted_through_the_api(
    access: Access, sales_org: SalesOrg
) -> None:
    insert = (
        "insert into public.api_keys (name, key_prefix, scopes, owner_id) "
        "values ('x', 'stk_x', '{read:deals}', %s)"
    )
    outcomes = {}
    for actor in ("seller_a", "admin", "anon"):
        outcomes[actor, "insert"] = access.attempt(actor, insert, [sales_org["seller_a"]])
        outcomes[actor, "delete"] = access.attempt(actor, "delete from public.api_keys")
    assert outcomes == dict.fromkeys(outcomes, DENIED)


def test_create_api_key_returns_the_key_once_and_stores_only_its_hash(
    access: Access, sales_org: SalesOrg
) -> None:
    key = create_key(access, "seller_a", ["read:deals", "write:deals"])
    assert re.fullmatch(r"stk_[0-9a-f]{64}", key)
    row = access.db.execute(
        "select k.owner_id, k.scopes, k.key_prefix, s.key_hash from public.api_keys as k "
        "join private.api_key_secrets as s on s.api_key_id = k.id where k.key_prefix = %s",
        [key[:12]],
    ).fetchone()
    assert row == (
        sales_org["seller_a"],
        ["read:deals", "write:deals"],
        key[:12],
        hashlib.sha256(key.encode()).hexdigest(),
    )
    # The plaintext is nowhere in the database's tables the schema writes.
    for table in ("public.api_keys", "private.api_key_secrets", "public.audit_log"):
        found = access.db.execute(
            f"select count(*) from {table} as t where t::text like %s", [f"%{key}%"]
        ).fetchone()[0]
        assert (table, found) == (table, 0)


def test_the_key_hash_never_reaches_the_audit_log(access: Access) -> None:
    key = create_key(access, "seller_a", ["read:deals"])
    digest = hashlib.sha256(key.encode()).hexdigest()
    assert (
        access.db.execute(
            "select count(*) from public.audit_log as a where a::text like %s", [f"%{digest}%"]
        ).fetchone()[0]
        == 0
    )


def test_every_key_is_different(access: Access) -> None:
    # Up to each user's limit of 10 active keys (seller_a and seller_b have one each).
    counts = {"seller_a": 9, "seller_b": 9, "admin": 10}
    keys = {
        create_key(access, actor, ["read:deals"])
        for actor, count in counts.items()
        for _ in range(count)
    }
    assert len(keys) == 28


def test_a_user_has_at_most_ten_active_keys(access: Access, sales_org: SalesOrg) -> None:
    """seller_a has key:a (active) and key:a_revoked: nine more, then refused until one
    is revoked or expires."""
    for _ in range(9):
        create_key(access, "seller_a", ["read:deals"])
    with pytest.raises(psycopg.errors.ProgramLimitExceeded) as refused, access.request("seller_a"):
        access.db.execute("select public.create_api_key('n8n', '{read:deals}')")
    assert refused.value.diag.message_primary == (
        "create_api_key: you already have 10 active API keys; revoke one first"
    )
    assert create_key(access, "seller_b", ["read:deals"]).startswith("stk_")
    assert (
        access.attempt(
            "seller_a",
            "update public.api_keys set revoked_at = now() where id = %s",
            [sales_org["key:a"]],
        )
        == 1
    )
    assert create_key(access, "seller_a", ["read:deals"]).startswith("stk_")


def test_failed_verifications_throttle_the_key_prefix(access: Access) -> None:
    """Ten wrong keys with a real key's prefix in a minute: then even the right key is
    refused for that minute; other prefixes are not affected."""
    key = create_key(access, "seller_a", ["read:deals"])
    other = create_key(access, "seller_b", ["read:deals"])
    wrong = key[:12] + "0" * 56
    assert [verify(access, wrong) for _ in range(10)] == [[]] * 10
    with pytest.raises(psycopg.errors.ProgramLimitExceeded) as refused:
        verify(access, key)
    assert refused.value.diag.message_primary == (
        f"verify_api_key: too many failed attempts for key prefix {key[:12]}; retry in a minute"
    )
    assert len(verify(access, other)) == 1
    # The next minute starts from zero (the stored window made an old one).
    access.db.execute(
        "update private.rate_limits set window_start = window_start - interval '1 minute',"
        " expires_at = expires_at - interval '1 minute' where key like 'api_key_failures:%'"
    )
    assert len(verify(access, key)) == 1


def test_nine_failures_do_not_throttle(access: Access) -> None:
    key = create_key(access, "seller_a", ["read:deals"])
    assert [verify(access, key[:12] + "f" * 56) for _ in range(9)] == [[]] * 9
    assert len(verify(access, key)) == 1


def test_only_active_users_create_keys(access: Access) -> None:
    actors = (*NOBODY, "anon", "service_role")
    assert {actor: create_key(access, actor, ["read:deals"]) for actor in actors} == dict.fromkeys(
        actors, DENIED
    )


def test_an_api_key_cannot_create_api_keys(access: Access) -> None:
    assert create_key(access, "admin", ["read:deals"], api_scopes=["delete:deals"]) == DENIED


def test_create_api_key_refuses_unknown_scopes_and_past_expiry(access: Access) -> None:
    for scopes in (["admin:deals"], ["read:users"], []):
        with pytest.raises(psycopg.errors.CheckViolation), access.request("seller_a"):
            access.db.execute("select public.create_api_key('x', %s)", [scopes])
    with pytest.raises(psycopg.errors.InvalidParameterValue), access.request("seller_a"):
        access.db.execute(
            "select public.create_api_key('x', '{read:deals}', now() - interval '1 day')"
        )


def verify(access: Access, key: str) -> list[tuple]:
    return access.rows("service_role", "select * from public.verify_api_key(%s)", [key])


def test_verify_api_key_returns_the_owner_and_scopes_and_marks_use(
    access: Access, sales_org: SalesOrg
) -> None:
    key = create_key(access, "seller_a", ["read:deals", "write:tasks"])
    key_id = access.db.execute(
        "select id from public.api_keys where key_prefix = %s", [key[:12]]
    ).fetchone()[0]
    assert verify(access, key) == [(key_id, sales_org["seller_a"], ["read:deals", "write:tasks"])]
    last_used = access.db.execute(
        "select last_used_at from public.api_keys where id = %s", [key_id]
    ).fetchone()[0]
    assert last_used is not None


def test_verify_api_key_rejects_unknown_revoked_expired_and_deactivated_keys(
    access: Access, sales_org: SalesOrg
) -> None:
    assert verify(access, "stk_" + "0" * 64) == []
    assert verify(access, "") == []
    revoked, expired, deactivated = (
        create_key(access, "seller_a", ["read:deals"]),
        create_key(access, "seller_a", ["read:deals"]),
        create_key(access, "seller_b", ["read:deals"]),
    )
    access.db.execute(
        "update public.api_keys set revoked_at = now() where key_prefix = %s", [revoked[:12]]
    )
    access.db.execute(
        "update public.api_keys set expires_at = now() - interval '1 second' where key_prefix = %s",
        [expired[:12]],
    )
    access.db.execute(
        "update public.users set is_active = false where id = %s", [sales_org["seller_b"]]
    )
    assert (verify(access, revoked), verify(access, expired), verify(access, deactivated)) == (
        [],
        [],
        [],
    )


def test_verify_api_key_accepts_a_key_until_it_expires(access: Access) -> None:
    key = access.scalar(
        "seller_a", "select public.create_api_key('x', '{read:deals}', now() + interval '1 hour')"
    )
    assert len(verify(access, key)) == 1


def test_only_the_service_role_verifies_keys(access: Access) -> None:
    actors = ("seller_a", "admin", "anon")
    assert {
        actor: access.attempt(actor, "select * from public.verify_api_key('stk_x')")
        for actor in actors
    } == dict.fromkeys(actors, DENIED)


def test_key_exchange_gives_the_owners_rows_limited_to_the_scopes(
    access: Access, sales_org: SalesOrg
) -> None:
    key = create_key(access, "seller_a", ["read:deals"])
    [(key_id, owner, scopes)] = verify(access, key)
    claims = {"api_key_id": str(key_id), "api_scopes": scopes}
    owner_key = access.sales_org.names([owner]).pop()
    assert access.names(owner_key, "select id from public.deals", **claims) == {
        "deal:a",
        "deal:a2",
        "deal:m_a",
        "deal:inactive",
    }
    assert (
        access.attempt(
            owner_key,
            "update public.deals set title = 'Novo título' where id = %s",
            [sales_org["deal:a"]],
            **claims,
        )
        == 0
    )
