"""Small GitHub-flavoured Markdown helpers for the generated documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_SPACES = re.compile(r"\s+")
_NOT_ANCHOR = re.compile(r"[^\w\- ]")


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space."""
    return _SPACES.sub(" ", text).strip()


def cell(text: str | None) -> str:
    """Text that is safe in a table cell (pipes escaped, on one line)."""
    if not text:
        return ""
    return one_line(text).replace("|", "\\|")


def code(text: str | None) -> str:
    """An inline code span for a table cell (empty for nothing)."""
    if not text:
        return ""
    body = one_line(text).replace("|", "\\|")
    fence = "``" if "`" in body else "`"
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to `-`."""
    return _NOT_ANCHOR.sub("", heading.strip().lower()).replace(" ", "-")


def link(text: str, heading: str) -> str:
    return f"[{text}](#{anchor(heading)})"
