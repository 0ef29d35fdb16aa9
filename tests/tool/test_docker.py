"""The opt-in Docker path (docs/design.md: Local Postgres): the real `supabase/postgres` image, no stand-in."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from schemactl import api
from schemactl.config import load_project
from schemactl.pg.containers import docker_available, supabase_container
from schemactl.testing import acting_as, user_claims
from tests.support.projects import copy_fixture_project

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(
        not docker_available(),
        reason="Docker is not running (needed for the supabase/postgres image)",
    ),
]


def test_schema_applies_to_supabase_postgres_without_the_standin(tmp_path: Path) -> None:
    project = load_project(copy_fixture_project("tiny", tmp_path / "tiny"))
    with supabase_container() as server:
        url = server.url("postgres")
        result = api.up(project, url)
        assert (result.standin_installed, result.statements_applied, result.seed_statements) == (
            False,
            14,
            1,
        )
        with psycopg.connect(url) as conn:
            owner = conn.execute(
                "select tableowner from pg_tables where tablename = 'notes'"
            ).fetchone()
            assert owner == ("postgres",)
            user = conn.execute(
                "insert into auth.users (id, email) values (%s, %s) returning id",
                [uuid.uuid4(), "ana@example.test"],
            ).fetchone()
            assert user is not None
            conn.execute("insert into public.notes (owner_id, body) values (%s, 'mine')", [user[0]])
            with acting_as(conn, "authenticated", user_claims(user[0])):
                assert conn.execute("select body from public.notes").fetchall() == [("mine",)]
            with acting_as(conn, "authenticated", user_claims(uuid.uuid4())):
                assert conn.execute("select body from public.notes").fetchall() == []
