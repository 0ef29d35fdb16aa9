"""`schemactl lint`: sqlfluff style plus the structural rules SC001–SC015 (docs/lint.md).

The runner (and with it sqlfluff, a slow import) is loaded on first use, so commands
that do not lint start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemactl.lint.codes import RULES
from schemactl.lint.findings import FORMATS, Finding, Note, render

if TYPE_CHECKING:
    from schemactl.lint.run import LintReport, lint, run_lint, structural_findings

_RUNNER = ("LintReport", "lint", "run_lint", "structural_findings")

__all__ = [
    "FORMATS",
    "RULES",
    "Finding",
    "LintReport",
    "Note",
    "lint",
    "render",
    "run_lint",
    "structural_findings",
]


def __getattr__(name: str) -> Any:
    if name in _RUNNER:
        from schemactl.lint import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
