"""The `schemactl` console script: Ctrl-C while the CLI's modules are still loading
(psycopg, click, rich take a moment) ends with exit 130 and one line, as it does later."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from schemactl.cli import main as run_cli
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        sys.exit(130)
    run_cli()
