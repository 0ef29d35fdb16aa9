"""The command line: parses options, calls `schemactl.api`, prints, maps errors to exit
codes (0 ok, 1 findings or failed check, 2 usage or input error).

Commands live in modules by what they work on (`source_commands`, `local_commands`,
`generate_commands`, `migration_commands`); plugins add theirs through entry points
(`plugins`)."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
import psycopg

from schemactl.cli import generate_commands, local_commands, migration_commands, source_commands
from schemactl.cli.options import Context, db_url_option, pass_context
from schemactl.cli.output import print_table
from schemactl.cli.plugins import PluginGroup
from schemactl.errors import SchemactlError
from schemactl.generate.command_reference import CommandReference
from schemactl.pg.failures import server_message

__all__ = [
    "Context",
    "cli",
    "command_reference",
    "db_url_option",
    "main",
    "pass_context",
    "print_table",
]


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project directory (default: found from the current one).",
)
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


for module in (source_commands, local_commands, generate_commands, migration_commands):
    for command in vars(module).values():
        if isinstance(command, click.Command):
            cli.add_command(command)


def command_reference() -> CommandReference:
    """What the CLI says about itself, for docs/commands.md."""
    return generate_commands.command_reference(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI, turning SchemactlError into `error: …` and its exit code."""
    try:
        cli.main(args=argv, prog_name="schemactl", standalone_mode=False)
    except SchemactlError as exc:
        if "--traceback" in (argv if argv is not None else sys.argv):
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except psycopg.Error as exc:  # a database error no command turned into a message
        click.echo(f"error: the database refused: {server_message(exc)}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
