"""Randomized check of the revenue rollup: thousands of seeded random operations on
deals and deal_products, after which every organization's totals equal a
recomputation (and every deal with product lines is worth their sum)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from decimal import Decimal

import psycopg

from tests.support.factories import Crm

from .helpers import revenue_mismatches, rows, value_mismatches

SEED = 20251002
OPERATIONS = 3000
CHECK_EVERY = 500


class RandomSales:
    """Random operations on one connection; each is a single statement that is valid
    whatever the deal's state (conditions are in SQL), so no operation fails. Thirty
    organizations keep each one's row-version chain short: the whole run is one
    transaction, so no version of a row it updates can be pruned before the end."""

    def __init__(self, conn: psycopg.Connection, crm: Crm, rng: random.Random) -> None:
        self.conn, self.rng = conn, rng
        self.owner = crm.user("seller")
        self.pipeline = crm.pipeline()
        self.organizations = [crm.organization(self.owner) for _ in range(30)]
        self.products = [crm.product() for _ in range(4)]
        self.loss_reason = rows(conn, "select id from public.loss_reasons limit 1")[0]["id"]
        self.deals: list[uuid.UUID] = []
        self.operations: dict[str, tuple[int, Callable[[], None]]] = {
            "insert": (12, self.insert),
            "win": (10, self.win),
            "reopen": (5, self.reopen),
            "lose": (5, self.lose),
            "change value": (10, self.change_value),
            "move stage": (5, self.move_stage),
            "move organization": (8, self.move_organization),
            "soft delete": (5, self.soft_delete),
            "restore": (5, self.restore),
            "delete": (3, self.delete),
            "add product": (10, self.add_product),
            "change product": (8, self.change_product),
            "delete product": (5, self.delete_product),
            "win many": (1, self.win_many),
            "move many": (1, self.move_many),
        }

    def run(self, count: int, check: Callable[[int], None]) -> dict[str, int]:
        names = list(self.operations)
        weights = [self.operations[name][0] for name in names]
        done = dict.fromkeys(names, 0)
        for start in range(0, count, CHECK_EVERY):
            # Statements are pipelined (none fails, so none needs its result before
            # the next is sent), then the invariant is checked.
            with self.conn.pipeline():
                for _ in range(min(CHECK_EVERY, count - start)):
                    name = self.rng.choices(names, weights)[0] if self.deals else "insert"
                    self.operations[name][1]()
                    done[name] += 1
            check(start + CHECK_EVERY)
        return done

    # -- helpers -------------------------------------------------------------------

    def exec(self, query: str, params: list[object]) -> None:
        self.conn.execute(query, params)

    def deal(self) -> uuid.UUID:
        return self.rng.choice(self.deals)

    def organization(self) -> uuid.UUID | None:
        return None if self.rng.random() < 0.1 else self.rng.choice(self.organizations)

    def money(self) -> Decimal:
        return Decimal(self.rng.randint(0, 5_000_000)) / 100

    # -- operations ----------------------------------------------------------------

    def insert(self) -> None:
        deal_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        status = self.rng.choices(["open", "won", "lost"], [6, 3, 1])[0]
        self.exec(
            "insert into public.deals (id, title, pipeline_id, stage_id, owner_id, "
            "organization_id, value, status, loss_reason_id, deleted_at) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                deal_id,
                f"Negócio {len(self.deals)}",
                self.pipeline.id,
                self.rng.choice(self.pipeline.stages),
                self.owner,
                self.organization(),
                self.money(),
                status,
                self.loss_reason if status == "lost" else None,
                None if self.rng.random() < 0.9 else "2025-01-01",
            ],
        )
        self.deals.append(deal_id)

    def win(self) -> None:
        self.exec("update public.deals set status = 'won' where id = %s", [self.deal()])

    def reopen(self) -> None:
        self.exec("update public.deals set status = 'open' where id = %s", [self.deal()])

    def lose(self) -> None:
        self.exec(
            "update public.deals set status = 'lost', loss_reason_id = %s where id = %s",
            [self.loss_reason, self.deal()],
        )

    def change_value(self) -> None:
        deal = self.deal()
        self.exec(
            "update public.deals set value = %s where id = %s and not exists "
            "(select from public.deal_products where deal_id = %s)",
            [self.money(), deal, deal],
        )

    def move_stage(self) -> None:
        self.exec(
            "update public.deals set stage_id = %s where id = %s",
            [self.rng.choice(self.pipeline.stages), self.deal()],
        )

    def move_organization(self) -> None:
        self.exec(
            "update public.deals set organization_id = %s where id = %s",
            [self.organization(), self.deal()],
        )

    def soft_delete(self) -> None:
        self.exec(
            "update public.deals set deleted_at = now() where id = %s and deleted_at is null",
            [self.deal()],
        )

    def restore(self) -> None:
        self.exec("update public.deals set deleted_at = null where id = %s", [self.deal()])

    def delete(self) -> None:
        deal = self.deal()
        self.deals.remove(deal)
        self.exec("delete from public.deals where id = %s", [deal])

    def add_product(self) -> None:
        quantity = Decimal(self.rng.randint(1, 400)) / 4
        unit_price = self.money()
        if self.rng.random() < 0.5:
            discount, kind = Decimal(self.rng.randint(0, 100)), "percentage"
        else:
            discount, kind = (
                (quantity * unit_price * Decimal(self.rng.random())).quantize(
                    Decimal("0.01"), rounding="ROUND_DOWN"
                ),
                "value",
            )
        self.exec(
            "insert into public.deal_products (deal_id, product_id, quantity, "
            "unit_price, discount, discount_type) select id, %s, %s, %s, %s, %s "
            "from public.deals where id = %s",
            [self.rng.choice(self.products), quantity, unit_price, discount, kind, self.deal()],
        )

    def change_product(self) -> None:
        self.exec(
            "update public.deal_products set quantity = %s, discount = 0 where id = "
            "(select id from public.deal_products where deal_id = %s order by id "
            "limit 1)",
            [self.rng.randint(1, 20), self.deal()],
        )

    def delete_product(self) -> None:
        self.exec(
            "delete from public.deal_products where id = (select id from "
            "public.deal_products where deal_id = %s order by id limit 1)",
            [self.deal()],
        )

    def win_many(self) -> None:
        self.exec(
            "update public.deals set status = 'won' where organization_id = %s and status = 'open'",
            [self.rng.choice(self.organizations)],
        )

    def move_many(self) -> None:
        source, target = self.rng.sample(self.organizations, 2)
        self.exec(
            "update public.deals set organization_id = %s where organization_id = %s",
            [target, source],
        )


def test_random_operations_keep_every_organization_total(db, crm, as_service_role):
    world = RandomSales(db, crm, random.Random(SEED))

    def check(step: int) -> None:
        assert revenue_mismatches(db) == [], f"after {step} operations"
        assert value_mismatches(db) == [], f"after {step} operations"

    done = world.run(OPERATIONS, check)

    assert min(done.values()) > 0, done
    assert revenue_mismatches(db) == []
    assert value_mismatches(db) == []
    # Not a vacuous pass: there is revenue to keep right, and nothing for a full
    # recomputation to correct.
    totals = rows(
        db,
        "select count(*) filter (where won_deals_count > 0) as organizations, "
        "sum(won_deals_count) as won from public.organizations "
        "where id = any(%s)",
        [world.organizations],
    )[0]
    assert totals["organizations"] >= 20 and totals["won"] >= 50, totals
    with as_service_role():
        assert db.execute("select public.recompute_organization_revenue()").fetchone() == (0,)
