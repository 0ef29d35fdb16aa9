"""Helpers for the tool's own tests: fixture projects, the CLI run in-process, and a
look at the machine's postgres processes."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from schemactl.cli import main

FIXTURE_PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def copy_fixture_project(name: str, destination: Path) -> Path:
    """A copy of `tests/fixtures/projects/<name>` at ``destination`` (returned)."""
    shutil.copytree(FIXTURE_PROJECTS / name, destination)
    return destination


def write_project(root: Path, files: dict[str, str], external: list[str] | None = None) -> Path:
    """A project made of ``files`` (path relative to root -> text, dedented)."""
    root.mkdir(parents=True, exist_ok=True)
    quoted = ", ".join(f'"{entry}"' for entry in external or [])
    (root / "pyproject.toml").write_text(f"[tool.schemactl]\nexternal = [{quoted}]\n")
    write_files(root, files)
    (root / "schema").mkdir(exist_ok=True)
    return root


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``files`` (path relative to root -> text, dedented) written under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], cwd: Path | None = None) -> CliResult:
    """`schemactl ARGS` in this process, through the real entry point (so errors are
    mapped to `error: …` and exit codes exactly as on the command line)."""
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


@dataclass(frozen=True)
class Process:
    pid: int
    uid: int
    cmdline: list[str]


def postgres_processes() -> list[Process]:
    """Every process on the machine whose program is `postgres`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        words = [part.decode(errors="replace") for part in cmdline if part]
        if not words or Path(words[0]).name != "postgres":
            continue
        uid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Uid:"))
        found.append(Process(int(entry.name), uid, words))
    return found


def processes_using(data_dir: Path) -> list[Process]:
    """postgres processes whose command line names ``data_dir``."""
    return [p for p in postgres_processes() if str(data_dir) in p.cmdline]
