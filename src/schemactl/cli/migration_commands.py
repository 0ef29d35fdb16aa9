"""`diff`, `apply`, `status`, `drift`: migrations written, applied and compared."""

from __future__ import annotations

from collections import Counter

import click

from schemactl import api
from schemactl.cli.options import (
    Context,
    db_url_option,
    pass_context,
    scratch_server_option,
)
from schemactl.cli.output import console, results_table
from schemactl.errors import CheckFailed
from schemactl.migrations.apply import State
from schemactl.migrations.timeouts import resolve_timeouts


@click.command("diff")
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
    A FOREIGN KEY, CHECK or NOT NULL added to an existing table is written NOT VALID, and
    validated by a second file, <version + 1>_NAME_validate.sql, in a transaction of its
    own (docs/migrations.md).

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
        replayed = api.diff_check(ctx.project, server_url=server_url)
        console.print(f"supabase/migrations/ ({replayed} migrations) matches schema/")
        return
    if not name:
        raise click.UsageError(
            "NAME is required unless --check, e.g. `schemactl diff add_deal_notes`"
        )
    result = api.diff(
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
    if result.follow_up is not None:
        console.print(
            f"wrote {ctx.project.relative(result.follow_up)}: it validates the constraints "
            "the first adds NOT VALID, in a transaction of its own; commit both"
        )


@click.command("apply")
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
    result = api.apply(
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


@click.command("status")
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
    statuses = api.status(ctx.project, db_url)
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


@click.command("drift")
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
    found = api.drift(ctx.project, db_url, shadow_url=server_url)
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
