"""Where a line of a rendered Jinja2 template comes from in the template itself.

Jinja2 keeps no source map. So the template is rendered a second time with a marker at
the end of each of its lines: a literal line carries its own marker into the output, and
the lines a macro call or an expression produces are followed by the marker of the line
that holds the call. Lines a marker cannot be put on without changing the output (those
ending in a block tag or a whitespace-trimming tag) get none; if the marked output does
not match the real one, the lines are aligned with difflib instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import SequenceMatcher
from pathlib import Path

import jinja2

MARK = "\x00{}\x00"
MARKS = re.compile("\x00(\\d+)\x00")
NO_MARK_ENDINGS = ("%}", "#}", "-}}")


class TemplateLines:
    """Maps rendered ``line:col`` to the template's ``line:col`` (both 1-based)."""

    def __init__(self, template: str, rendered: str, environment: jinja2.Environment) -> None:
        self._source = template.split("\n")
        self._output = rendered.split("\n")
        self._lines = _marked_lines(template, rendered, environment) or _aligned_lines(
            self._source, self._output
        )

    def locate(self, line: int, col: int) -> tuple[int, int]:
        index = min(line, len(self._lines)) - 1
        source_line = self._lines[index]
        source = self._source[source_line - 1]
        output = self._output[index] if index < len(self._output) else ""
        if source.strip() == output.strip():  # a literal line: keep the column
            return source_line, max(col + _indent(source) - _indent(output), 1)
        return source_line, _indent(source) + 1


def _marked_lines(
    template: str, rendered: str, environment: jinja2.Environment
) -> list[int] | None:
    lines = template.split("\n")
    marked = "\n".join(
        line
        if line.rstrip().endswith(NO_MARK_ENDINGS) or number == len(lines)
        else line + MARK.format(number)
        for number, line in enumerate(lines, 1)
    )
    try:
        output = environment.from_string(marked).render()
    except jinja2.TemplateError:
        return None  # a marker landed inside a tag spanning lines
    if MARKS.sub("", output) != rendered:
        return None
    result: list[int] = []
    pending = 0  # output lines waiting for the next marker
    for text in output.split("\n"):
        found = MARKS.search(text)
        if found is None:
            pending += 1
            continue
        result.extend([int(found[1])] * (pending + 1))
        pending = 0
    return result + [len(lines)] * pending


def _aligned_lines(source: list[str], output: list[str]) -> list[int]:
    lines = [1] * len(output)
    matcher = SequenceMatcher(
        None, [s.strip() for s in source], [o.strip() for o in output], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            if tag == "equal":
                lines[j] = i1 + k + 1
            else:
                origin = next((i for i in range(i1, i2) if source[i].strip()), None)
                lines[j] = origin + 1 if origin is not None else max(i1, 1)
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


class TemplateMaps:
    """The TemplateLines of a directory's rendered templates, each made on first use
    (making one renders the template again)."""

    def __init__(
        self, root: Path, environment: jinja2.Environment, rendered: Mapping[str, str]
    ) -> None:
        self._root = root
        self._environment = environment
        self._rendered = {path: text for path, text in rendered.items() if path.endswith(".j2")}
        self._made: dict[str, TemplateLines] = {}

    def get(self, path: str) -> TemplateLines | None:
        """The map of ``path`` (relative to the root), None for a file that is no template."""
        if path not in self._rendered:
            return None
        if path not in self._made:
            template = (self._root / path).read_text("utf-8")
            self._made[path] = TemplateLines(template, self._rendered[path], self._environment)
        return self._made[path]
