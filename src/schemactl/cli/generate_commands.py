"""`docs`, `types`, `seed-sql`, `commands-doc`, `generate`: the committed generated files,
written or checked (--check)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from schemactl import api
from schemactl.cli.options import (
    Context,
    check_option,
    output_option,
    pass_context,
    scratch_server_option,
)
from schemactl.cli.output import console, progress, results_table
from schemactl.errors import CheckFailed
from schemactl.generate.command_reference import CommandDoc, CommandReference, OptionDoc
from schemactl.generate.sync import FileStatus


@click.command("docs")
@output_option("docs/schema.md")
@check_option
@scratch_server_option
@pass_context
def docs_command(ctx: Context, output: Path | None, check: bool, server_url: str | None) -> None:
    """Write docs/schema.md from the built schema: ER diagram, access matrix, policies.

    The schema is applied (on the Supabase stand-in) to a scratch database whose
    catalog is read: a Mermaid ER diagram of every table and foreign key, the access
    matrix (table × API role × SELECT/INSERT/UPDATE/DELETE, from grants, RLS and
    policies, with every policy's expressions), EXECUTE per function, and a section per
    table and view (columns, types, defaults, nullability, constraints, comments,
    indexes, triggers).

    \b
    Example:
        schemactl docs
        schemactl docs --check    # CI: exit 1 when docs/schema.md is stale

    \b
    Exit codes:
        1  --check: the file is missing or out of date (run `schemactl docs`)
    """
    _report_files([api.schema_docs(ctx.project, output, check=check, server_url=server_url)])


@click.command("types")
@output_option("types/database.types.ts")
@check_option
@scratch_server_option
@pass_context
def types_command(ctx: Context, output: Path | None, check: bool, server_url: str | None) -> None:
    """Write the TypeScript `Database` type of the API-exposed schemas.

    The shape `supabase gen types typescript` emits (Tables with Row/Insert/Update and
    Relationships, Views, Functions, Enums, CompositeTypes, the Tables<> helpers and
    Constants), read from the built schema's catalog. A CHECK limiting a text column to
    a list of values becomes an enum named <table>_<column>.

    \b
    Example:
        schemactl types
        schemactl types -o ../web/src/database.types.ts

    \b
    Exit codes:
        1  --check: the file is missing or out of date (run `schemactl types`)
    """
    _report_files([api.database_types(ctx.project, output, check=check, server_url=server_url)])


@click.command("seed-sql")
@output_option("supabase/seed.sql")
@check_option
@pass_context
def seed_sql_command(ctx: Context, output: Path | None, check: bool) -> None:
    """Write supabase/seed.sql from seeds/, for `supabase db reset`.

    \b
    Example:
        schemactl seed-sql
        schemactl seed-sql --check

    \b
    Exit codes:
        1  --check: the file is missing or out of date (run `schemactl seed-sql`)
    """
    _report_files([api.seed_sql(ctx.project, output, check=check)])


@click.command("commands-doc")
@output_option("docs/commands.md")
@check_option
@pass_context
def commands_doc_command(ctx: Context, output: Path | None, check: bool) -> None:
    """Write docs/commands.md, the command reference, from the CLI itself.

    Every command needs a docstring with a summary and an `Example:` block (and an
    `Exit codes:` block when it can exit 1); a command without them is an error.

    \b
    Example:
        schemactl commands-doc

    \b
    Exit codes:
        1  a command lacks help or an example; --check: the file is out of date
    """
    _report_files([api.commands_doc(ctx.project, command_reference(), output, check=check)])


@click.command("generate")
@check_option
@scratch_server_option
@pass_context
def generate_command(ctx: Context, check: bool, server_url: str | None) -> None:
    """Regenerate every generated file: docs/schema.md, types, seed.sql, commands.md.

    One scratch database serves the schema document and the types. Run it after
    changing schema/, seeds/ or a command; CI runs each check separately.

    \b
    Example:
        schemactl generate
        schemactl generate --check    # pre-commit: exit 1 when any file is stale

    \b
    Exit codes:
        1  --check: a generated file is missing or out of date
    """
    with progress() as report:
        statuses = api.generate(
            ctx.project, command_reference(), check=check, server_url=server_url, progress=report
        )
    _report_files(statuses)


def _report_files(statuses: list[FileStatus]) -> None:
    """One line per file (a table for several), the diffs of stale ones, and exit 1 when
    a check failed."""
    if len(statuses) == 1:
        status = statuses[0]
        if not status.state.failed_check:
            console.print(f"{status.path}: {status.state.value}", markup=False)
    else:
        console.print(
            results_table(
                ["file", "state", "regenerate with"],
                ([s.path, s.state.value, s.command] for s in statuses),
                title="generated files",
            )
        )
    failed = [s for s in statuses if s.state.failed_check]
    for status in failed:
        if status.diff:
            click.echo(status.diff, nl=not status.diff.endswith("\n"))
    if failed:
        raise CheckFailed(
            "; ".join(f"{s.path} is {s.state.value}" for s in failed),
            hint="run "
            + ", ".join(dict.fromkeys(f"`{s.command}`" for s in failed))
            + " and commit the result",
        )


def command_reference(root: click.Group | None = None) -> CommandReference:
    """What the CLI says about itself (every command, subcommands of groups included),
    for docs/commands.md. `root` defaults to the group of the command running now."""
    if root is None:
        running = click.get_current_context().find_root().command
        assert isinstance(running, click.Group)
        root = running
    root_ctx = click.Context(root, info_name="schemactl")
    return CommandReference(
        program="schemactl",
        help=root.help or "",
        global_options=_option_docs(root, root_ctx),
        commands=tuple(_command_docs(root, root_ctx)),
    )


def _command_docs(group: click.Group, parent: click.Context) -> Iterator[CommandDoc]:
    for name in sorted(group.list_commands(parent)):
        command = group.get_command(parent, name)
        if command is None or command.hidden:
            continue
        ctx = click.Context(command, info_name=name, parent=parent)
        if isinstance(command, click.Group):
            yield from _command_docs(command, ctx)
            continue
        yield CommandDoc(
            name=ctx.command_path.removeprefix("schemactl "),
            usage=" ".join([ctx.command_path, *command.collect_usage_pieces(ctx)]),
            help=command.help or "",
            options=_option_docs(command, ctx),
        )


def _option_docs(command: click.Command, ctx: click.Context) -> tuple[OptionDoc, ...]:
    records = (
        param.get_help_record(ctx)
        for param in command.get_params(ctx)
        if "--help" not in param.opts
    )
    return tuple(OptionDoc(flags, text) for flags, text in (r for r in records if r))
