"""Helpers shared by the lint tests (a module of its own: `conftest` is ambiguous when
several test folders have one)."""

from __future__ import annotations

from schemactl.lint import Finding


def codes_at(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    """(code, file, line, col) of each finding, the way the tests compare them."""
    return [(f.code, f.file, f.line, f.col) for f in findings]
