"""Terminal output of the CLI, with rich: the consoles, a progress display for long work,
and tables for summaries. Used only by the cli package (the layers below it return values and
report progress through `schemactl.progress.Progress`).

    with progress() as report:                     # live on a terminal, silent otherwise
        result = commands.up(project, progress=report)
    console.print(summary("local database", [("server", "created"), ...]))
    console.print(results_table(["file", "state"], rows, title="generated files"))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from schemactl.progress import NO_PROGRESS, Progress

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class RichProgressReporter:
    """`schemactl.progress.Progress` on a rich live display: one line per phase, a bar
    when the phase knows its total."""

    def __init__(self, display: RichProgress) -> None:
        self._display = display
        self._task: TaskID | None = None

    def phase(self, description: str, total: int | None = None) -> None:
        self._finish()
        self._task = self._display.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._display.advance(self._task, steps)

    def _finish(self) -> None:
        if self._task is not None:
            task = self._display.tasks[self._task]
            self._display.update(
                self._task,
                total=task.total or task.completed or 1,
                completed=task.total or task.completed or 1,
            )

    def close(self) -> None:
        self._finish()


@contextmanager
def progress(target: Console | None = None) -> Iterator[Progress]:
    """A progress reporter on ``target`` (stderr by default, so stdout stays for
    results); on anything but a terminal it reports nothing."""
    target = target or err_console
    if not target.is_terminal:
        yield NO_PROGRESS
        return
    display = RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=target,
        transient=True,
    )
    reporter = RichProgressReporter(display)
    with display:
        try:
            yield reporter
        finally:
            reporter.close()


def summary(title: str, rows: Iterable[tuple[str, str]]) -> Table:
    """A two-column key/value table, e.g. what `up` did."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, Text(value))
    return table


def results_table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, title: str | None = None
) -> Table:
    """A table of results (one row per item), cells taken literally (no rich markup)."""
    table = Table(title=title, title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


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
