"""`build` and `lint`: schema/ read, ordered and checked, without a database."""

from __future__ import annotations

from pathlib import Path

import click

from schemactl import api
from schemactl.cli.options import Context, pass_context
from schemactl.cli.output import console
from schemactl.errors import CheckFailed
from schemactl.lint import FORMATS, render


@click.command("build")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the script here instead of standard output.",
)
@pass_context
def build_command(ctx: Context, output: Path | None) -> None:
    """Parse schema/, order it by dependencies and write one SQL script.

    \b
    Example:
        schemactl build -o build.sql
    """
    result = api.build_schema(ctx.project, output)
    if output is None:
        click.echo(result.sql, nl=False)
    else:
        console.print(f"wrote {output} ({len(result.statements)} statements)")


@click.command("lint")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: `file:line:col CODE message`; json: a list of objects; github: "
    "GitHub Actions `::error` annotations.",
)
@pass_context
def lint_command(ctx: Context, fmt: str) -> None:
    """Lint schema/ and seeds/: sqlfluff style plus the structural rules SC001-SC015.

    sqlfluff runs with the postgres dialect and [tool.sqlfluff] from pyproject.toml;
    the structural rules (RLS, policies, SECURITY DEFINER functions, foreign key
    indexes, column types, views, updated_at triggers) run on the built schema. A
    finding is waived only by a comment on the object's statement:
    `-- schemactl: allow SC0NN because <reason>` (sqlfluff: `-- noqa: CODE`).
    SC015 reads supabase/migrations/ and supabase/seed.sql: a statement the Supabase
    CLI would split differently from PostgreSQL (not waivable).
    Findings go to standard output, notes and the summary to standard error.

    \b
    Example:
        schemactl lint
        schemactl lint --format github    # annotations in a GitHub Actions log

    \b
    Exit codes:
        1  there are findings
        2  a file cannot be parsed, or the configuration is invalid
    """
    report = api.lint(ctx.project)
    for note in report.notes:
        click.echo(f"note: {note.file}:{note.line}:{note.col} {note.message}", err=True)
    click.echo(render(report.findings, fmt), nl=False)
    if report.findings:
        count = len(report.findings)
        raise CheckFailed(
            f"{count} lint finding{'s' if count != 1 else ''}",
            hint="fix them, or waive a structural one with "
            "`-- schemactl: allow SC0NN because <reason>` (docs/lint.md)",
        )
    click.echo("lint: no findings", err=True)
