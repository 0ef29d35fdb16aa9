"""Splitting SQL into located statements with pglast."""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.parser import ParseError

from schemactl.errors import Location, SchemactlError
from schemactl.source.files import SourceFile


@dataclass(frozen=True)
class Statement:
    """One SQL statement, where it comes from, and its parse tree."""

    sql: str  # the statement's text, without leading comments or the final `;`
    comments: str  # the comments right before it (waivers live there)
    file: str
    line: int
    col: int
    node: ast.Node

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.col)


@dataclass(frozen=True)
class Span:
    """Where one statement of a text is (character offsets, as pglast counts) and its
    parse tree."""

    start: int
    end: int
    node: ast.Node

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def spans(text: str) -> list[Span]:
    """The statements of ``text`` (raises pglast's ParseError)."""
    found = []
    for item in parse_sql(text):
        if item.stmt is None:
            continue
        start = item.stmt_location or 0
        end = start + item.stmt_len if item.stmt_len else len(text)
        found.append(Span(start, end, item.stmt))
    return found


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in ``text``."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def parse_statements(source: SourceFile) -> list[Statement]:
    """Parse a file into statements; a syntax error names file:line:col."""
    try:
        raw = spans(source.text)
    except ParseError as exc:
        message = exc.args[0]
        offset = exc.args[1] if len(exc.args) > 1 else None
        # pglast reports the error position as a 0-based character offset, like the
        # statement locations below (not a byte offset); None means "at end of input".
        if offset is None:
            offset = len(source.text.rstrip())
        line, col = line_col(source.text, min(max(offset, 0), len(source.text)))
        raise SchemactlError(
            f"syntax error: {message}",
            location=Location(source.path, line, col),
            hint="fix the SQL; the position is where PostgreSQL's parser stopped",
        ) from exc
    # pglast reports statement locations and lengths in characters, not bytes.
    statements = []
    for item in raw:
        comments, body, skipped = split_leading_comments(item.text(source.text))
        offset = item.start + skipped
        line, col = line_col(source.text, offset)
        statements.append(
            Statement(
                body.rstrip().rstrip(";").rstrip(), comments, source.path, line, col, item.node
            )
        )
    return statements


def split_leading_comments(chunk: str) -> tuple[str, str, int]:
    """Separate whitespace and comments before a statement from the statement: the
    comments, the statement, and how many characters came before it."""
    position = 0
    comments: list[str] = []
    while position < len(chunk):
        if chunk[position].isspace():
            position += 1
        elif chunk.startswith("--", position):
            end = chunk.find("\n", position)
            end = len(chunk) if end == -1 else end
            comments.append(chunk[position:end])
            position = end
        elif chunk.startswith("/*", position):
            end = chunk.find("*/", position)
            end = len(chunk) if end == -1 else end + 2
            comments.append(chunk[position:end])
            position = end
        else:
            break
    return "\n".join(comments), chunk[position:], position
