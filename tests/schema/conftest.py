"""Fixtures for the CRM schema tests: a small set of related rows built inside the
rolled-back `db` transaction."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import psycopg
import pytest
from psycopg import sql

from .helpers import fetch_one, insert, sign_up


@pytest.fixture
def linked_rows(db: psycopg.Connection) -> SimpleNamespace:
    """Related rows every table can point at: a team, an owner, two pipelines with
    stages, an organization, a contact, a product, a deal, the seeded reference data."""
    w = SimpleNamespace()
    w.team = insert(db, "teams", name="Equipe Sul")["id"]
    w.owner = sign_up(db, "owner@stagetek.test", meta={"name": "Olga Owner"})
    db.execute(
        "update public.users set is_active = true, team_id = %s where id = %s", [w.team, w.owner]
    )
    w.pipeline = insert(db, "pipelines", name="Eventos")["id"]
    w.stage = insert(db, "stages", pipeline_id=w.pipeline, name="Novo", probability=10)["id"]
    w.stage2 = insert(
        db, "stages", pipeline_id=w.pipeline, name="Proposta", probability=50, display_order=2
    )["id"]
    w.other_pipeline = insert(db, "pipelines", name="Locação")["id"]
    w.other_stage = insert(db, "stages", pipeline_id=w.other_pipeline, name="Novo")["id"]
    w.source = fetch_one(db, "select id from public.sources where name = 'Site'")["id"]
    w.loss_reason = fetch_one(db, "select id from public.loss_reasons where name = 'Preço alto'")[
        "id"
    ]
    w.organization = insert(db, "organizations", name="Acme Eventos", owner_id=w.owner)["id"]
    w.contact = insert(db, "contacts", name="João Silva", owner_id=w.owner)["id"]
    w.product = insert(db, "products", name="Palco 10x8", base_price=15000)["id"]
    w.deal = insert(
        db,
        "deals",
        title="Casamento Ana",
        pipeline_id=w.pipeline,
        stage_id=w.stage,
        owner_id=w.owner,
        organization_id=w.organization,
    )["id"]
    w.api_key = insert(
        db, "api_keys", name="n8n", key_prefix="stk_ab12", scopes=["read:deals"], owner_id=w.owner
    )["id"]
    return w


@pytest.fixture
def without_user_triggers(db: psycopg.Connection) -> Callable[..., None]:
    """Disable user triggers (not foreign-key ones) on tables for this test only, so a
    constraint is seen on its own, whatever triggers would have changed."""

    def disable(*tables: str) -> None:
        for table in tables:
            schema, _, name = table.rpartition(".")
            db.execute(
                sql.SQL("alter table {} disable trigger user").format(
                    sql.Identifier(schema or "public", name)
                )
            )

    return disable
