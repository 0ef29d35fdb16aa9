"""What a command plugin's click commands use from the core CLI: the context, the shared
options and the terminal output. A plugin imports the core through this module and
`schemactl.api` only (docs/architecture.md, Command plugins)."""

from __future__ import annotations

from schemactl.cli.options import Context, db_url_option, pass_context
from schemactl.cli.output import console, print_table, progress, results_table, summary
from schemactl.cli.plugins import COMMANDS_ENTRY_POINT_GROUP

__all__ = [
    "COMMANDS_ENTRY_POINT_GROUP",
    "Context",
    "console",
    "db_url_option",
    "pass_context",
    "print_table",
    "progress",
    "results_table",
    "summary",
]
