"""migrate-v1 on thousands of messy V1 rows (generator.py): every row migrated or
quarantined for the reason the oracle predicts, duplicates merged, revenue rolled up, V1
dates kept, nothing changed by a dry run or a second run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from .databases import V1Database
from .generator import DEFAULT_OWNER, OWNERS, STAGES, cents, fold, status_of


def books(report: Any) -> dict[str, tuple[int, int, int, int]]:
    return {b.kind: (b.v1_rows, b.migrated, b.merged, b.quarantined) for b in report.books}


def test_every_v1_row_is_migrated_or_quarantined_for_the_predicted_reason(
    v1_story: dict[str, Any],
) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    quarantine = {
        (r["kind"], r["v1_id"]): r["reason"]
        for r in v1.rows("select kind, v1_id, reason from migration.v1_quarantine")
    }
    assert quarantine == expected.quarantine
    mapped = {
        (r["kind"], r["v1_id"]) for r in v1.rows("select kind, v1_id from migration.v1_id_map")
    }
    data = v1.generated.data
    every = (
        {("client", c.id) for c in data.clients}
        | {("opportunity", o.id) for o in data.opportunities}
        | {("opportunity_product", ln.id) for ln in data.lines}
    )
    assert mapped == every - set(expected.quarantine)
    assert mapped.isdisjoint(quarantine)


def test_quarantine_keeps_the_original_v1_row(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    mismatched = v1.value("""
        select count(*) from migration.v1_quarantine as q
        left join v1.opportunities as o on q.kind = 'opportunity' and o.id = q.v1_id
        left join v1.opportunity_products as l
            on q.kind = 'opportunity_product' and l.id = q.v1_id
        where q.row is distinct from coalesce(to_jsonb(o), to_jsonb(l))""")
    assert mismatched == 0


def test_report_counts_per_kind(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    data = v1.generated.data
    q = expected.quarantine
    merged = sum(len(group) - 1 for group in expected.organizations)
    addresses = sum(len(found) for found in expected.valid_emails.values())
    contacts = len({a for found in expected.valid_emails.values() for a in found})
    opportunities_quarantined = sum(1 for kind, _ in q if kind == "opportunity")
    lines_quarantined = sum(1 for kind, _ in q if kind == "opportunity_product")
    assert books(v1_story["first"]) == {
        "client": (len(data.clients), len(data.clients), merged, 0),
        "contact": (addresses, contacts, addresses - contacts, 0),
        "opportunity": (
            len(data.opportunities),
            len(data.opportunities) - opportunities_quarantined,
            0,
            opportunities_quarantined,
        ),
        "product": (8, 8, 0, 0),
        "opportunity_product": (
            len(data.lines),
            len(data.lines) - lines_quarantined,
            0,
            lines_quarantined,
        ),
    }
    first = {b.kind: (b.change, b.reapplied) for b in v1_story["first"].books}
    assert first == {
        "client": (len(data.clients), 0),
        "contact": (contacts, 0),
        "opportunity": (len(data.opportunities) - opportunities_quarantined, 0),
        "product": (8, 0),
        "opportunity_product": (len(data.lines) - lines_quarantined, 0),
    }
    assert v1_story["first"].default_owner == DEFAULT_OWNER


def test_clients_with_the_same_valid_cnpj_share_one_organization(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    groups = v1.rows("""
        select array_agg(v1_id order by v1_id) as clients,
            array_agg(v1_id order by v1_id) filter (where not merged) as creators
        from migration.v1_id_map where kind = 'client' group by v2_id""")
    assert sorted(g["clients"] for g in groups) == sorted(expected.organizations)
    assert all(g["creators"] == g["clients"][:1] for g in groups)
    assert v1.value("select count(*) from public.organizations") == len(expected.organizations)


def test_merged_clients_keep_their_whole_v1_row_in_custom_fields(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    missing = v1.value("""
        select count(*) from migration.v1_id_map as m
        join v1.clients as c on c.id = m.v1_id
        join public.organizations as o on o.id = m.v2_id
        where m.kind = 'client' and m.merged
            and o.custom_fields -> 'v1' -> 'merged' -> c.id::text is distinct from to_jsonb(c)""")
    assert missing == 0
    assert v1.value("select count(*) from migration.v1_id_map where merged") > 0


def test_each_valid_email_is_a_contact_linked_to_the_organization(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    links = v1.rows("""
        select m.v1_id as client_id, x.email, ct.emails, ct.name,
            exists (select from public.organization_contacts as oc
                    where oc.organization_id = m.v2_id and oc.contact_id = ct.id) as linked
        from migration.v1_id_map as m
        join migration.v1_contact_map as x on x.client_id = m.v1_id
        join public.contacts as ct on ct.id = x.contact_id
        where m.kind = 'client'""")
    found: dict[int, list[str]] = {}
    for link in links:
        found.setdefault(link["client_id"], []).append(link["email"])
        assert link["linked"]
        assert {"type": "work", "value": link["email"], "primary": True} in link["emails"]
    assert {k: sorted(v) for k, v in found.items()} == {
        k: sorted(v) for k, v in expected.valid_emails.items() if v
    }


def test_invalid_emails_and_cnpjs_are_kept_in_custom_fields(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    rows = v1.rows("""
        select c.id, c.cnpj, c.email, o.cnpj as stored, o.custom_fields -> 'v1' as v1
        from v1.clients as c
        join migration.v1_id_map as m on m.kind = 'client' and m.v1_id = c.id and not m.merged
        join public.organizations as o on o.id = m.v2_id""")
    valid = v1.generated.valid_cnpjs
    validity = v1.generated.email_validity
    for row in rows:
        if row["id"] in valid:
            assert row["stored"] == valid[row["id"]]
            assert "cnpj" not in row["v1"]
        else:
            assert row["stored"] is None
            if (row["cnpj"] or "").strip():
                assert row["v1"]["cnpj"] == row["cnpj"]
        parts = [p.strip() for p in (row["email"] or "").replace(";", ",").split(",")]
        invalid = [p for p in parts if p and not validity[p]]
        if invalid:
            assert row["v1"]["email"] == row["email"]
            assert row["v1"]["invalid_emails"] == list(dict.fromkeys(invalid))
        else:
            assert "invalid_emails" not in row["v1"]


def test_deals_keep_status_value_and_v1_originals(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    rows = v1.rows("""
        select o.*, d.status as v2_status, d.value as v2_value, s.name as v2_stage,
            d.custom_fields -> 'v1' as kept, u.email as v2_owner, r.name as v2_reason,
            d.loss_note, d.probability as v2_probability, d.title as v2_title
        from v1.opportunities as o
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
        join public.deals as d on d.id = m.v2_id
        join public.stages as s on s.id = d.stage_id
        join public.users as u on u.id = d.owner_id
        left join public.loss_reasons as r on r.id = d.loss_reason_id""")
    stages = {fold(s): s for s in STAGES}
    reasons = {
        "preco alto": "Preço alto",
        "escolheu concorrente": "Escolheu concorrente",
        "sem orcamento": "Sem orçamento",
        "sem resposta": "Sem resposta",
        "data indisponivel": "Data indisponível",
        "projeto cancelado": "Projeto cancelado",
        "outro": "Outro",
    }
    for row in rows:
        assert row["v2_status"] == status_of(row["status"])
        value = row["value"]
        assert row["v2_value"] == (Decimal("0.00") if value is None else cents(value))
        if value is None or value != row["v2_value"]:
            assert row["kept"]["value"] == (None if value is None else float(value))
        stage = stages.get(fold(row["stage"]) or "")
        assert row["v2_stage"] == (stage or "Lead")
        assert ("stage" in row["kept"]) == (stage is None)
        owner = (row["owner_email"] or "").strip().lower()
        if owner in OWNERS:
            assert row["v2_owner"] == owner and "owner_email" not in row["kept"]
        else:
            assert row["v2_owner"] == DEFAULT_OWNER
            assert row["kept"]["owner_email"] == row["owner_email"]
        if row["v2_status"] == "lost":
            reason = reasons.get(fold(row["lost_reason"]) or "")
            assert row["v2_reason"] == (reason or "Outro")
            if reason is None:
                assert row["loss_note"] == ((row["lost_reason"] or "").strip() or None)
                assert row["kept"]["lost_reason"] == row["lost_reason"]
        else:
            assert row["v2_reason"] is None
        if row["probability"] is not None and not 0 <= row["probability"] <= 100:
            assert row["v2_probability"] is None
            assert row["kept"]["probability"] == row["probability"]
        if len((row["title"] or "").strip()) < 3:
            assert row["v2_title"] == f"Oportunidade V1 #{row['id']}"
            assert row["kept"]["title"] == row["title"]


def test_won_revenue_of_each_organization_is_the_sum_of_its_v1_clients(
    v1_story: dict[str, Any],
) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    actual = {
        r["client"]: (r["total_revenue"], r["won_deals_count"])
        for r in v1.rows("""
        select m.v1_id as client, o.total_revenue, o.won_deals_count
        from migration.v1_id_map as m
        join public.organizations as o on o.id = m.v2_id
        where m.kind = 'client' and not m.merged""")
    }
    assert actual == expected.revenue
    assert sum(total for total, _ in expected.revenue.values()) > Decimal(1_000_000)


def test_status_totals_match_v1(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.generated is not None
    expected = v1.generated.oracle(default_owner=True)
    actual = {
        r["status"]: (r["total"], r["n"])
        for r in v1.rows(
            "select status, sum(value) as total, count(*) as n from public.deals group by status"
        )
    }
    assert actual == expected.status_totals


def test_parity_is_clean_after_the_migration(v1_story: dict[str, Any]) -> None:
    report = v1_story["v1"].parity()
    assert report.mismatches == ()
    assert report.ok


def test_bulk_import_keeps_v1_dates_and_writes_no_webhook_events(v1_story: dict[str, Any]) -> None:
    v1: V1Database = v1_story["v1"]
    wrong = v1.rows("""
        select o.id from v1.opportunities as o
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
        join public.deals as d on d.id = m.v2_id
        where o.created_at is not null and (
            d.created_at <> o.created_at at time zone 'America/Sao_Paulo'
            or d.stage_entered_at <> coalesce(o.updated_at, o.created_at)
                at time zone 'America/Sao_Paulo'
            or d.closed_at is distinct from case when d.status <> 'open'
                then coalesce(o.updated_at, o.created_at) at time zone 'America/Sao_Paulo' end)""")
    assert wrong == []
    assert v1.value("select count(*) from public.webhook_events") == 0
    deals = v1.value("select count(*) from public.deals")
    assert (
        v1.value(
            "select count(*) from public.audit_log where table_name = 'deals' and action = 'INSERT'"
        )
        == deals
    )
    assert v1.value("select count(*) from public.deal_stage_history") == deals


def test_lines_that_add_up_become_deal_products_with_products_created_by_name(
    v1_story: dict[str, Any],
) -> None:
    v1: V1Database = v1_story["v1"]
    assert (
        v1.value("""
        select count(*) from v1.opportunity_products as l
        join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v1_id = l.id
        join public.deal_products as p on p.id = m.v2_id
        join public.products as pr on pr.id = p.product_id
        where p.total <> round(l.quantity * l.unit_price, 2)
            or migration.fold(pr.name) <> migration.fold(l.product_name)""")
        == 0
    )
    names = {r["name"] for r in v1.rows("select name from public.products")}
    assert names == {
        "Palco 10x8",
        "Iluminação LED",
        "Som line array",
        "Tenda cristal 10x10",
        "Gerador 150kVA",
        "Telão de LED 4x3",
        "Pista de dança",
        "Camarim climatizado",
    }
    # a deal with lines is worth the sum of its lines, which is its V1 value
    assert (
        v1.value("""
        select count(*) from public.deals as d
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v2_id = d.id
        join v1.opportunities as o on o.id = m.v1_id
        where exists (select from public.deal_products as p where p.deal_id = d.id)
            and d.value <> (select sum(p.total) from public.deal_products as p
                            where p.deal_id = d.id)""")
        == 0
    )


def test_second_run_changes_nothing(v1_story: dict[str, Any]) -> None:
    assert v1_story["after_second"] == v1_story["after_first"]
    second = {b.kind: (b.change, b.reapplied) for b in v1_story["second"].books}
    assert second == {k: (0, 0) for k in second}
    assert books(v1_story["second"]) == books(v1_story["first"])
    assert v1_story["second"].default_owner == DEFAULT_OWNER  # kept from the first run


def test_dry_run_changes_nothing_and_reports_what_would_happen(v1_story: dict[str, Any]) -> None:
    assert v1_story["after_dry_run"] == v1_story["before"]
    assert "migration.v1_id_map" not in v1_story["after_dry_run"]
    assert v1_story["dry_run"].dry_run
    assert books(v1_story["dry_run"]) == books(v1_story["first"])
    assert v1_story["after_first"] != v1_story["before"]


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("maria.souza@x.com", "Maria Souza"),
        ("joao_da-silva+crm@x.com", "Joao Da Silva"),
        ("ANA@x.com", "Ana"),
        ("1234@x.com", "1234@x.com"),
        ("_.-@x.com", "_.-@x.com"),
    ],
)
def test_a_contact_made_from_an_address_is_named_from_its_local_part(
    v1_story: dict[str, Any], address: str, name: str
) -> None:
    v1: V1Database = v1_story["v1"]
    assert v1.value("select migration.contact_name(%s)", (address,)) == name
