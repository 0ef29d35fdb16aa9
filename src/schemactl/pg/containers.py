"""Opt-in: test databases in a `supabase/postgres` container (testcontainers, Docker)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from schemactl.errors import SchemactlError
from schemactl.pg.server import ExternalServer

SUPABASE_IMAGE = "supabase/postgres:15.8.1.085"
PASSWORD = "postgres"


def docker_available() -> bool:
    """Whether a Docker engine answers (the client alone is not enough)."""
    try:
        import docker  # type: ignore[import-untyped]  # docker ships no type information

        docker.from_env().ping()
    except Exception:
        return False
    return True


@contextmanager
def supabase_container(image: str = SUPABASE_IMAGE) -> Iterator[ExternalServer]:
    """A supabase/postgres container; its `auth` schema is the real one, so the
    stand-in is not installed there."""
    if not docker_available():
        raise SchemactlError("Docker is not running", hint="start Docker or drop --docker")
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer(
        image, username="supabase_admin", password=PASSWORD, dbname="postgres", driver=None
    )
    with container:
        yield ExternalServer(container.get_connection_url())
