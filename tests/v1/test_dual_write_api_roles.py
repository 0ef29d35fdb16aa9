"""With dual-write on, a write to a V1 table becomes a write to V2 as the schema owner
(the triggers are SECURITY DEFINER; row level security does not apply). So no API role
may write V1 then: `dual-write enable` refuses, naming the rights, and installs nothing."""

from __future__ import annotations

import pytest

from .databases import V1Database, run_cli


@pytest.mark.parametrize(
    ("grant", "named"),
    [
        ("grant insert on v1.clients to authenticated", "authenticated has INSERT on v1.clients"),
        (
            "grant update, delete on v1.opportunity_products to anon",
            "anon has DELETE on v1.opportunity_products, "
            "anon has UPDATE on v1.opportunity_products",
        ),
        ("grant all on v1.opportunities to public", "anon has DELETE on v1.opportunities"),
    ],
)
def test_enable_is_refused_while_an_api_role_can_write_v1(
    empty_v1: V1Database, grant: str, named: str
) -> None:
    empty_v1.conn.execute(grant)
    result = run_cli(["dual-write", "enable", "--db-url", empty_v1.url])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: dual-write would let API roles write V2 as the schema owner through V1: "
    )
    assert named in result.stderr
    assert result.stderr.rstrip().endswith(
        "(revoke them first (revoke all on all tables in schema v1 from anon, "
        "authenticated), then enable dual-write)"
    )
    assert len(result.stderr.splitlines()) == 1
    assert empty_v1.value("select count(*) from pg_trigger where tgname like 'schemactl%%'") == 0
    assert empty_v1.value("select to_regnamespace('migration') is null")

    empty_v1.conn.execute("revoke all on all tables in schema v1 from anon, authenticated, public")
    assert run_cli(["dual-write", "enable", "--db-url", empty_v1.url]).exit_code == 0


def test_the_old_apps_own_role_may_write_v1(empty_v1: V1Database) -> None:
    """The role the old app connects as (rights on v1 only) is not an API role."""
    result = run_cli(["dual-write", "enable", "--db-url", empty_v1.url])
    assert (result.exit_code, result.stderr) == (0, "")
