"""`schemactl lint`: sqlfluff style plus the structural rules SC001–SC013 (docs/lint.md)."""

from schemactl.lint.codes import RULES
from schemactl.lint.findings import FORMATS, Finding, Note, render
from schemactl.lint.run import LintReport, lint, run_lint, structural_findings

__all__ = [
    "FORMATS", "RULES", "Finding", "LintReport", "Note",
    "lint", "render", "run_lint", "structural_findings",
]
