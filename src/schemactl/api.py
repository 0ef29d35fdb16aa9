"""The public, typed API for code outside the core package (plugins shipped alongside it).

A plugin imports the core through this module only. Commands are contributed through the
entry point group `schemactl.commands`: each entry point names a `click.Command` (or
group), added to `schemactl` under its own name (see docs/architecture.md).
"""

from __future__ import annotations

from schemactl.cli import Context, db_url_option, pass_context, print_table
from schemactl.cli.output import console, progress, results_table, summary
from schemactl.commands import act_as_owner, target_url
from schemactl.config import Project
from schemactl.errors import CheckFailed, SchemactlError
from schemactl.pg.databases import connect
from schemactl.plugins import COMMANDS_ENTRY_POINT_GROUP
from schemactl.progress import NO_PROGRESS, Progress

__all__ = [
    "COMMANDS_ENTRY_POINT_GROUP",
    "NO_PROGRESS",
    "CheckFailed",
    "Context",
    "Progress",
    "Project",
    "SchemactlError",
    "act_as_owner",
    "connect",
    "console",
    "db_url_option",
    "pass_context",
    "print_table",
    "progress",
    "results_table",
    "summary",
    "target_url",
]
