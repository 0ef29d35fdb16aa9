"""Computed and validated values of the data model (docs/design.md: The CRM data model): contact lists (emails/phones) and the
deal_products.total formula."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from .helpers import insert

LISTS = [
    ("[]", True),
    ('[{"type": "work", "value": "ana@acme.com.br", "primary": true}]', True),
    ('[{"value": "ana@acme.com.br"}, {"value": "+55 11 99999-0000", "primary": false}]', True),
    ('[{"type": null, "value": "x", "primary": null}]', True),
    ('[{"value": "a", "primary": true}, {"value": "b", "primary": false}, {"value": "c"}]', True),
    ('[{"value": "x", "extra": {"note": "kept"}}]', True),
    ("{}", False),
    ('{"value": "ana@acme.com.br"}', False),
    ('"ana@acme.com.br"', False),
    ("null", False),
    ("[null]", False),
    ('["ana@acme.com.br"]', False),
    ("[[]]", False),
    ('[{"type": "work"}]', False),
    ('[{"value": null}]', False),
    ('[{"value": ""}]', False),
    ('[{"value": 5511999990000}]', False),
    ('[{"value": "x", "type": 1}]', False),
    ('[{"value": "x", "primary": "true"}]', False),
    ('[{"value": "a", "primary": true}, {"value": "b", "primary": true}]', False),
]


def test_contact_list_shape(db):
    rows = db.execute(
        "select v, public.is_valid_contact_list(v::jsonb) from unnest(%s::text[]) as v",
        [[text for text, _ in LISTS]],
    ).fetchall()
    assert rows == LISTS
    assert db.execute("select public.is_valid_contact_list(null)").fetchone() == (None,)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "discount", "discount_type", "total"),
    [
        ("3", "10.00", "10", "percentage", "27.00"),
        ("1", "99.99", "12.5", "percentage", "87.49"),  # 87.49125 rounds down
        ("1", "0.05", "50", "percentage", "0.03"),  # 0.025 rounds half away from zero
        ("2", "1500.00", "100", "percentage", "0.00"),
        ("2.5", "19.99", "0.975", "value", "49.00"),  # 49.975 - 0.975
        ("4", "250.00", "0", "value", "1000.00"),
        ("1", "100.00", "100", "value", "0.00"),
        ("0.333", "10.00", "0", "value", "3.33"),
    ],
)
def test_deal_product_total_formula(
    db, linked_rows, quantity, unit_price, discount, discount_type, total
):
    row = insert(
        db,
        "deal_products",
        deal_id=linked_rows.deal,
        product_id=linked_rows.product,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount=Decimal(discount),
        discount_type=discount_type,
    )
    assert row["total"] == Decimal(total)
    assert str(row["total"]) == total  # numeric(14, 2): always two decimals


def test_deal_product_total_follows_updates(db, linked_rows):
    row = insert(
        db,
        "deal_products",
        deal_id=linked_rows.deal,
        product_id=linked_rows.product,
        quantity=2,
        unit_price=Decimal("100.00"),
    )
    db.execute(
        "update public.deal_products set discount = 10, discount_type = 'percentage' where id = %s",
        [row["id"]],
    )
    assert db.execute(
        "select total from public.deal_products where id = %s", [row["id"]]
    ).fetchone() == (Decimal("180.00"),)


def test_custom_fields_keep_arbitrary_objects(db, linked_rows):
    fields = {
        "tipo_evento": "Casamento",
        "num_convidados": 200,
        "tem_buffet": True,
        "observacoes": "Cliente VIP",
        "datas": ["2025-12-12"],
    }
    deal = insert(
        db,
        "deals",
        title="Casamento VIP",
        pipeline_id=linked_rows.pipeline,
        stage_id=linked_rows.stage,
        owner_id=linked_rows.owner,
        custom_fields=fields,
    )
    found = db.execute(
        "select id from public.deals "
        "where custom_fields->>'tipo_evento' = 'Casamento' "
        "and custom_fields @> %s::jsonb",
        [json.dumps({"tem_buffet": True})],
    ).fetchall()
    assert found == [(deal["id"],)]
