"""The command line: parses options, calls `schemactl.commands`, prints, maps errors to
exit codes (0 ok, 1 findings or failed check, 2 usage or input error)."""

from __future__ import annotations

import os
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import psycopg
from click.core import ParameterSource
from rich.console import Console

from schemactl import commands
from schemactl.apply_timeouts import resolve_timeouts
from schemactl.cli.output import console, err_console, progress, results_table, summary
from schemactl.config import Project, load_project
from schemactl.errors import CheckFailed, SchemactlError
from schemactl.generate.command_reference import CommandDoc, CommandReference, OptionDoc
from schemactl.generate.sync import FileStatus
from schemactl.lint import FORMATS, render
from schemactl.migrations.apply import State
from schemactl.pg.databases import GRANT_MODES
from schemactl.plugins import PluginGroup
from schemactl.urls import check_url

DB_URL_ENV = "SCHEMACTL_DB_URL"
DEV_URL_ENV = "SCHEMACTL_DEV_URL"


def _checked_url(envvar: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A callback refusing an empty or malformed URL, naming where it came from. An
    empty environment variable is refused too (click would ignore it and fall back to
    the local database: `SCHEMACTL_DB_URL=$UNSET_VARIABLE` must not apply locally)."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        source = param.opts[0]
        if ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT:
            source = envvar
        if value is None and envvar in os.environ:
            return check_url(os.environ[envvar], envvar)
        return None if value is None else check_url(value, source)

    return check


db_url_option = click.option(
    "--db-url",
    envvar=DB_URL_ENV,
    default=None,
    metavar="URL",
    callback=_checked_url(DB_URL_ENV),
    help="Target database (env SCHEMACTL_DB_URL). Default: the local one from `schemactl up`.",
)
grant_mode_option = click.option(
    "--grant-mode",
    type=click.Choice(GRANT_MODES),
    default="legacy",
    show_default=True,
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


@cli.command("build")
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
    result = commands.build_schema(ctx.project, output)
    if output is None:
        click.echo(result.sql, nl=False)
    else:
        console.print(f"wrote {output} ({len(result.statements)} statements)")


@cli.command("lint")
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
    """Lint schema/ and seeds/: sqlfluff style plus the structural rules SC001-SC014.

    sqlfluff runs with the postgres dialect and [tool.sqlfluff] from pyproject.toml;
    the structural rules (RLS, policies, SECURITY DEFINER functions, foreign key
    indexes, column types, views, updated_at triggers) run on the built schema. A
    finding is waived only by a comment on the object's statement:
    `-- schemactl: allow SC0NN because <reason>` (sqlfluff: `-- noqa: CODE`).
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
    report = commands.lint(ctx.project)
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


@cli.command("up")
@db_url_option
@grant_mode_option
@pass_context
def up_command(ctx: Context, db_url: str | None, grant_mode: str) -> None:
    """Start (or reuse) the local database with the schema and seeds; print its URL.
    When schema/ has changes that no migration has, say so on stderr (the database gets
    the migrations, not schema/).

    \b
    Example:
        schemactl up
        psql "$(schemactl up | tail -1)"
    """
    with progress() as report:
        result = commands.up(ctx.project, db_url, grant_mode, report)  # type: ignore[arg-type]
    _print_up(result)
    _warn_if_schema_has_no_migration(ctx.project, result)


def _warn_if_schema_has_no_migration(project: Project, result: commands.UpResult) -> None:
    """The same comparison as `diff --check` (migrations replayed vs schema/ built, in
    shadow databases, never the database itself, whose grant mode may differ), on
    stderr so the URL stays the last line of stdout."""
    if not result.from_migrations:
        return
    from schemactl.migrations.generate import check_migrations

    try:
        check_migrations(project)
    except CheckFailed as difference:
        err_console.print(
            f"warning: the database has supabase/migrations/, but {difference.message}; "
            "run `schemactl diff NAME` to write the migration, then `schemactl up` again",
            markup=False,
        )


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
    with progress() as report:
        result = commands.reset(ctx.project, grant_mode, report)  # type: ignore[arg-type]
    _print_up(result)


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


def print_table(headers: list[str], rows: list[list[str]], title: str) -> None:
    """A results table; off a terminal (CI logs, pipes) at its natural width, one line per
    row, so that what it names can be grepped."""
    table = results_table(headers, rows, title=title)
    if console.is_terminal:
        console.print(table)
        return
    columns = zip(headers, *rows, strict=True)
    width = sum(max(len(cell) for cell in column) + 3 for column in columns) + 1
    Console(file=console.file, width=max(width, len(title)), highlight=False).print(table)


scratch_server_option = click.option(
    "--dev-url",
    "server_url",
    envvar=DEV_URL_ENV,
    default=None,
    metavar="URL",
    callback=_checked_url(DEV_URL_ENV),
    help="Dev server (env SCHEMACTL_DEV_URL): make the scratch databases inside it (a "
    "superuser URL; they are created and dropped) instead of a throwaway local server.",
)
check_option = click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 (with a diff) when the file on disk is not what would be "
    "generated.",
)


def output_option(default: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Write here instead of {default}.",
    )


@cli.command("docs")
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
    _report_files([commands.schema_docs(ctx.project, output, check=check, server_url=server_url)])


@cli.command("types")
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
    _report_files(
        [commands.database_types(ctx.project, output, check=check, server_url=server_url)]
    )


@cli.command("seed-sql")
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
    _report_files([commands.seed_sql(ctx.project, output, check=check)])


@cli.command("commands-doc")
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
    _report_files([commands.commands_doc(ctx.project, command_reference(), output, check=check)])


@cli.command("generate")
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
        statuses = commands.generate(
            ctx.project, command_reference(), check=check, server_url=server_url, progress=report
        )
    _report_files(statuses)


@cli.command("diff")
@click.argument("name", required=False)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when supabase/migrations/ does not produce schema/ (the CI gate).",
)
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Write the migration even though it deletes data (drops a table or a "
    "column, narrows a type; a possible rename stays a drop and an add).",
)
@click.option(
    "--rename",
    "renames",
    metavar="TABLE.OLD=NEW",
    multiple=True,
    help="A column schema/ renamed (TABLE.OLD=NEW) or a table (TABLE=NEW; TABLE may be "
    "schema-qualified): written as ALTER … RENAME, the data kept. Repeatable.",
)
@scratch_server_option
@pass_context
def diff_command(
    ctx: Context,
    name: str | None,
    check: bool,
    allow_destructive: bool,
    renames: tuple[str, ...],
    server_url: str | None,
) -> None:
    """Write supabase/migrations/<timestamp>_NAME.sql: the change from the migrations to
    schema/, with a header listing changes, hazards and access changes per role.

    supabase/migrations/ is replayed in one shadow database and schema/ built in another
    (both on the Supabase stand-in); the migration is checked to reproduce schema/ exactly.

    \b
    A dropped column and an added one of the same type on one table (or a dropped table
    and an added one with the same columns) may be a rename: it is refused until
    --rename says it is one, or --allow-destructive that it is not.

    \b
    Example:
        schemactl diff add_deal_notes
        schemactl diff rename_phone --rename contacts.phone=phone_number
        schemactl diff --check          # CI: exit 1 when a migration is missing

    \b
    Exit codes:
        1  --check: supabase/migrations/ does not produce schema/
        2  bad NAME, data loss or a possible rename without --rename or
           --allow-destructive, or SQL that does not apply
    """
    if check and renames:
        raise click.UsageError("--rename writes a migration: it cannot go with --check")
    if check:
        replayed = commands.diff_check(ctx.project, server_url=server_url)
        console.print(f"supabase/migrations/ ({replayed} migrations) matches schema/")
        return
    if not name:
        raise click.UsageError(
            "NAME is required unless --check, e.g. `schemactl diff add_deal_notes`"
        )
    result = commands.diff(
        ctx.project,
        name,
        server_url=server_url,
        allow_destructive=allow_destructive,
        renames=renames,
    )
    if result.path is None:
        console.print("no changes: supabase/migrations/ already matches schema/ (nothing written)")
        return
    header = result.text.split("\n\n", 1)[0]
    click.echo(header)
    console.print(
        f"wrote {ctx.project.relative(result.path)} "
        f"({len(result.statements)} statements): review it, then commit it"
    )


@cli.command("apply")
@db_url_option
@click.option("--dry-run", is_flag=True, help="Show what would be applied; change nothing.")
@click.option(
    "--target", metavar="VERSION", default=None, help="Apply up to and including this version."
)
@click.option(
    "--include-all",
    is_flag=True,
    help="Also apply pending migrations older than the last applied one.",
)
@click.option(
    "--lock-timeout",
    metavar="DURATION",
    default=None,
    help="Give up waiting for a lock after this long (env SCHEMACTL_LOCK_TIMEOUT, "
    "[tool.schemactl.apply] lock_timeout; default 5s; 0: wait forever).",
)
@click.option(
    "--lock-retries",
    metavar="N",
    default=None,
    help="Retry a migration that hit the lock timeout N times (env SCHEMACTL_LOCK_RETRIES, "
    "[tool.schemactl.apply] lock_retries; default 3).",
)
@click.option(
    "--lock-retry-delay",
    metavar="DURATION",
    default=None,
    help="Wait before the first retry, doubled for each next one (env "
    "SCHEMACTL_LOCK_RETRY_DELAY, [tool.schemactl.apply] retry_delay; default 1s).",
)
@click.option(
    "--statement-timeout",
    metavar="DURATION",
    default=None,
    help="Fail a statement that runs longer (env SCHEMACTL_STATEMENT_TIMEOUT, "
    "[tool.schemactl.apply] statement_timeout; default 0: no limit).",
)
@pass_context
def apply_command(
    ctx: Context,
    db_url: str | None,
    dry_run: bool,
    target: str | None,
    include_all: bool,
    lock_timeout: str | None,
    lock_retries: str | None,
    lock_retry_delay: str | None,
    statement_timeout: str | None,
) -> None:
    """Apply pending supabase/migrations/ in version order, each in one transaction, under
    an advisory lock; history in supabase_migrations.schema_migrations (as the Supabase
    CLI keeps it). It first prints the target (host, port, database; never the password).

    Behind another session's lock a statement waits at most --lock-timeout; the
    migration is then rolled back and retried after --lock-retry-delay (doubling), each
    time naming the blocking sessions (pid, application_name, state, how long their
    transaction has been open). After the last retry apply stops with exit 2: that
    migration and the later ones are not applied, the earlier ones stay. Durations are
    written 500ms, 5s or 2min.

    \b
    Example:
        schemactl apply --db-url "$SUPABASE_DB_URL" --dry-run
        schemactl apply --db-url "$SUPABASE_DB_URL"
        schemactl apply --db-url "$SUPABASE_DB_URL" --lock-timeout 2s --lock-retries 5

    \b
    Exit codes:
        2  a migration failed (rolled back), could not take its locks after the retries,
           an applied one changed, or an unknown version
    """
    project = ctx.project
    timeouts = resolve_timeouts(
        {
            "lock_timeout": lock_timeout,
            "lock_retries": lock_retries,
            "retry_delay": lock_retry_delay,
            "statement_timeout": statement_timeout,
        },
        project.apply,
    )
    result = commands.apply(
        project,
        db_url,
        target=target,
        dry_run=dry_run,
        include_all=include_all,
        timeouts=timeouts,
        notify=_note,
    )
    verb = "would apply" if result.dry_run else "applied"
    for migration in result.applied:
        console.print(f"{verb} {migration.filename}")
    console.print(
        f"{verb} {len(result.applied)} migration(s); {len(result.up_to_date)} already applied"
    )


@cli.command("status")
@db_url_option
@pass_context
def status_command(ctx: Context, db_url: str | None) -> None:
    """Show each migration: applied, pending, changed since applied, or unknown (in the
    database, not in supabase/migrations/).

    \b
    Example:
        schemactl status --db-url "$SUPABASE_DB_URL"
        schemactl status && echo "up to date"

    \b
    Exit codes:
        0  every migration is applied and unchanged (or recorded by `supabase migration
           repair`, without statements to compare)
        1  a migration is pending, changed since applied, or unknown
    """
    statuses = commands.status(ctx.project, db_url)
    rows = [
        (s.version, s.name, s.state.value + (f": {s.detail}" if s.detail else "")) for s in statuses
    ]
    console.print(results_table(["version", "name", "state"], rows, title="migrations"))
    counts = Counter(s.state.value for s in statuses if s.state not in UP_TO_DATE)
    if counts:
        raise CheckFailed(
            "not up to date: " + ", ".join(f"{n} {state}" for state, n in counts.items()),
            hint="run `schemactl apply` for pending ones; an applied migration must not change",
        )


@cli.command("drift")
@db_url_option
@scratch_server_option
@pass_context
def drift_command(ctx: Context, db_url: str | None, server_url: str | None) -> None:
    """Print the DDL that would bring the database to schema/; exit 1 when there is drift.
    Only the schemas schema/ manages (and its triggers on auth.users) are compared.

    \b
    Example:
        schemactl drift --db-url "$SUPABASE_DB_URL"

    \b
    Exit codes:
        1  there is drift (the DDL is printed)
    """
    found = commands.drift(ctx.project, db_url, shadow_url=server_url)
    if found.empty:
        console.print("no drift: the database matches schema/")
        return
    click.echo("\n\n".join(found.statements))
    raise CheckFailed(
        f"drift: {len(found.statements)} statement(s) would bring the database to schema/",
        hint="put the change in a migration (`schemactl diff NAME`) or undo the manual change",
    )


UP_TO_DATE = (State.APPLIED, State.UNVERIFIED)


def _note(message: str) -> None:
    console.print(message, markup=False, highlight=False)


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


def command_reference() -> CommandReference:
    """What the CLI says about itself (every command, subcommands of groups included),
    for docs/commands.md."""
    root = click.Context(cli, info_name="schemactl")
    return CommandReference(
        program="schemactl",
        help=cli.help or "",
        global_options=_option_docs(cli, root),
        commands=tuple(_command_docs(cli, root)),
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


def _print_up(result: commands.UpResult) -> None:
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


def _schema_line(result: commands.UpResult) -> str:
    if not result.from_migrations:
        return f"{result.statements_applied} statements applied"
    if not result.migrations_applied:
        return "migrations up to date"
    return f"{len(result.migrations_applied)} migration(s) applied: " + ", ".join(
        result.migrations_applied
    )


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
        diag = exc.diag
        message = (diag.message_primary or str(exc)).strip().splitlines()[0]
        code = f" [{diag.sqlstate}]" if diag.sqlstate else ""
        click.echo(f"error: the database refused: {message}{code}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
