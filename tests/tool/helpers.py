"""Helpers for the tool's own tests: a look at the machine's postgres processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
