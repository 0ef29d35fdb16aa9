"""One place to create CRM rows in tests: teams, users of each role, pipelines with
stages, organizations, contacts, deals, product lines, tasks, API keys.

Rows are written through the connection given (the superuser `db` of the pytest plugin),
so policies do not apply while a test sets up its world; triggers do (profiles come from
`handle_new_user`, deals get their lifecycle fields, ...). Each factory returns the new
row's id.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A readable name that no other factory call in the session repeats."""
    return f"{prefix} {next(_counter)}"


@dataclass(frozen=True)
class User:
    """What `Crm.users` creates: role admin/manager/seller, team id or None."""

    role: str = "seller"
    team: uuid.UUID | None = None
    active: bool = True
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Pipeline:
    id: uuid.UUID
    stages: tuple[uuid.UUID, ...]  # in display order


class Crm:
    """Factories bound to one connection."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def insert(self, table: str, **values: Any) -> dict[str, Any]:
        """`insert into <table> (...) values (...) returning *`; dicts go as jsonb."""
        return self.insert_many(table, [values])[0]

    def insert_many(self, table: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One multi-row insert (cheaper than one per row: statement triggers run once);
        every row names the same columns. Rows come back in the order given (PostgreSQL
        inserts a VALUES list in order)."""
        schema, _, name = table.rpartition(".")
        target = sql.Identifier(schema or "public", name)
        columns = list(rows[0])
        assert all(list(row) == columns for row in rows), "rows must name the same columns"
        if columns:
            row_sql = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
            query = sql.SQL("insert into {} ({}) values {} returning *").format(
                target,
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join([row_sql] * len(rows)),
            )
        else:
            assert len(rows) == 1, "default values inserts one row"
            query = sql.SQL("insert into {} default values returning *").format(target)
        params = [Jsonb(v) if isinstance(v, dict) else v for row in rows for v in row.values()]
        with self.conn.cursor(row_factory=dict_row) as cur:
            inserted = cur.execute(query, params).fetchall()
        assert len(inserted) == len(rows)
        return inserted

    def team(self, name: str | None = None) -> uuid.UUID:
        return self.insert("teams", name=name or unique("Equipe"))["id"]

    def user(
        self,
        role: str = "seller",
        *,
        team: uuid.UUID | None = None,
        active: bool = True,
        name: str | None = None,
        email: str | None = None,
    ) -> uuid.UUID:
        """A signed-up user (auth.users row; the profile follows by trigger), then given
        its role, team and active flag as an admin would."""
        return self.users([User(role, team, active, name, email)])[0]

    def users(self, specs: Sequence[User]) -> list[uuid.UUID]:
        """Several users in two statements (sign-up, then role/team/active)."""
        signed_up = self.insert_many(
            "auth.users",
            [
                {
                    "email": spec.email or f"{uuid.uuid4().hex[:12]}@stagetek.test",
                    "raw_user_meta_data": {"name": spec.name or unique(spec.role.capitalize())},
                }
                for spec in specs
            ],
        )
        ids = [row["id"] for row in signed_up]
        self.conn.execute(
            "update public.users as u set role = s.role, team_id = s.team_id, "
            "is_active = s.is_active from unnest(%s::uuid[], %s::text[], %s::uuid[], "
            "%s::boolean[]) as s (id, role, team_id, is_active) where u.id = s.id",
            [
                ids,
                [spec.role for spec in specs],
                [spec.team for spec in specs],
                [spec.active for spec in specs],
            ],
        )
        return ids

    def pipeline(
        self,
        name: str | None = None,
        stages: Sequence[tuple[str, int, int | None]] = (
            ("Lead", 10, None),
            ("Proposta", 50, 7),
            ("Fechamento", 90, 3),
        ),
    ) -> Pipeline:
        """A pipeline with stages given as (name, probability, rotten_days)."""
        pipeline_id = self.insert("pipelines", name=name or unique("Funil"))["id"]
        stage_ids = tuple(
            row["id"]
            for row in self.insert_many(
                "stages",
                [
                    {
                        "pipeline_id": pipeline_id,
                        "name": stage_name,
                        "display_order": position,
                        "probability": probability,
                        "rotten_days": rotten_days,
                    }
                    for position, (stage_name, probability, rotten_days) in enumerate(stages, 1)
                ],
            )
        )
        return Pipeline(pipeline_id, stage_ids)

    def organization(self, owner: uuid.UUID | None, **values: Any) -> uuid.UUID:
        values.setdefault("name", unique("Organização"))
        return self.insert("organizations", owner_id=owner, **values)["id"]

    def contact(self, owner: uuid.UUID | None, **values: Any) -> uuid.UUID:
        values.setdefault("name", unique("Contato"))
        return self.insert("contacts", owner_id=owner, **values)["id"]

    def link(self, organization: uuid.UUID, contact: uuid.UUID, **values: Any) -> None:
        self.insert(
            "organization_contacts", organization_id=organization, contact_id=contact, **values
        )

    def deal(
        self, owner: uuid.UUID, pipeline: Pipeline, *, stage: int = 0, **values: Any
    ) -> uuid.UUID:
        """A deal in the pipeline's stage number `stage` (0 = first)."""
        values.setdefault("title", unique("Negócio"))
        return self.insert(
            "deals",
            owner_id=owner,
            pipeline_id=pipeline.id,
            stage_id=pipeline.stages[stage],
            **values,
        )["id"]

    def product(self, **values: Any) -> uuid.UUID:
        values.setdefault("name", unique("Produto"))
        values.setdefault("base_price", 1000)
        return self.insert("products", **values)["id"]

    def deal_product(self, deal: uuid.UUID, product: uuid.UUID, **values: Any) -> uuid.UUID:
        values.setdefault("quantity", 1)
        values.setdefault("unit_price", 1000)
        return self.insert("deal_products", deal_id=deal, product_id=product, **values)["id"]

    def task(
        self, owner: uuid.UUID, *, created_by: uuid.UUID | None = None, **values: Any
    ) -> uuid.UUID:
        """A task assigned to `owner`, created by `created_by` (default: the owner)."""
        values.setdefault("subject", unique("Ligar"))
        return self.insert("tasks", owner_id=owner, created_by=created_by or owner, **values)["id"]

    def api_key(self, owner: uuid.UUID, scopes: Sequence[str], **values: Any) -> uuid.UUID:
        """An api_keys row without a secret (keys that verify come from
        public.create_api_key)."""
        values.setdefault("name", unique("Integração"))
        values.setdefault("key_prefix", "stk_00000000")
        return self.insert("api_keys", owner_id=owner, scopes=list(scopes), **values)["id"]
