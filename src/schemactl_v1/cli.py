"""The V1 commands, registered with schemactl through the entry point group
`schemactl.commands` (pyproject.toml): `migrate-v1`, `parity`, `dual-write enable|disable`."""

from __future__ import annotations

import click

from schemactl.api import CheckFailed
from schemactl.cli.plugin_kit import (
    Context,
    console,
    db_url_option,
    pass_context,
    print_table,
    progress,
    results_table,
    summary,
)
from schemactl_v1 import commands as v1_commands
from schemactl_v1.dual_write import DualWriteState


@click.command("migrate-v1")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Do everything in a transaction that is rolled back; report what would happen.",
)
@click.option(
    "--default-owner",
    metavar="EMAIL",
    default=None,
    help="V2 user who owns V1 opportunities whose owner_email matches no user "
    "(kept for re-runs and dual-write). Without it they are quarantined.",
)
@db_url_option
@pass_context
def migrate_v1(ctx: Context, dry_run: bool, default_owner: str | None, db_url: str | None) -> None:
    """Migrate STAGETEK V1 (schema v1) into V2, in one transaction.

    Every V1 row is migrated or quarantined (migration.v1_quarantine: the reason and the
    original row). Bulk-import mode: V1 dates are kept (São Paulo time), no webhook
    events. Idempotent: a re-run applies only new, changed or deleted V1 rows and
    retries the quarantine. See docs/migration-v1.md.

    \b
    Example:
        schemactl migrate-v1 --dry-run --default-owner admin@stagetek.com.br
    """
    with progress() as report:
        result = v1_commands.migrate_v1(
            ctx.project, db_url, default_owner=default_owner, dry_run=dry_run, progress=report
        )
    print_table(
        ["kind", "V1 rows", "migrated", "merged", "quarantined", "this run"],
        [
            [
                b.kind,
                str(b.v1_rows),
                str(b.migrated),
                str(b.merged),
                str(b.quarantined),
                f"{b.change:+d}" + (f", {b.reapplied} re-applied" if b.reapplied else ""),
            ]
            for b in result.books
        ],
        "V1 -> V2 (dry run: rolled back)" if result.dry_run else "V1 -> V2",
    )
    console.print(
        summary(
            "",
            [
                ("default owner", result.default_owner or "none (unknown owners are quarantined)"),
                ("time", f"{result.seconds:.1f} s"),
            ],
        )
    )


@click.command("parity")
@db_url_option
@pass_context
def parity(ctx: Context, db_url: str | None) -> None:
    """Compare V1 and V2; list every mismatch, naming the rows.

    V1 rows = migrated + quarantined per kind; each V1 row migrated or quarantined; value,
    status and organization of each deal; Σ value per status; each organization's
    total_revenue and won_deals_count vs the won V1 opportunities of the clients merged
    into it; product lines and totals; contacts. Read-only, one snapshot.

    \b
    Example:
        schemactl parity --db-url "$SUPABASE_DB_URL"

    \b
    Exit codes:
        1  V1 and V2 disagree (the mismatches are listed)
    """
    report = v1_commands.parity(ctx.project, db_url)
    print_table(
        ["kind", "V1 rows", "migrated", "merged", "quarantined"],
        [
            [b.kind, str(b.v1_rows), str(b.migrated), str(b.merged), str(b.quarantined)]
            for b in report.books
        ],
        "V1 -> V2 books",
    )
    if report.ok:
        console.print("parity: V1 and V2 agree")
        return
    print_table(
        ["check", "rows", "field", "V1 (expected)", "V2 (actual)"],
        [
            [m.check, m.subject, m.field, m.expected or "∅", m.actual or "∅"]
            for m in report.mismatches
        ],
        "mismatches",
    )
    raise CheckFailed(f"parity: {len(report.mismatches)} mismatch(es) between V1 and V2")


@click.group("dual-write")
def dual_write() -> None:
    """Mirror V1 writes into V2 during the transition (triggers on the V1 tables).

    \b
    Example:
        schemactl dual-write enable
        schemactl dual-write disable
    """


@dual_write.command("enable")
@db_url_option
@pass_context
def dual_write_enable(ctx: Context, db_url: str | None) -> None:
    """Mirror every V1 write into V2 (triggers on the V1 tables).

    AFTER ROW triggers on v1.clients, v1.opportunities and v1.opportunity_products apply
    each INSERT/UPDATE/DELETE to V2 in the same transaction, with the mapping of
    migrate-v1; TRUNCATE of a V1 table is refused meanwhile. Idempotent. Rows written
    before it was enabled are picked up by a re-run of migrate-v1.

    \b
    Example:
        schemactl dual-write enable && schemactl migrate-v1
    """
    _print_dual_write(v1_commands.dual_write(ctx.project, True, db_url))


@dual_write.command("disable")
@db_url_option
@pass_context
def dual_write_disable(ctx: Context, db_url: str | None) -> None:
    """Remove the dual-write triggers: V1 writes are no longer mirrored. Idempotent.

    \b
    Example:
        schemactl dual-write disable
    """
    _print_dual_write(v1_commands.dual_write(ctx.project, False, db_url))


def _print_dual_write(state: DualWriteState) -> None:
    if not state.enabled:
        console.print("dual-write: disabled (no trigger on the V1 tables)")
        return
    console.print(
        results_table(
            ["table", "trigger"],
            ([f"v1.{table}", trigger] for table, trigger in state.triggers),
            title="dual-write: enabled",
        )
    )
