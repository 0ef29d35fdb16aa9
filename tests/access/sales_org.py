"""A small sales organization for the access-control tests (docs/design.md: Access control), and a way to run statements
as each of its users and read the exact outcome.

Two teams, users of every role with and without a team, inactive users, a JWT with no
profile ("ghost"), and rows owned across them. Tests name users and rows by their keys
(`"seller_a"`, `"deal:a2"`), so a failing assertion reads as a list of names.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from tests.support.factories import Crm, User

DENIED = "denied (42501)"
NOW = datetime.now(UTC)

# The organization's users; with "ghost" (a JWT whose sub has no profile), everyone a test acts
# as through `authenticated`. Access.request also takes "anon" and "service_role".
USERS = (
    "admin",
    "manager_a",
    "manager_b",
    "manager_none",
    "seller_a",
    "seller_a2",
    "seller_b",
    "seller_none",
    "inactive",
    "inactive_admin",
)
AUTHENTICATED = (*USERS, "ghost")
# Users who see nothing at all.
NOBODY = ("inactive", "inactive_admin", "ghost")


@dataclass
class SalesOrg:
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def __getitem__(self, key: str) -> uuid.UUID:
        return self.ids[key]

    def names(self, ids: Any) -> set[str]:
        """Keys of the organization's rows among ``ids`` (rows of other organizations are ignored)."""
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in ids if i in by_id}


def build_sales_org(crm: Crm) -> SalesOrg:
    """The organization, in one multi-row statement per table (it is rebuilt for every test)."""
    w = SalesOrg()
    ids = w.ids
    team_a, team_b = (
        row["id"]
        for row in crm.insert_many("teams", [{"name": "Equipe Norte"}, {"name": "Equipe Sul"}])
    )
    ids["team:a"], ids["team:b"] = team_a, team_b
    people = {
        "admin": User("admin"),
        "manager_a": User("manager", team_a),
        "manager_b": User("manager", team_b),
        "manager_none": User("manager"),
        "seller_a": User("seller", team_a),
        "seller_a2": User("seller", team_a),
        "seller_b": User("seller", team_b),
        "seller_none": User("seller"),
        "inactive": User("seller", team_a, active=False),
        "inactive_admin": User("admin", active=False),
    }
    ids.update(
        zip(
            people,
            crm.users([User(u.role, u.team, u.active, name=key) for key, u in people.items()]),
            strict=True,
        )
    )
    ids["ghost"] = uuid.uuid4()

    pipeline = crm.pipeline("Eventos")
    ids["pipeline:eventos"] = pipeline.id
    for position, stage in enumerate(pipeline.stages):
        ids[f"stage:{position}"] = stage

    def add(kind: str, table: str, rows: dict[str, dict[str, Any]]) -> None:
        inserted = crm.insert_many(table, list(rows.values()))
        ids.update((f"{kind}:{key}", row["id"]) for key, row in zip(rows, inserted, strict=True))

    deal_owners = {
        "a": "seller_a",
        "a2": "seller_a2",
        "m_a": "manager_a",
        "b": "seller_b",
        "m_b": "manager_b",
        "none": "seller_none",
        "m_none": "manager_none",
        "inactive": "inactive",
        "deleted_a": "seller_a",
    }
    add(
        "deal",
        "deals",
        {
            key: {
                "title": f"Negócio {key}",
                "owner_id": ids[owner],
                "pipeline_id": pipeline.id,
                "stage_id": pipeline.stages[0],
                "value": 1000,
                "deleted_at": NOW if key == "deleted_a" else None,
            }
            for key, owner in deal_owners.items()
        },
    )

    ids["product:palco"] = crm.product(name="Palco 10x8", sku="PALCO-10X8")
    add(
        "line",
        "deal_products",
        {
            key: {
                "deal_id": ids[f"deal:{key}"],
                "product_id": ids["product:palco"],
                "quantity": 1,
                "unit_price": 1000,
            }
            for key in ("a", "a2", "b", "deleted_a")
        },
    )

    owners = {"a": "seller_a", "b": "seller_b", "none": None, "deleted": "seller_a"}
    for kind, table, label in (
        ("org", "organizations", "Organização"),
        ("contact", "contacts", "Contato"),
    ):
        add(
            kind,
            table,
            {
                key: {
                    "name": f"{label} {key}",
                    "owner_id": ids[owner] if owner else None,
                }
                for key, owner in owners.items()
            },
        )
    crm.insert_many(
        "organization_contacts",
        [
            {"organization_id": ids[f"org:{org}"], "contact_id": ids[f"contact:{contact}"]}
            for org, contact in (("a", "a"), ("b", "b"), ("deleted", "a"))
        ],
    )
    # Deleted after they were linked: no new link to a deleted row is accepted.
    for table, kind in (("organizations", "org"), ("contacts", "contact")):
        crm.conn.execute(
            f"update public.{table} set deleted_at = %s where id = %s",
            [NOW, ids[f"{kind}:deleted"]],
        )

    add(
        "task",
        "tasks",
        {
            key: {
                "subject": f"Tarefa {key}",
                "owner_id": ids[owner],
                "created_by": ids[creator],
                "deal_id": ids[f"deal:{deal}"] if deal else None,
            }
            for key, owner, creator, deal in (
                ("a", "seller_a", "seller_a", None),
                ("a_for_a2", "seller_a2", "seller_a", None),
                ("a2", "seller_a2", "seller_a2", None),
                ("a2_deal", "seller_a2", "seller_a2", "a2"),
                ("b", "seller_b", "seller_b", "b"),
                ("b_by_m", "seller_b", "manager_b", None),
                ("from_admin", "seller_a", "admin", None),
                ("none", "seller_none", "seller_none", None),
                ("m_none", "manager_none", "manager_none", None),
                ("inactive", "inactive", "manager_a", None),
            )
        },
    )

    add(
        "key",
        "api_keys",
        {
            key: {
                "name": f"Chave {key}",
                "key_prefix": "stk_00000000",
                "scopes": ["read:deals"],
                "owner_id": ids[owner],
                "revoked_at": NOW if key == "a_revoked" else None,
            }
            for key, owner in (("a", "seller_a"), ("a_revoked", "seller_a"), ("b", "seller_b"))
        },
    )
    return w


class Access:
    """Statements run as one of the organization's actors, with their exact outcome."""

    def __init__(
        self,
        db: psycopg.Connection,
        sales_org: SalesOrg,
        as_user: Any,
        as_anon: Any,
        as_service_role: Any,
    ) -> None:
        self.db = db
        self.sales_org = sales_org
        self._as_user = as_user
        self._as_anon = as_anon
        self._as_service_role = as_service_role

    def request(self, actor: str, **claims: Any) -> AbstractContextManager[psycopg.Connection]:
        """The request block of an actor: an organization user, "ghost", "anon" or
        "service_role"; extra JWT claims (e.g. api_scopes) for users."""
        if actor == "anon":
            return self._as_anon()
        if actor == "service_role":
            return self._as_service_role()
        return self._as_user(self.sales_org[actor], **claims)

    def rows(self, actor: str, query: str, params: Any = None, **claims: Any) -> list[tuple]:
        with self.request(actor, **claims):
            return self.db.execute(query, params).fetchall()

    def names(self, actor: str, query: str, params: Any = None, **claims: Any) -> set[str]:
        """Keys of the ids in the first column the actor's query returns."""
        return self.sales_org.names(row[0] for row in self.rows(actor, query, params, **claims))

    def attempt(self, actor: str, query: str, params: Any = None, **claims: Any) -> int | str:
        """Rows the statement changed, or DENIED when it raised 42501 (the request's
        savepoint is rolled back then). Any other error propagates."""
        try:
            with self.request(actor, **claims):
                return self.db.execute(query, params).rowcount
        except psycopg.errors.InsufficientPrivilege:
            return DENIED

    def scalar(self, actor: str, query: str, params: Any = None, **claims: Any) -> Any:
        """The single value the actor's query returns, or DENIED when it raised 42501."""
        try:
            with self.request(actor, **claims):
                row = self.db.execute(query, params).fetchone()
        except psycopg.errors.InsufficientPrivilege:
            return DENIED
        assert row is not None
        return row[0]

    def each(self, actors: Iterable[str], outcome: Callable[[str], Any]) -> dict[str, Any]:
        """``outcome(actor)`` for every actor, each in a savepoint rolled back after it,
        so every actor starts from the same organization."""
        outcomes = {}
        for actor in actors:
            with self.db.transaction(force_rollback=True):
                outcomes[actor] = outcome(actor)
        return outcomes

    def changed(self, actor: str, query: str, marker_query: str, **claims: Any) -> set[str]:
        """Run a write as the actor, then read as the superuser which rows carry its mark
        (`marker_query` returns their ids): exactly the rows the write changed."""
        outcome = self.attempt(actor, query, **claims)
        assert outcome != DENIED, f"{actor}: {query} was refused with 42501"
        return self.sales_org.names(row[0] for row in self.db.execute(marker_query).fetchall())
