"""`schemactl ARGS` run in this process, through the real entry point."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from schemactl.cli import main


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], cwd: Path | None = None) -> CliResult:
    """`schemactl ARGS` in this process, through the real entry point (so errors are
    mapped to `error: …` and exit codes exactly as on the command line); in ``cwd`` when
    given."""
    runner = CliRunner()
    previous = Path.cwd()
    with runner.isolation() as streams:
        stdout, stderr = streams[0], streams[1]
        exit_code = 0
        try:
            if cwd is not None:
                os.chdir(cwd)
            main(args)
        except SystemExit as exc:
            exit_code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.chdir(previous)
        return CliResult(exit_code, _text(stdout), _text(stderr))


def _text(stream: io.BytesIO | None) -> str:
    return stream.getvalue().decode("utf-8") if stream is not None else ""
