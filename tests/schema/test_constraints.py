"""Every CHECK and UNIQUE constraint of the CRM schema (docs/design.md: The CRM data model): one accepted value and
at least one rejected value, asserting the SQLSTATE and the constraint's name.

Constraints are tested on their own: user triggers of the table are disabled for the
test (foreign-key triggers stay), so a trigger that would fix or refuse a value first
(e.g. CNPJ normalisation, closed_at set by the deal lifecycle) does not hide them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from schemactl.testing import acting_as

from .helpers import insert

CHECK, UNIQUE, FOREIGN_KEY = "23514", "23505", "23503"
CLOSED = datetime(2025, 10, 2, 14, 30, tzinfo=UTC)
TABLES = (
    "teams",
    "users",
    "sources",
    "loss_reasons",
    "pipelines",
    "stages",
    "products",
    "organizations",
    "contacts",
    "organization_contacts",
    "deals",
    "deal_products",
    "tasks",
    "deal_stage_history",
    "webhook_events",
    "api_keys",
    "audit_log",
    "private.api_key_secrets",
)
# Constraints that cannot be violated on their own, with the reason.
NOT_VIOLABLE_ALONE = {
    # (id, pipeline_id) contains the primary key id: a duplicate fails stages_pkey first.
    # It exists as the target of deals' (stage_id, pipeline_id) foreign key.
    "stages_id_pipeline_unique",
}

Row = dict[str, Any]
Base = Callable[[psycopg.Connection, SimpleNamespace], Row]


def unique_name(prefix: str = "n") -> Callable[[psycopg.Connection, SimpleNamespace], str]:
    return lambda db, w: f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_auth_user(db: psycopg.Connection, w: SimpleNamespace) -> uuid.UUID:
    return insert(db, "auth.users", email=None)["id"]


def new_contact(db: psycopg.Connection, w: SimpleNamespace) -> uuid.UUID:
    return insert(db, "contacts", name="Outro contato")["id"]


def new_api_key(db: psycopg.Connection, w: SimpleNamespace) -> uuid.UUID:
    return insert(
        db, "api_keys", name="k", key_prefix="stk_k", scopes=["read:deals"], owner_id=w.owner
    )["id"]


def ref(attribute: str) -> Callable[[psycopg.Connection, SimpleNamespace], Any]:
    return lambda db, w: getattr(w, attribute)


BASE: dict[str, Row] = {
    "teams": {"name": unique_name()},
    "users": {"id": new_auth_user, "name": "Ana"},
    "sources": {"name": unique_name()},
    "loss_reasons": {"name": unique_name()},
    "pipelines": {"name": unique_name()},
    "stages": {"pipeline_id": ref("pipeline"), "name": unique_name()},
    "products": {"name": "Treliça Q30"},
    "organizations": {"name": "Buffet Estrela"},
    "contacts": {"name": "Maria Souza"},
    "organization_contacts": {"organization_id": ref("organization"), "contact_id": new_contact},
    "deals": {
        "title": "Formatura Medicina",
        "pipeline_id": ref("pipeline"),
        "stage_id": ref("stage"),
        "owner_id": ref("owner"),
    },
    "deal_products": {
        "deal_id": ref("deal"),
        "product_id": ref("product"),
        "quantity": 1,
        "unit_price": 100,
    },
    "tasks": {
        "subject": "Ligar para o cliente",
        "owner_id": ref("owner"),
        "created_by": ref("owner"),
    },
    "deal_stage_history": {
        "deal_id": ref("deal"),
        "from_stage_id": ref("stage"),
        "to_stage_id": ref("stage2"),
    },
    "webhook_events": {
        "event_type": "deal.created",
        "aggregate_type": "deal",
        "aggregate_id": ref("deal"),
        "payload": {"data": {}},
    },
    "api_keys": {
        "name": "Zapier",
        "key_prefix": "stk_zp",
        "scopes": ["read:deals"],
        "owner_id": ref("owner"),
    },
    "private.api_key_secrets": {"api_key_id": new_api_key, "key_hash": "a" * 64},
    "audit_log": {
        "table_name": "deals",
        "record_id": ref("deal"),
        "action": "INSERT",
        "new_data": {"id": "x"},
    },
}


@dataclass(frozen=True)
class Case:
    constraint: str
    table: str
    accepted: Row
    rejected: list[Row]
    sqlstate: str = CHECK
    note: str = field(default="", compare=False)


def J(value: Any) -> Jsonb:
    return Jsonb(value)


EMAILS_OK = J(
    [
        {"type": "work", "value": "ana@acme.com.br", "primary": True},
        {"type": "personal", "value": "ana@gmail.com", "primary": False},
        {"value": "ana@outlook.com"},
    ]
)
BAD_LISTS = [
    {"value": "ana@acme.com.br"},  # an object, not an array
    J("ana@acme.com.br"),  # a string
    J([{"type": "work"}]),  # element without value
    J(
        [
            {"type": "work", "value": "a@x.br", "primary": True},
            {"type": "home", "value": "b@x.br", "primary": True},
        ]
    ),  # two primaries
    J(["ana@acme.com.br"]),  # element not an object
    J([{"value": 11999990000}]),  # value not a string
    J([{"value": "  "}]),  # blank value
    J([{"value": "a@x.br", "primary": "yes"}]),  # primary not a boolean
]


def lists_case(table: str, column: str) -> Case:
    return Case(
        f"{table}_{column}_shape", table, {column: EMAILS_OK}, [{column: bad} for bad in BAD_LISTS]
    )


def not_blank(table: str, column: str = "name", good: str = "Ok") -> Case:
    return Case(
        f"{table}_{column}_not_blank", table, {column: good}, [{column: ""}, {column: "   "}]
    )


def unique(constraint: str, table: str, **values: Any) -> Case:
    return Case(constraint, table, values, [values], UNIQUE)


def custom_fields(table: str) -> Case:
    return Case(
        f"{table}_custom_fields_object",
        table,
        {"custom_fields": {"tipo_evento": "Casamento", "num_convidados": 200}},
        [{"custom_fields": J([])}, {"custom_fields": J("x")}],
    )


CASES = [
    unique("teams_name_unique", "teams", name="Equipe Norte"),
    not_blank("teams"),
    not_blank("users"),
    Case("users_role_valid", "users", {"role": "manager"}, [{"role": "owner"}, {"role": "Admin"}]),
    Case(
        "users_email_lower_unique",
        "users",
        {"email": "Ana@Stagetek.com.br"},
        [{"email": "ana@stagetek.com.br"}, {"email": "ANA@STAGETEK.COM.BR"}],
        UNIQUE,
    ),
    unique("sources_name_unique", "sources", name="TikTok"),
    not_blank("sources"),
    unique("loss_reasons_name_unique", "loss_reasons", name="Fora da região"),
    not_blank("loss_reasons"),
    unique("pipelines_name_unique", "pipelines", name="Corporativo"),
    not_blank("pipelines"),
    Case(
        "pipelines_single_default",
        "pipelines",
        {"is_default": False},
        [{"is_default": True}],
        UNIQUE,
        "the seeded Funil de Vendas is the default",
    ),
    unique("stages_pipeline_name_unique", "stages", name="Visita técnica"),
    not_blank("stages"),
    Case(
        "stages_probability_range",
        "stages",
        {"probability": 100},
        [{"probability": 101}, {"probability": -1}],
    ),
    Case(
        "stages_rotten_days_positive",
        "stages",
        {"rotten_days": 1},
        [{"rotten_days": 0}, {"rotten_days": -5}],
    ),
    unique("products_sku_unique", "products", sku="TRL-Q30"),
    unique("products_rd_id_unique", "products", rd_id="rd-p-1"),
    not_blank("products"),
    Case("products_base_price_nonnegative", "products", {"base_price": 0}, [{"base_price": -0.01}]),
    custom_fields("products"),
    unique("organizations_rd_id_unique", "organizations", rd_id="rd-o-1"),
    not_blank("organizations"),
    Case(
        "organizations_cnpj_format",
        "organizations",
        {"cnpj": "12ABC34501DE35"},
        [{"cnpj": "11.222.333/0001-81"}, {"cnpj": "12abc34501de35"}],
        note="valid check digits, but not in stored form (normalisation trigger off)",
    ),
    Case(
        "organizations_cnpj_check_digits",
        "organizations",
        {"cnpj": "11222333000181"},
        [{"cnpj": "11222333000180"}, {"cnpj": "00000000000000"}, {"cnpj": "1122233300018"}],
    ),
    Case(
        "organizations_cnpj_unique",
        "organizations",
        {"cnpj": "11222333000181"},
        [{"cnpj": "11222333000181"}],
        UNIQUE,
    ),
    Case(
        "organizations_address_object",
        "organizations",
        {"address": {"street": "Av. Paulista, 1000", "city": "São Paulo", "state": "SP"}},
        [{"address": J(["Av. Paulista, 1000"])}, {"address": J("São Paulo")}],
    ),
    lists_case("organizations", "emails"),
    lists_case("organizations", "phones"),
    Case(
        "organizations_total_revenue_nonnegative",
        "organizations",
        {"total_revenue": 0},
        [{"total_revenue": -1}],
    ),
    Case(
        "organizations_won_deals_count_nonnegative",
        "organizations",
        {"won_deals_count": 0},
        [{"won_deals_count": -1}],
    ),
    custom_fields("organizations"),
    unique("contacts_rd_id_unique", "contacts", rd_id="rd-c-1"),
    not_blank("contacts"),
    lists_case("contacts", "emails"),
    lists_case("contacts", "phones"),
    custom_fields("contacts"),
    Case(
        "organization_contacts_pkey",
        "organization_contacts",
        {"contact_id": ref("contact")},
        [{"contact_id": ref("contact")}],
        UNIQUE,
    ),
    Case(
        "organization_contacts_single_primary",
        "organization_contacts",
        {"is_primary": True},
        [{"is_primary": True}],
        UNIQUE,
    ),
    unique("deals_rd_id_unique", "deals", rd_id="rd-d-1"),
    Case("deals_title_length", "deals", {"title": "Bar"}, [{"title": "Ba"}, {"title": "  Ba  "}]),
    Case("deals_value_nonnegative", "deals", {"value": 0}, [{"value": -0.01}]),
    Case(
        "deals_probability_range",
        "deals",
        {"probability": 0},
        [{"probability": 101}, {"probability": -1}],
    ),
    Case(
        "deals_status_valid",
        "deals",
        {"status": "open"},
        [{"status": "ganho", "closed_at": CLOSED}, {"status": "WON", "closed_at": CLOSED}],
    ),
    Case(
        "deals_closed_at_iff_closed",
        "deals",
        {"status": "won", "closed_at": CLOSED},
        [
            {"status": "open", "closed_at": CLOSED},
            {"status": "won"},
            {"status": "lost", "loss_reason_id": ref("loss_reason")},
        ],
    ),
    Case(
        "deals_lost_requires_reason",
        "deals",
        {"status": "lost", "closed_at": CLOSED, "loss_reason_id": ref("loss_reason")},
        [{"status": "lost", "closed_at": CLOSED}],
    ),
    Case(
        "deals_contact_ids_no_nulls",
        "deals",
        {"contact_ids": [ref("contact")]},
        [{"contact_ids": [ref("contact"), None]}],
    ),
    Case(
        "deals_stage_in_pipeline_fkey",
        "deals",
        {"stage_id": ref("stage2")},
        [{"stage_id": ref("other_stage")}, {"stage_id": uuid.uuid4()}],
        FOREIGN_KEY,
    ),
    custom_fields("deals"),
    Case(
        "deal_products_quantity_positive",
        "deal_products",
        {"quantity": 0.5},
        [{"quantity": 0}, {"quantity": -1}],
    ),
    Case(
        "deal_products_unit_price_nonnegative",
        "deal_products",
        {"unit_price": 0},
        [{"unit_price": -1, "discount_type": "percentage", "discount": 100}],
        note="a 100% discount keeps the total at 0, so only unit_price is wrong",
    ),
    Case(
        "deal_products_discount_nonnegative", "deal_products", {"discount": 0}, [{"discount": -1}]
    ),
    Case(
        "deal_products_discount_type_valid",
        "deal_products",
        {"discount_type": "percentage"},
        [{"discount_type": "percent"}],
    ),
    Case(
        "deal_products_percentage_at_most_100",
        "deal_products",
        {"discount_type": "percentage", "discount": 100},
        [{"discount_type": "percentage", "discount": 100.5, "unit_price": 0}],
    ),
    Case(
        "deal_products_total_nonnegative",
        "deal_products",
        {"unit_price": 10, "discount": 10},
        [{"unit_price": 10, "discount": 10.01}],
    ),
    unique("tasks_rd_id_unique", "tasks", rd_id="rd-t-1"),
    Case("tasks_type_valid", "tasks", {"type": "whatsapp"}, [{"type": "sms"}]),
    not_blank("tasks", "subject", "Visita técnica"),
    custom_fields("tasks"),
    Case(
        "deal_stage_history_stage_changed",
        "deal_stage_history",
        {"from_stage_id": None},
        [{"to_stage_id": ref("stage")}],
    ),
    Case(
        "webhook_events_event_type_format",
        "webhook_events",
        {"event_type": "deal.stage_changed"},
        [{"event_type": "deal"}, {"event_type": "Deal.Won"}, {"event_type": "deal.won "}],
    ),
    Case("webhook_events_payload_object", "webhook_events", {"payload": {}}, [{"payload": J([])}]),
    Case(
        "webhook_events_status_valid", "webhook_events", {"status": "dead"}, [{"status": "failed"}]
    ),
    Case(
        "webhook_events_attempts_nonnegative", "webhook_events", {"attempts": 8}, [{"attempts": -1}]
    ),
    Case(
        "webhook_events_processing_has_lease",
        "webhook_events",
        {"status": "processing", "lease_token": uuid.uuid4(), "locked_until": CLOSED},
        [{"status": "processing"}, {"status": "processing", "lease_token": uuid.uuid4()}],
    ),
    Case(
        "webhook_events_delivered_has_delivered_at",
        "webhook_events",
        {"status": "delivered", "delivered_at": CLOSED},
        [{"status": "delivered"}],
    ),
    not_blank("api_keys"),
    Case(
        "api_keys_key_prefix_format",
        "api_keys",
        {"key_prefix": "stk_9f3a"},
        [{"key_prefix": "sk_9f3a"}, {"key_prefix": "9f3a"}],
    ),
    Case(
        "api_keys_scopes_valid",
        "api_keys",
        {"scopes": ["read:deals", "write:contacts", "delete:products"]},
        [
            {"scopes": []},
            {"scopes": ["admin:deals"]},
            {"scopes": ["read:users"]},
            {"scopes": ["read:deals", None]},
            {"scopes": ["READ:deals"]},
            {"scopes": ["read:deals "]},
        ],
    ),
    Case(
        "api_key_secrets_key_hash_unique",
        "private.api_key_secrets",
        {"key_hash": "b" * 64},
        [{"key_hash": "b" * 64}],
        UNIQUE,
    ),
    Case(
        "api_key_secrets_key_hash_format",
        "private.api_key_secrets",
        {"key_hash": "0123456789abcdef" * 4},
        [{"key_hash": "A" * 64}, {"key_hash": "a" * 63}, {"key_hash": "stk_plaintext"}],
    ),
    Case(
        "audit_log_action_valid",
        "audit_log",
        {"action": "INSERT"},
        [{"action": "insert"}, {"action": "TRUNCATE"}],
    ),
    Case(
        "audit_log_table_name_bare",
        "audit_log",
        {"table_name": "deal_products"},
        [{"table_name": "public.deals"}, {"table_name": "Deals"}],
    ),
    Case(
        "audit_log_data_matches_action",
        "audit_log",
        {"action": "DELETE", "old_data": {"id": "x"}, "new_data": None},
        [
            {"action": "INSERT", "old_data": {"id": "x"}},
            {"action": "UPDATE"},
            {"action": "DELETE", "old_data": None},
        ],
    ),
]


def materialise(db: psycopg.Connection, w: SimpleNamespace, table: str, overrides: Row) -> Row:
    values = {**BASE[table], **overrides}
    return {
        k: v(db, w)
        if callable(v)
        else [x(db, w) if callable(x) else x for x in v]
        if isinstance(v, list)
        else v
        for k, v in values.items()
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.constraint)
def test_constraint_accepts_good_and_refuses_bad_values(
    db, linked_rows, without_user_triggers, case: Case
):
    without_user_triggers(case.table, "auth.users")
    insert(db, case.table, **materialise(db, linked_rows, case.table, case.accepted))
    for rejected in case.rejected:
        values = materialise(db, linked_rows, case.table, rejected)
        with pytest.raises(psycopg.Error) as caught, db.transaction():
            insert(db, case.table, **values)
        assert (caught.value.sqlstate, caught.value.diag.constraint_name) == (
            case.sqlstate,
            case.constraint,
        ), f"{rejected!r}: {caught.value}"


def test_every_check_and_unique_constraint_has_a_case(db):
    names = {
        name
        for (name,) in db.execute(
            """
        select con.conname
        from pg_constraint con
        where con.conrelid = any(%(tables)s::regclass[])
            and (con.contype in ('c', 'u', 'x')
                 or (con.contype = 'p' and array_length(con.conkey, 1) > 1))
        union
        select idx.relname
        from pg_index i
        join pg_class idx on idx.oid = i.indexrelid
        where i.indrelid = any(%(tables)s::regclass[])
            and i.indisunique
            and not exists (select from pg_constraint c where c.conindid = i.indexrelid)
        """,
            {"tables": [t if "." in t else f"public.{t}" for t in TABLES]},
        )
    }
    covered = {case.constraint for case in CASES}
    assert names - NOT_VIOLABLE_ALONE == covered - {"deals_stage_in_pipeline_fkey"}


def test_required_columns_refuse_null(db, linked_rows):
    for table, values, column in [
        (
            "deals",
            {
                "title": "Sem dono",
                "pipeline_id": linked_rows.pipeline,
                "stage_id": linked_rows.stage,
            },
            "owner_id",
        ),  # auth.uid() is null here
        ("tasks", {"subject": "Sem autor"}, "owner_id"),
        (
            "webhook_events",
            {
                "event_type": "deal.created",
                "aggregate_type": "deal",
                "aggregate_id": linked_rows.deal,
                "payload": None,
            },
            "payload",
        ),
        ("api_keys", {"name": "k", "key_prefix": "stk_k", "owner_id": linked_rows.owner}, "scopes"),
        (
            "deal_products",
            {"deal_id": linked_rows.deal, "product_id": linked_rows.product},
            "unit_price",
        ),
    ]:
        with pytest.raises(psycopg.errors.NotNullViolation) as caught, db.transaction():
            insert(db, table, **values)
        assert caught.value.diag.column_name == column


def test_defaults_fill_owner_from_the_request_user(db, linked_rows, as_user):
    # the owner role: no RLS, and auth.uid() is still the requesting user
    with as_user(linked_rows.owner), acting_as(db, "postgres") as conn:
        deal = insert(
            conn,
            "deals",
            title="Show de fim de ano",
            pipeline_id=linked_rows.pipeline,
            stage_id=linked_rows.stage,
        )
        task = insert(conn, "tasks", subject="Enviar proposta")
        org = insert(conn, "organizations", name="Teatro Municipal")
    assert (
        deal["owner_id"],
        deal["status"],
        deal["value"],
        deal["contact_ids"],
        deal["custom_fields"],
        deal["closed_at"],
    ) == (linked_rows.owner, "open", 0, [], {}, None)
    assert (task["owner_id"], task["created_by"], task["type"]) == (
        linked_rows.owner,
        linked_rows.owner,
        "task",
    )
    assert (
        org["owner_id"],
        org["emails"],
        org["phones"],
        org["total_revenue"],
        org["won_deals_count"],
    ) == (linked_rows.owner, [], [], 0, 0)
