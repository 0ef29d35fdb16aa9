"""The command line: parses options, calls `schemactl.commands`, prints, maps errors to
exit codes (0 ok, 1 findings or failed check, 2 usage or input error)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
from rich.console import Console

from schemactl import commands
from schemactl.config import Project, load_project
from schemactl.databases import GRANT_MODES
from schemactl.errors import SchemactlError

console = Console(highlight=False, soft_wrap=True)

db_url_option = click.option(
    "--db-url", envvar="SCHEMACTL_DB_URL", default=None, metavar="URL",
    help="Target database (env SCHEMACTL_DB_URL). Default: the local one from `schemactl up`.",
)
grant_mode_option = click.option(
    "--grant-mode", type=click.Choice(GRANT_MODES), default="legacy", show_default=True,
    help="Stand-in default privileges: Supabase's current `legacy` ones or `opt-in` (none).",
)


class Context:
    def __init__(self, project_dir: Path | None, show_traceback: bool) -> None:
        self.project_dir = project_dir
        self.show_traceback = show_traceback

    @property
    def project(self) -> Project:
        return load_project(self.project_dir)


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Project directory (default: found from the current one).")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show Python tracebacks.")
@click.version_option(package_name="schemactl")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, show_traceback: bool) -> None:
    """Database-as-code for Supabase: build, lint, diff, apply and test a declarative
    SQL schema.

    \b
    Example:
        schemactl up          # local database with the whole schema and seeds
    """
    ctx.obj = Context(project_dir, show_traceback)


@cli.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the script here instead of standard output.")
@pass_context
def build_command(ctx: Context, output: Path | None) -> None:
    """Parse schema/, order it by dependencies and write one SQL script.

    \b
    Example:
        schemactl build -o build.sql
    """
    result = commands.build_schema(ctx.project, output)
    if output is None:
        click.echo(result.sql, nl=False)
    else:
        console.print(f"wrote {output} ({len(result.statements)} statements)")


@cli.command("up")
@db_url_option
@grant_mode_option
@pass_context
def up_command(ctx: Context, db_url: str | None, grant_mode: str) -> None:
    """Start (or reuse) the local database with the schema and seeds; print its URL.

    \b
    Example:
        schemactl up
        psql "$(schemactl up | tail -1)"
    """
    _print_up(commands.up(ctx.project, db_url, grant_mode))  # type: ignore[arg-type]


@cli.command("down")
@pass_context
def down_command(ctx: Context) -> None:
    """Stop the local database started by `schemactl up` (its data is kept).

    \b
    Example:
        schemactl down
    """
    stopped = commands.down(ctx.project)
    console.print("local database stopped" if stopped else "local database was not running")


@cli.command("reset")
@grant_mode_option
@pass_context
def reset_command(ctx: Context, grant_mode: str) -> None:
    """Delete the local database and bring up a fresh one.

    \b
    Example:
        schemactl reset
    """
    _print_up(commands.reset(ctx.project, grant_mode))  # type: ignore[arg-type]


@cli.command("seed")
@db_url_option
@pass_context
def seed_command(ctx: Context, db_url: str | None) -> None:
    """Run seeds/*.sql (idempotent: running twice changes nothing).

    \b
    Example:
        schemactl seed --db-url postgresql://postgres@127.0.0.1:54322/postgres
    """
    count = commands.seed(ctx.project, db_url)
    console.print(f"seeded ({count} statements)")


def _print_up(result: commands.UpResult) -> None:
    what = "created" if result.created else "reused"
    console.print(f"server: {what}, {result.server}")
    console.print(
        "stand-in: " + ("installed" if result.standin_installed else "already present / not needed")
    )
    console.print(f"schema: {result.statements_applied} statements applied")
    console.print(f"seeds: {result.seed_statements} statements")
    click.echo(result.url)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI, turning SchemactlError into `error: …` and its exit code."""
    try:
        cli.main(args=argv, prog_name="schemactl", standalone_mode=False)
    except SchemactlError as exc:
        if "--traceback" in (argv if argv is not None else sys.argv):
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
