"""What `schemactl lint` reports, and the three ways it prints it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

FORMATS = ("text", "json", "github")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at ``file:line:col`` (1-based; ``file`` relative to the project root).

    ``code`` is a structural rule (``SC001``…``SC015``, ``SC000`` for waivers) or a
    sqlfluff rule (``LT02``, ``CP01``, …)."""

    file: str
    line: int
    col: int
    code: str
    message: str


@dataclass(frozen=True, order=True)
class Note:
    """Something the user should know that is not a finding (it does not fail lint)."""

    file: str
    line: int
    col: int
    message: str


def render(findings: Iterable[Finding], fmt: str) -> str:
    """``findings`` as text (one ``file:line:col CODE message`` per line), a JSON list,
    or GitHub Actions ``::error`` workflow commands."""
    items = list(findings)
    if fmt == "json":
        return json.dumps([asdict(f) for f in items], indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(github_annotation(f) + "\n" for f in items)
    if fmt == "text":
        return "".join(f"{f.file}:{f.line}:{f.col} {f.code} {f.message}\n" for f in items)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def github_annotation(finding: Finding) -> str:
    """``::error file=…,line=…,col=…,title=CODE::message`` with GitHub's escaping."""
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in (
            ("file", finding.file),
            ("line", finding.line),
            ("col", finding.col),
            ("title", finding.code),
        )
    )
    return f"::error {props}::{_escape_data(finding.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
