"""Outbox events written by triggers (docs/design.md: Triggers and functions, The webhook outbox)."""

from __future__ import annotations

import re
from decimal import Decimal

import psycopg
import pytest

from .helpers import event_types, events, history, one

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def occurred_at_text(db: psycopg.Connection) -> str:
    """The transaction's time as the outbox writes it (docs/design.md: The webhook outbox): ISO-8601, UTC, seconds."""
    return db.execute(
        "select to_char(now() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    ).fetchone()[0]


def test_stage_changed_payload_field_by_field(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    db.execute(
        "update public.deals set stage_id = %s where id = %s", [sales.pipeline.stages[1], deal]
    )
    event = events(db, deal)[-1]
    payload = event["payload"]
    assert set(payload) == {"event_id", "event_type", "occurred_at", "data"}
    assert payload["event_id"] == str(event["id"])
    assert payload["event_type"] == "deal.stage_changed" == event["event_type"]
    assert ISO_UTC.match(payload["occurred_at"])
    assert payload["occurred_at"] == occurred_at_text(db)
    assert payload["data"] == {
        "deal_id": str(deal),
        "old_stage_id": str(sales.pipeline.stages[0]),
        "new_stage_id": str(sales.pipeline.stages[1]),
        "owner_id": str(sales.seller),
        "pipeline_id": str(sales.pipeline.id),
    }
    assert (
        event["aggregate_type"],
        event["aggregate_id"],
        event["status"],
        event["attempts"],
        event["lease_token"],
    ) == ("deal", deal, "pending", 0, None)
    assert event["occurred_at"] == db.execute("select now()").fetchone()[0]


def test_occurred_at_is_utc_whatever_the_session_time_zone(db, crm, sales):
    db.execute("set local timezone = 'America/Sao_Paulo'")
    deal = crm.deal(sales.seller, sales.pipeline)
    payload = events(db, deal)[0]["payload"]
    db.execute("set local timezone = 'UTC'")
    assert payload["occurred_at"] == occurred_at_text(db)


def test_created_payload_holds_id_owner_status_and_value(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, value=Decimal("1234.50"))
    (event,) = events(db, deal)
    assert event["event_type"] == "deal.created"
    assert event["payload"]["data"] == {
        "deal_id": str(deal),
        "owner_id": str(sales.seller),
        "status": "open",
        "value": 1234.5,
    }
    raw = one(
        db,
        "select payload -> 'data' ->> 'value' as value from public.webhook_events where id = %s",
        [event["id"]],
    )
    assert raw["value"] == "1234.50"


def test_insert_writes_created_and_history_but_no_stage_changed(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    assert event_types(db, deal) == ["deal.created"]
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history(db, deal)] == [
        (None, sales.pipeline.stages[0])
    ]


@pytest.mark.parametrize("status", ["won", "lost"])
def test_deal_inserted_closed_also_writes_its_outcome(db, crm, sales, status):
    deal = crm.deal(
        sales.seller,
        sales.pipeline,
        status=status,
        loss_reason_id=sales.loss_reason if status == "lost" else None,
    )
    assert event_types(db, deal) == ["deal.created", f"deal.{status}"]
    assert events(db, deal)[1]["payload"]["data"]["status"] == status


def test_each_operation_writes_its_events(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, value=100)
    steps = [
        ("update public.deals set title = 'Outro título', value = 200 where id = %s", [], []),
        (
            "update public.deals set stage_id = %s where id = %s",
            [sales.pipeline.stages[1]],
            ["deal.stage_changed"],
        ),
        ("update public.deals set status = 'won' where id = %s", [], ["deal.won"]),
        ("update public.deals set status = 'open' where id = %s", [], []),
        (
            "update public.deals set status = 'lost', loss_reason_id = %s where id = %s",
            [sales.loss_reason],
            ["deal.lost"],
        ),
        ("update public.deals set status = 'won' where id = %s", [], ["deal.won"]),
        ("update public.deals set deleted_at = now() where id = %s", [], ["deal.deleted"]),
        ("update public.deals set deleted_at = null where id = %s", [], []),
        ("delete from public.deals where id = %s", [], ["deal.deleted"]),
    ]
    seen = ["deal.created"]
    for query, params, expected in steps:
        db.execute(query, [*params, deal])
        seen += expected
        assert event_types(db, deal) == seen, query


def test_hard_delete_of_a_soft_deleted_deal_writes_no_second_deleted(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    db.execute("update public.deals set deleted_at = now() where id = %s", [deal])
    db.execute("delete from public.deals where id = %s", [deal])
    assert event_types(db, deal) == ["deal.created", "deal.deleted"]


def test_one_update_with_several_changes_writes_them_in_order(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, value=300)
    db.execute(
        "update public.deals set stage_id = %s, status = 'won', deleted_at = now() where id = %s",
        [sales.pipeline.stages[2], deal],
    )
    assert event_types(db, deal) == [
        "deal.created",
        "deal.stage_changed",
        "deal.won",
        "deal.deleted",
    ]
    won = events(db, deal)[2]["payload"]["data"]
    assert won == {
        "deal_id": str(deal),
        "owner_id": str(sales.seller),
        "status": "won",
        "value": 300,
    }


def test_event_ids_are_unique_and_match_their_payload(db, crm, sales):
    deals = [crm.deal(sales.seller, sales.pipeline) for _ in range(3)]
    db.execute("update public.deals set status = 'won' where id = any(%s)", [deals])
    written = events(db)
    assert len(written) == 6
    assert len({e["id"] for e in written}) == 6
    assert all(e["payload"]["event_id"] == str(e["id"]) for e in written)


def test_user_requests_write_events_without_any_grant_on_the_outbox(db, crm, sales, as_user):
    with as_user(sales.seller):
        deal = crm.deal(sales.seller, sales.pipeline)
        db.execute(
            "update public.deals set stage_id = %s where id = %s", [sales.pipeline.stages[1], deal]
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
            db.execute(
                "insert into public.webhook_events (event_type, aggregate_type, "
                "aggregate_id, payload) values ('deal.won', 'deal', %s, '{}')",
                [deal],
            )
    assert event_types(db, deal) == ["deal.created", "deal.stage_changed"]
    assert [h["changed_by"] for h in history(db, deal)] == [sales.seller, sales.seller]


# -- task.assigned -------------------------------------------------------------------------


def test_task_created_for_someone_else_is_assigned(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    task = crm.task(
        sales.seller,
        created_by=sales.admin,
        deal_id=deal,
        type="call",
        subject="Ligar para a noiva",
        due_at="2025-10-02T14:30:00Z",
    )
    (event,) = events(db, task)
    assert (event["event_type"], event["aggregate_type"]) == ("task.assigned", "task")
    assert event["payload"]["event_id"] == str(event["id"])
    assert event["payload"]["event_type"] == "task.assigned"
    assert event["payload"]["occurred_at"] == occurred_at_text(db)
    assert event["payload"]["data"] == {
        "task_id": str(task),
        "owner_id": str(sales.seller),
        "created_by": str(sales.admin),
        "deal_id": str(deal),
        "type": "call",
        "subject": "Ligar para a noiva",
        "due_at": "2025-10-02T14:30:00+00:00",
    }


def test_task_created_for_oneself_is_not_assigned(db, crm, sales):
    task = crm.task(sales.seller, created_by=sales.seller)
    assert event_types(db, task) == []


def test_task_reassigned_to_someone_else_is_assigned_again(db, crm, sales):
    third = crm.user("seller", team=sales.team)
    task = crm.task(sales.seller, created_by=sales.admin)
    db.execute("update public.tasks set owner_id = %s where id = %s", [third, task])
    db.execute("update public.tasks set subject = 'Outro assunto' where id = %s", [task])
    db.execute("update public.tasks set owner_id = %s where id = %s", [sales.admin, task])
    assert event_types(db, task) == ["task.assigned", "task.assigned"]
    assert events(db, task)[1]["payload"]["data"]["owner_id"] == str(third)
