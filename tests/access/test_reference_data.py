"""teams, pipelines, stages, sources, loss_reasons, products (docs/design.md: Access control): every active user
reads them; only admins insert, update and delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

TABLES = ("teams", "pipelines", "stages", "sources", "loss_reasons", "products")


def new_row(sales_org: SalesOrg, table: str) -> dict[str, Any]:
    return {
        "teams": {"name": "Equipe Leste"},
        "pipelines": {"name": "Locação"},
        "stages": {"name": "Montagem", "pipeline_id": sales_org["pipeline:eventos"]},
        "sources": {"name": "Feira"},
        "loss_reasons": {"name": "Prazo curto"},
        "products": {"name": "Treliça Q30", "base_price": 120},
    }[table]


def insert_sql(row: dict[str, Any], table: str) -> str:
    return (
        f"insert into public.{table} ({', '.join(row)}) "
        f"values ({', '.join(f'%({c})s' for c in row)})"
    )


def test_every_active_user_reads_all_reference_data(access: Access) -> None:
    counts = {
        t: access.db.execute(f"select count(*) from public.{t}").fetchone()[0] for t in TABLES
    }
    assert all(counts.values())
    expected = {actor: counts for actor in AUTHENTICATED}
    for nobody in NOBODY:
        expected[nobody] = dict.fromkeys(TABLES, 0)
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: {t: len(access.rows(actor, f"select * from public.{t}")) for t in TABLES},
        )
        == expected
    )


def test_only_admins_insert_reference_data(access: Access, sales_org: SalesOrg) -> None:
    def outcomes(actor: str) -> dict[str, int | str]:
        return {
            t: access.attempt(actor, insert_sql(new_row(sales_org, t), t), new_row(sales_org, t))
            for t in TABLES
        }

    expected = {
        actor: dict.fromkeys(TABLES, 1 if actor == "admin" else DENIED) for actor in AUTHENTICATED
    }
    assert access.each(AUTHENTICATED, outcomes) == expected


def test_only_admins_update_and_delete_reference_data(access: Access, sales_org: SalesOrg) -> None:
    rows = {
        t: access.db.execute(
            insert_sql(new_row(sales_org, t), t) + " returning id", new_row(sales_org, t)
        ).fetchone()[0]
        for t in TABLES
    }

    def outcomes(actor: str) -> dict[str, tuple[int | str, int | str]]:
        return {
            t: (
                access.attempt(
                    actor, f"update public.{t} set name = name || '*' where id = %s", [row]
                ),
                access.attempt(actor, f"delete from public.{t} where id = %s", [row]),
            )
            for t, row in rows.items()
        }

    expected = {
        actor: dict.fromkeys(TABLES, (1, 1) if actor == "admin" else (0, 0))
        for actor in AUTHENTICATED
    }
    assert access.each(AUTHENTICATED, outcomes) == expected


def test_anon_is_refused_reference_data(access: Access) -> None:
    outcomes = {
        (t, command): access.attempt("anon", f"{command} from public.{t}")
        for t in TABLES
        for command in ("select *", "delete")
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)
