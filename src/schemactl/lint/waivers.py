"""Waivers: `-- schemactl: allow SC0NN because <reason>` on the statement that defines
the object, i.e. in the comments right before it (or at the end of its last line).

A waiver that is malformed, gives no reason, names an unknown rule, is not attached to a
statement, or waives nothing is itself a finding (SC000).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pglast.parser import scan

from schemactl.lint.codes import WAIVABLE, WAIVER_CODE, Violation
from schemactl.lint.findings import Finding
from schemactl.source.files import SourceFile
from schemactl.source.statements import Statement, line_col

MARKER = re.compile(r"^(?:--|/\*)\s*schemactl\s*:", re.IGNORECASE)
GRAMMAR = re.compile(
    r"^(?:--|/\*)\s*schemactl\s*:\s*allow\s+(?P<codes>[A-Za-z]+\d+(?:\s*,\s*[A-Za-z]+\d+)*)"
    r"(?:\s+because(?P<reason>\b.*?))?\s*(?:\*/)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})
FORM = "write `-- schemactl: allow SC0NN because <reason>` right before the statement"

StatementKey = tuple[str, int, int]  # file, line, col of the statement

# (start offset, end offset, statement) of each statement in a file
Span = tuple[int, int, Statement]


@dataclass
class Waiver:
    codes: tuple[str, ...]
    statement: StatementKey
    line: int
    col: int
    used: set[str] = field(default_factory=set)


@dataclass
class Waivers:
    """Every waiver of the schema, by statement, and the SC000 findings found reading them."""

    by_statement: dict[StatementKey, list[Waiver]]
    problems: list[Finding]


def read_waivers(sources: Iterable[SourceFile], statements: Iterable[Statement]) -> Waivers:
    per_file: dict[str, list[Statement]] = {}
    for statement in statements:
        per_file.setdefault(statement.file, []).append(statement)
    result = Waivers({}, [])
    for source in sources:
        _read_file(
            source, sorted(per_file.get(source.path, []), key=lambda s: (s.line, s.col)), result
        )
    return result


def apply_waivers(
    violations: Iterable[Violation], waivers: Waivers, texts: dict[str, str]
) -> list[Finding]:
    """Findings left after waivers, plus SC000 for waiver problems and unused waivers."""
    findings = list(waivers.problems)
    for violation in violations:
        statement = violation.site.statement
        key = (statement.file, statement.line, statement.col)
        waiver = next(
            (w for w in waivers.by_statement.get(key, ()) if violation.code in w.codes), None
        )
        if waiver is not None:
            waiver.used.add(violation.code)
            continue
        line, col = (
            (statement.line, statement.col)
            if violation.site.offset is None
            else line_col(texts[statement.file], violation.site.offset)
        )
        findings.append(Finding(statement.file, line, col, violation.code, violation.message))
    for key, entries in waivers.by_statement.items():
        for waiver in entries:
            for code in waiver.codes:
                if code not in waiver.used:
                    findings.append(
                        Finding(
                            key[0],
                            waiver.line,
                            waiver.col,
                            WAIVER_CODE,
                            f"waiver for {code} matches no {code} finding on this statement: "
                            "remove it",
                        )
                    )
    return findings


def _read_file(source: SourceFile, statements: list[Statement], result: Waivers) -> None:
    text = source.text
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    spans: list[Span] = []
    for statement in statements:
        start = line_starts[statement.line - 1] + statement.col - 1
        spans.append((start, start + len(statement.sql), statement))
    starts = [span[0] for span in spans]
    for token in scan(text):
        if token.name not in COMMENT_TOKENS:
            continue
        comment = text[token.start : token.end + 1]
        if not MARKER.match(comment):
            continue
        line, col = line_col(text, token.start)
        where = bisect.bisect_right(starts, token.start)
        owner = _owner(text, spans, where, token.start)
        if owner is None:
            inside = where > 0 and token.start < spans[where - 1][1]
            result.problems.append(
                _problem(
                    source.path,
                    line,
                    col,
                    "waiver inside a statement has no effect"
                    if inside
                    else "waiver is not attached to any statement",
                    FORM,
                )
            )
            continue
        _read_waiver(source.path, comment, line, col, (owner.file, owner.line, owner.col), result)


def _owner(text: str, spans: list[Span], where: int, offset: int) -> Statement | None:
    """The statement a comment at ``offset`` belongs to: the previous one when the
    comment ends its last line, else the next one, unless it sits inside a statement."""
    if where > 0:
        previous_end = spans[where - 1][1]
        if offset < previous_end:
            return None
        if "\n" not in text[previous_end:offset]:
            return spans[where - 1][2]
    return spans[where][2] if where < len(spans) else None


def _read_waiver(
    file: str, comment: str, line: int, col: int, statement: StatementKey, result: Waivers
) -> None:
    match = GRAMMAR.match(comment)
    if match is None:
        result.problems.append(_problem(file, line, col, "malformed waiver", FORM))
        return
    codes = tuple(c.strip().upper() for c in match["codes"].split(","))
    unknown = [code for code in codes if code not in WAIVABLE]
    reason = (match["reason"] or "").strip()
    if unknown:
        result.problems.append(
            _problem(
                file,
                line,
                col,
                f"waiver names unknown rule {unknown[0]}",
                "waivable structural rules are SC001-SC014; sqlfluff rules are waived with "
                "`-- noqa: CODE`",
            )
        )
    elif not reason:
        result.problems.append(
            _problem(
                file,
                line,
                col,
                f"waiver for {', '.join(codes)} gives no reason",
                "say why after `because`",
            )
        )
    else:
        result.by_statement.setdefault(statement, []).append(Waiver(codes, statement, line, col))


def _problem(file: str, line: int, col: int, what: str, hint: str) -> Finding:
    return Finding(file, line, col, WAIVER_CODE, f"{what}: {hint}")
