"""End-to-end webhook tests: the real `schemactl webhooks` commands as subprocesses, a
committed database, and real HTTP receivers on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemactl.testing.session import CommittedDatabase

from .receiver import Receiver, running_receiver

SCHEMACTL = str(Path(sys.executable).parent / "schemactl")


class Webhooks:
    def __init__(self, database: CommittedDatabase) -> None:
        self.database = database
        self.db = database.connection

    def command(self, *args: str) -> list[str]:
        return [SCHEMACTL, "webhooks", *args, "--db-url", self.database.url]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}: {result.stderr}")
        return result

    def add(self, url: str, events: str = "deal.won", *extra: str) -> dict[str, Any]:
        added: dict[str, Any] = json.loads(
            self.run("add", url, "--events", events, "--json", "--allow-private", *extra).stdout
        )
        return added

    def event(self, event_type: str = "deal.won") -> str:
        event_id = uuid.uuid4()
        self.db.execute(
            "insert into public.webhook_events (id, event_type, aggregate_type, aggregate_id, "
            "payload) values (%s, %s, 'deal', gen_random_uuid(), %s)",
            [event_id, event_type, psycopg.types.json.Jsonb({"event_id": str(event_id)})],
        )
        return str(event_id)

    def events(self, count: int, event_type: str = "deal.won") -> list[str]:
        ids = [str(uuid.uuid4()) for _ in range(count)]
        self.db.execute(
            "insert into public.webhook_events (id, event_type, aggregate_type, aggregate_id, "
            "payload) select i, %s, 'deal', gen_random_uuid(), jsonb_build_object('event_id', i) "
            "from unnest(%s::uuid[]) as i",
            [event_type, ids],
        )
        return ids

    def dispatch_once(self, *extra: str) -> str:
        return self.run("dispatch", "--once", "--allow-private", *extra).stdout

    def status(self) -> dict[str, dict[str, Any]]:
        return {str(r["id"]): r for r in json.loads(self.run("status", "--json").stdout)}

    def delivery(self, event_id: str, endpoint_id: str) -> dict[str, Any]:
        with self.db.cursor(row_factory=psycopg.rows.dict_row) as cur:
            row = cur.execute(
                "select * from public.webhook_deliveries where event_id = %s and endpoint_id = %s",
                [event_id, endpoint_id],
            ).fetchone()
        assert row is not None
        return row


@pytest.fixture
def webhooks(committed_db: CommittedDatabase) -> Webhooks:
    return Webhooks(committed_db)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running
