"""How long-running commands report progress, without knowing how it is shown: the CLI
passes a rich-backed implementation (`schemactl.cli.output.progress`), everything else the no-op."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def phase(self, description: str, total: int | None = None) -> None:
        """Start the next phase of the work; ``total`` steps when known."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps of the current phase are done."""


class NullProgress:
    def phase(self, description: str, total: int | None = None) -> None:
        del description, total

    def advance(self, steps: int = 1) -> None:
        del steps


NO_PROGRESS: Progress = NullProgress()
