"""How the Supabase CLI splits a SQL file into statements, and where that differs from
PostgreSQL.

`supabase db push` (and `migration up`, `db reset`, seeding) does not send a migration
file to the server as it is: its own splitter (the Go package `pkg/parser` of
github.com/supabase/cli, a small state machine over quotes, comments, dollar tags,
parentheses and BEGIN ATOMIC bodies) cuts the file at the semicolons it believes end a
statement, and each piece is sent on its own. Where that state machine reads the text
differently from PostgreSQL's lexer, a statement is cut in two (each half a syntax
error) or two statements go out as one piece (refused: one prepared statement holds one
command). Known cases, all of PostgreSQL syntax `schemactl apply` runs fine:

- `E'…\\'…'`: the CLI does not know backslash escapes in E'' strings, so `\\'` ends the
  string and the rest of the literal is read as SQL;
- `create rule … do also (…; …)` with a parenthesis inside an action (`values (…)`): the
  `)` that closes it also closes the action list for the CLI;
- BEGIN ATOMIC bodies end at the first `end` the CLI reads, even inside a word
  (`legend`, `weekend`) or a `case … end`.

`cli_split_points` is a transcription of that state machine (same states, same
transitions, same look-behind within the current piece); `split_differences` compares its
cuts with PostgreSQL's statements (pglast) and says where and why they differ."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from pglast import ast, parse_sql

from schemactl.source.statements import line_col, split_leading_comments

_BEGIN_ATOMIC = "ATOMIC"  # the CLI matches ATOMIC, then looks back for BEGIN
_END_ATOMIC = "END"


def _is_identifier_char(char: str) -> bool:
    return char.isalpha() or char.isdecimal() or char in "_$"


class _State:
    """One state of the CLI's splitter; ``step`` sees the current piece
    ``text[start:end]`` (its last character the one just read) and returns the next state,
    or None to end the piece at this character (a `;`)."""

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        raise NotImplementedError


class _Ready(_State):
    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        if char == "$":
            return _Tag(end - 1)
        if char in "'\"":
            return _Quote(char)
        if char == "-":
            return _LineComment()
        if char == "/":
            return _Block()
        if char == "\\":
            return _Escape()
        if char == ";":
            return None
        if char == "(":
            return _Atomic(self, ")")
        if char in "cC" and _is_begin_atomic(text, start, end):
            return _Atomic(self, _END_ATOMIC)
        return self


def _is_begin_atomic(text: str, start: int, end: int) -> bool:
    offset = end - len(_BEGIN_ATOMIC)
    if offset < start or text[offset:end].upper() != _BEGIN_ATOMIC:
        return False
    if offset > start and _is_identifier_char(text[offset - 1]):
        return False
    prefix_end = offset
    while prefix_end > start and text[prefix_end - 1].isspace():
        prefix_end -= 1
    begin = prefix_end - len("BEGIN")
    if begin < start or text[begin:prefix_end].upper() != "BEGIN":
        return False
    return begin == start or not _is_identifier_char(text[begin - 1])


class _LineComment(_State):
    """After one `-`: a second one opens a comment up to the end of the line."""

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        if char == "-":
            return _Dollar("\n")
        return _Ready().step(char, text, start, end)


class _Block(_State):
    """After `/`: block comments, nested, by the last two characters read."""

    def __init__(self) -> None:
        self.depth = 0

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        window = text[max(end - 2, start) : end]
        if window == "/*":
            self.depth += 1
            return self
        if self.depth == 0:
            return _Ready().step(char, text, start, end)
        if window == "*/":
            self.depth -= 1
            if self.depth == 0:
                return _Ready()
        return self


class _Quote(_State):
    """Inside '…' or "…": a doubled delimiter stays inside; nothing else is an escape."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.closed = False

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        if self.closed:
            if char == self.delimiter:
                self.closed = False
                return self
            return _Ready().step(char, text, start, end)
        if char == self.delimiter:
            self.closed = True
        return self


class _Dollar(_State):
    """Inside a dollar-quoted string (or a line comment): up to the delimiter."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        if text[max(end - len(self.delimiter), start) : end] == self.delimiter:
            return _Ready()
        return self


class _Tag(_State):
    """After `$`: a tag of letters, digits and `_` up to the next `$` opens a string."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        if char == "$":
            return _Dollar(text[self.offset : end])
        if char.isalpha() or char.isdecimal() or char == "_":
            return self
        return _Ready().step(char, text, start, end)


class _Escape(_State):
    """After `\\` outside quotes: the next character is skipped."""

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        return _Ready()


class _Atomic(_State):
    """Inside `(…)` or `BEGIN ATOMIC … END`: semicolons do not end the piece; the
    delimiter (case-insensitive, as the last characters read) ends this state when the
    inner state is ready — so one `)` closes every nested level at once."""

    def __init__(self, inner: _State, delimiter: str) -> None:
        self.inner = inner
        self.delimiter = delimiter

    def step(self, char: str, text: str, start: int, end: int) -> _State | None:
        current = self.inner.step(char, text, start, end)
        if current is not None:
            self.inner = current
        if isinstance(self.inner, _Ready):
            window = text[max(end - len(self.delimiter), start) : end]
            if window.upper() == self.delimiter:
                return _Ready()
        return self


def cli_split_points(text: str) -> list[int]:
    """The offsets of the semicolons at which the Supabase CLI ends a piece of ``text``."""
    points = []
    state: _State = _Ready()
    start = 0
    for index, char in enumerate(text):
        following = state.step(char, text, start, index + 1)
        if following is None:
            points.append(index)
            start = index + 1
            state = _Ready()
        else:
            state = following
    return points


def cli_statements(text: str) -> list[str]:
    """The pieces the Supabase CLI sends, as its SplitAndTrim makes them: each cut at its
    splitter's semicolons, trailing semicolons and surrounding white space removed, empty
    pieces left out."""
    pieces = []
    start = 0
    for point in [*cli_split_points(text), len(text)]:
        piece = text[start : point + 1].rstrip(";").strip()
        if piece:
            pieces.append(piece)
        start = point + 1
    return pieces


@dataclass(frozen=True)
class SplitDifference:
    """A statement the Supabase CLI would not send as PostgreSQL reads it."""

    line: int  # where the statement starts (1-based)
    col: int
    what: str  # what the CLI does with it (its words place the `;` without a line number)
    cut: tuple[int, int] | None  # line and column of the `;` the CLI cuts at, if it does
    why: str  # why, and what to write instead

    @property
    def message(self) -> str:
        where = f" (line {self.cut[0]}:{self.cut[1]})" if self.cut else ""
        return f"{self.what}{where}: {self.why}"

    @property
    def message_without_lines(self) -> str:
        """For text not yet in a file (lines would mislead)."""
        return f"{self.what}: {self.why}"


_E_STRING_BACKSLASH_QUOTE = re.compile(r"(?<![\w$])[eE]'(?:[^'\\]|''|\\.)*?\\'")


def split_differences(text: str) -> list[SplitDifference]:
    """Every statement of ``text`` (valid SQL) that the Supabase CLI would cut in two or
    send together with the next one, in order; the statements after one until both
    splitters end a statement at the same `;` again are its consequences, not listed."""
    cli_points = cli_split_points(text)
    cli_set = set(cli_points)
    differences = []
    resyncing = False  # after a difference, until both end a statement at the same `;`
    for raw in parse_sql(text):
        start, length = raw.stmt_location or 0, raw.stmt_len or 0
        end = start + length if length else len(text)
        _, _, skipped = split_leading_comments(text[start:end])
        core = start + skipped
        line, col = line_col(text, core)
        statement = text[core:end]
        inside = cli_points[bisect_left(cli_points, core) : bisect_left(cli_points, end)]
        # Both splitters start the next statement afresh when both end this one here.
        skip, resyncing = resyncing, not (length and end in cli_set)
        if skip:
            continue
        if inside:
            before = _excerpt_before(text, core, inside[0])
            differences.append(
                SplitDifference(
                    line,
                    col,
                    f"the Supabase CLI cuts this statement in two at the `;` of `…{before}`",
                    line_col(text, inside[0]),
                    _why(raw.stmt, statement),
                )
            )
        elif length and end not in cli_set:
            differences.append(
                SplitDifference(
                    line,
                    col,
                    "the Supabase CLI does not end this statement at its `;` and sends it "
                    "together with the next one, which PostgreSQL refuses (one command per "
                    "prepared statement)",
                    None,
                    _why(raw.stmt, statement),
                )
            )
    return differences


def _excerpt_before(text: str, start: int, cut: int) -> str:
    """The words before the `;` at ``cut`` (about 24 characters, whole words)."""
    excerpt = text[max(start, cut - 24) : cut + 1]
    words = excerpt.split()
    if cut - 24 > start and len(words) > 1:
        words = words[1:]  # the first may be cut in the middle
    return " ".join(words)


def _why(node: ast.Node | None, statement: str) -> str:
    if _E_STRING_BACKSLASH_QUOTE.search(statement):
        return (
            "its splitter reads \\' in an E'…' string as the end of the string; write the "
            "quote as '' instead"
        )
    if isinstance(node, ast.RuleStmt):
        return (
            "its splitter ends a parenthesised list at the first `)` that closes a nested "
            "one, so a `;` between the rule's actions ends the statement; give the rule one "
            "action, or call a function from it"
        )
    if isinstance(node, ast.CreateFunctionStmt) and node.sql_body is not None:
        return (
            "its splitter ends a BEGIN ATOMIC body at the first `end` it reads, even inside "
            "a word (legend, weekend) or a case … end; write the body as a string "
            "(as $$ … $$) instead"
        )
    return (
        "its splitter reads a quote, comment, dollar tag or parenthesis before it "
        "differently from PostgreSQL"
    )
