"""`up`, `down`, `reset`, `seed`: the local database under .schemactl/."""

from __future__ import annotations

import click

from schemactl import api
from schemactl.cli.options import Context, db_url_option, grant_mode_option, pass_context
from schemactl.cli.output import console, err_console, progress, summary
from schemactl.config import Project
from schemactl.errors import CheckFailed
from schemactl.pg.databases import GrantMode


@click.command("up")
@db_url_option
@grant_mode_option
@pass_context
def up_command(ctx: Context, db_url: str | None, grant_mode: GrantMode) -> None:
    """Start (or reuse) the local database with the schema and seeds; print its URL.
    When schema/ has changes that no migration has, say so on stderr (the database gets
    the migrations, not schema/).

    \b
    Example:
        schemactl up
        psql "$(schemactl up | tail -1)"
    """
    with progress() as report:
        result = api.up(ctx.project, db_url, grant_mode, report)
    print_up(result)
    _warn_if_schema_has_no_migration(ctx.project, result)


def _warn_if_schema_has_no_migration(project: Project, result: api.UpResult) -> None:
    """The same comparison as `diff --check` (migrations replayed vs schema/ built, in
    shadow databases, never the database itself, whose grant mode may differ), on
    stderr so the URL stays the last line of stdout."""
    if not result.from_migrations:
        return
    from schemactl.migrations.from_schema import check_migrations

    try:
        check_migrations(project)
    except CheckFailed as difference:
        err_console.print(
            f"warning: the database has supabase/migrations/, but {difference.message}; "
            "run `schemactl diff NAME` to write the migration, then `schemactl up` again",
            markup=False,
        )


@click.command("down")
@pass_context
def down_command(ctx: Context) -> None:
    """Stop the local database started by `schemactl up` (its data is kept).

    \b
    Example:
        schemactl down
    """
    stopped = api.down(ctx.project)
    console.print("local database stopped" if stopped else "local database was not running")


@click.command("reset")
@grant_mode_option
@pass_context
def reset_command(ctx: Context, grant_mode: GrantMode) -> None:
    """Delete the local database and bring up a fresh one.

    \b
    Example:
        schemactl reset
    """
    with progress() as report:
        result = api.reset(ctx.project, grant_mode, report)
    print_up(result)


@click.command("seed")
@db_url_option
@pass_context
def seed_command(ctx: Context, db_url: str | None) -> None:
    """Run seeds/*.sql (idempotent: running twice changes nothing).

    \b
    Example:
        schemactl seed --db-url postgresql://postgres@127.0.0.1:54322/postgres
    """
    count = api.seed(ctx.project, db_url)
    console.print(f"seeded ({count} statements)")


def print_up(result: api.UpResult) -> None:
    """The summary, then the URL alone on the last line (`schemactl up | tail -1`)."""
    console.print(
        summary(
            "local database",
            [
                ("server", f"{'created' if result.created else 'reused'}, {result.server}"),
                (
                    "stand-in",
                    "installed" if result.standin_installed else "already present / not needed",
                ),
                ("schema", _schema_line(result)),
                ("seeds", f"{result.seed_statements} statements"),
            ],
        )
    )
    click.echo(result.url)


def _schema_line(result: api.UpResult) -> str:
    if not result.from_migrations:
        return f"{result.statements_applied} statements applied"
    if not result.migrations_applied:
        return "migrations up to date"
    return f"{len(result.migrations_applied)} migration(s) applied: " + ", ".join(
        result.migrations_applied
    )
