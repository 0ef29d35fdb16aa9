"""Deal lifecycle (docs/design.md: Triggers and functions): closed_at follows the status, stage_entered_at the stage,
created_at is the insert's time, a lost deal needs a reason; bulk-import mode keeps
given timestamps and writes no events, for the owner, superusers and service_role only."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from schemactl.testing import acting_as

from .helpers import audit_rows, event_types, history, one

PAST = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def now(db) -> datetime:
    return db.execute("select now()").fetchone()[0]


def deal_times(db, deal) -> dict:
    return one(
        db,
        "select status, created_at, closed_at, stage_entered_at from public.deals where id = %s",
        [deal],
    )


def backdate(db, deal, **columns: datetime) -> None:
    """Set timestamps the lifecycle owns, as a bulk import would."""
    db.execute("set local schemactl.bulk_import = on")
    assignments = ", ".join(f"{column} = %s" for column in columns)
    db.execute(f"update public.deals set {assignments} where id = %s", [*columns.values(), deal])
    db.execute("set local schemactl.bulk_import = off")


def test_insert_sets_created_at_and_stage_entered_at_whatever_is_given(db, crm, sales):
    deal = crm.deal(
        sales.seller, sales.pipeline, created_at=PAST, stage_entered_at=PAST, closed_at=PAST
    )
    assert deal_times(db, deal) == {
        "status": "open",
        "created_at": now(db),
        "closed_at": None,
        "stage_entered_at": now(db),
    }


@pytest.mark.parametrize("status", ["won", "lost"])
def test_deal_inserted_closed_gets_closed_at(db, crm, sales, status):
    deal = crm.deal(
        sales.seller,
        sales.pipeline,
        status=status,
        loss_reason_id=sales.loss_reason if status == "lost" else None,
    )
    assert deal_times(db, deal)["closed_at"] == now(db)


def test_closed_at_set_when_won_and_cleared_on_reopen(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    backdate(db, deal, created_at=PAST)
    db.execute("update public.deals set status = 'won' where id = %s", [deal])
    assert deal_times(db, deal)["closed_at"] == now(db)
    db.execute("update public.deals set status = 'open' where id = %s", [deal])
    assert deal_times(db, deal)["closed_at"] is None
    assert deal_times(db, deal)["created_at"] == PAST


def test_closed_at_moves_when_a_won_deal_is_lost(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, status="won")
    backdate(db, deal, closed_at=PAST)
    db.execute(
        "update public.deals set status = 'lost', loss_reason_id = %s where id = %s",
        [sales.loss_reason, deal],
    )
    assert deal_times(db, deal)["closed_at"] == now(db)


def test_closed_at_and_created_at_cannot_be_written_directly(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, status="won")
    backdate(db, deal, closed_at=PAST, created_at=PAST)
    db.execute(
        "update public.deals set closed_at = now(), created_at = now() where id = %s", [deal]
    )
    assert deal_times(db, deal) == {
        "status": "won",
        "created_at": PAST,
        "closed_at": PAST,
        "stage_entered_at": now(db),
    }


def test_stage_change_sets_stage_entered_at_and_other_updates_keep_it(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    backdate(db, deal, stage_entered_at=PAST)
    db.execute(
        "update public.deals set title = 'Casamento Ana', stage_entered_at = now() where id = %s",
        [deal],
    )
    assert deal_times(db, deal)["stage_entered_at"] == PAST
    db.execute(
        "update public.deals set stage_id = %s where id = %s", [sales.pipeline.stages[1], deal]
    )
    assert deal_times(db, deal)["stage_entered_at"] == now(db)


def test_lost_deal_needs_a_loss_reason(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    with pytest.raises(psycopg.errors.CheckViolation) as failure, db.transaction():
        db.execute("update public.deals set status = 'lost' where id = %s", [deal])
    assert failure.value.diag.message_primary == f"a lost deal needs a loss reason (deal {deal})"
    assert (
        failure.value.diag.message_hint
        == "set loss_reason_id (see public.loss_reasons) together with status = 'lost'"
    )
    with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
        crm.deal(sales.seller, sales.pipeline, status="lost", loss_reason_id=None)


def test_loss_reason_cannot_be_removed_from_a_lost_deal(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, status="lost", loss_reason_id=sales.loss_reason)
    with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
        db.execute("update public.deals set loss_reason_id = null where id = %s", [deal])


# -- stage history -------------------------------------------------------------------------


def test_history_row_at_creation_and_per_stage_change(db, crm, sales, as_user):
    stages = sales.pipeline.stages
    with as_user(sales.seller):
        deal = crm.deal(sales.seller, sales.pipeline)
    backdate(db, deal, stage_entered_at=PAST)
    with as_user(sales.admin):
        db.execute("update public.deals set stage_id = %s where id = %s", [stages[1], deal])
        db.execute("update public.deals set title = 'Sem mudança de etapa' where id = %s", [deal])
        db.execute("update public.deals set stage_id = %s where id = %s", [stages[2], deal])
    assert [
        (h["from_stage_id"], h["to_stage_id"], h["changed_by"], h["changed_at"], h["time_in_stage"])
        for h in history(db, deal)
    ] == [
        (None, stages[0], sales.seller, now(db), None),
        (stages[0], stages[1], sales.admin, now(db), now(db) - PAST),
        (stages[1], stages[2], sales.admin, now(db), timedelta(0)),
    ]


def test_moving_a_deal_to_another_pipeline_records_the_stage_change(db, crm, sales):
    other = crm.pipeline()
    deal = crm.deal(sales.seller, sales.pipeline)
    db.execute(
        "update public.deals set pipeline_id = %s, stage_id = %s where id = %s",
        [other.id, other.stages[0], deal],
    )
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history(db, deal)] == [
        (None, sales.pipeline.stages[0]),
        (sales.pipeline.stages[0], other.stages[0]),
    ]


# -- bulk import ---------------------------------------------------------------------------


def bulk_insert(db, sales) -> object:
    db.execute("set local schemactl.bulk_import = on")
    row = db.execute(
        "insert into public.deals (title, pipeline_id, stage_id, owner_id, organization_id, "
        "value, status, created_at, closed_at, stage_entered_at) "
        "values ('Importado', %s, %s, %s, %s, 700, 'won', %s, %s, %s) returning id",
        [
            sales.pipeline.id,
            sales.pipeline.stages[0],
            sales.seller,
            sales.org_a,
            PAST,
            PAST + timedelta(days=30),
            PAST + timedelta(days=2),
        ],
    ).fetchone()
    db.execute("set local schemactl.bulk_import = off")
    return row[0]


@pytest.mark.parametrize(
    "role", ["postgres", "service_role", None], ids=["schema owner", "service_role", "superuser"]
)
def test_bulk_import_keeps_given_times_and_writes_no_events(db, crm, sales, role, as_service_role):
    if role == "service_role":
        with as_service_role():
            deal = bulk_insert(db, sales)
    else:
        with acting_as(db, role) if role else nullcontext():
            deal = bulk_insert(db, sales)
    assert deal_times(db, deal) == {
        "status": "won",
        "created_at": PAST,
        "closed_at": PAST + timedelta(days=30),
        "stage_entered_at": PAST + timedelta(days=2),
    }
    assert event_types(db, deal) == []
    assert [r["action"] for r in audit_rows(db, deal)] == ["INSERT"]
    assert [(h["to_stage_id"], h["changed_at"]) for h in history(db, deal)] == [
        (sales.pipeline.stages[0], PAST + timedelta(days=2))
    ]
    assert (
        one(db, "select total_revenue from public.organizations where id = %s", [sales.org_a])[
            "total_revenue"
        ]
        == 700
    )


def test_bulk_import_without_stage_entered_at_enters_the_stage_at_creation(db, crm, sales):
    db.execute("set local schemactl.bulk_import = on")
    deal = db.execute(
        "insert into public.deals (title, pipeline_id, stage_id, owner_id, created_at) "
        "values ('Importado sem etapa', %s, %s, %s, %s) returning id",
        [sales.pipeline.id, sales.pipeline.stages[0], sales.seller, PAST],
    ).fetchone()[0]
    db.execute("set local schemactl.bulk_import = off")
    assert deal_times(db, deal) == {
        "status": "open",
        "created_at": PAST,
        "closed_at": None,
        "stage_entered_at": PAST,
    }
    assert [(h["to_stage_id"], h["changed_at"]) for h in history(db, deal)] == [
        (sales.pipeline.stages[0], PAST)
    ]


def test_bulk_import_update_keeps_given_updated_at(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    backdate(db, deal, stage_entered_at=PAST, updated_at=PAST)
    assert (
        one(db, "select updated_at from public.deals where id = %s", [deal])["updated_at"] == PAST
    )


def test_bulk_import_is_ignored_for_authenticated_users(db, crm, sales, as_user):
    with as_user(sales.admin):
        deal = bulk_insert(db, sales)
    assert deal_times(db, deal) == {
        "status": "won",
        "created_at": now(db),
        "closed_at": now(db),
        "stage_entered_at": now(db),
    }
    assert event_types(db, deal) == ["deal.created", "deal.won"]


def test_bulk_import_is_ignored_inside_a_definer_function_called_by_a_user(db, crm, sales, as_user):
    leaver = crm.user("seller", team=sales.team)
    task = crm.task(leaver, created_by=sales.admin)
    with as_user(sales.admin):
        db.execute("set local schemactl.bulk_import = on")
        db.execute("select public.reassign_owner(%s, %s)", [leaver, sales.seller])
    assert event_types(db, task) == ["task.assigned", "task.assigned"]


def test_a_claimed_service_role_does_not_turn_bulk_import_on_in_a_definer_function(
    db, crm, sales, as_user
):
    """The JWT's role claim is the caller's to set: with `role: service_role` in it, an
    admin's SQL session still writes its events inside a SECURITY DEFINER function."""
    leaver = crm.user("seller", team=sales.team)
    task = crm.task(leaver, created_by=sales.admin)
    with as_user(sales.admin, role="service_role"):
        db.execute("set local schemactl.bulk_import = on")
        db.execute("select public.reassign_owner(%s, %s)", [leaver, sales.seller])
    assert event_types(db, task) == ["task.assigned", "task.assigned"]


def test_bulk_import_setting_off_means_normal_mode(db, crm, sales):
    db.execute("set local schemactl.bulk_import = off")
    deal = crm.deal(sales.seller, sales.pipeline, created_at=PAST)
    assert deal_times(db, deal)["created_at"] == now(db)
    assert event_types(db, deal) == ["deal.created"]
