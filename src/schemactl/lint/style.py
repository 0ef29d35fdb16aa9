"""sqlfluff over schema/ and seeds/, configured by `[tool.sqlfluff]` in pyproject.toml.

Exemptions, each limited to one construct where sqlfluff's postgres grammar disagrees
with PostgreSQL (docs/lint.md says why):
- a statement sqlfluff cannot parse although PostgreSQL can (pglast parsed it first) is
  blanked out, only it, and the file is linted again, so one unsupported construct does
  not hide the rest of the file; it is reported as a note, not a finding;
- LT02 on the hanging continuation lines of COMMENT ON … IS and of VALUES rows, which the
  grammar gives no indent point, when they sit exactly one indent deeper than the line
  the clause starts on;
- AL03 on the select list of INSERT … SELECT, whose output names PostgreSQL ignores.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlfluff.core import FluffConfig, Linter
from sqlfluff.core.config.file import load_config_file_as_dict
from sqlfluff.core.errors import SQLBaseError, SQLFluffUserError
from sqlfluff.core.helpers.dict import nested_combine
from sqlfluff.core.linter.linted_file import LintedFile
from sqlfluff.core.parser import BaseSegment

from schemactl.config import Project
from schemactl.errors import Location, SchemactlError
from schemactl.lint.findings import Finding, Note
from schemactl.lint.style_cache import CACHE_DIR, StyleCache
from schemactl.source.files import SOURCE_ENCODING, SourceFile, schema_files
from schemactl.source.statements import Statement, parse_statements

BASELINE = {"core": {"dialect": "postgres", "templater": "jinja"}}
UNPARSABLE = "PRS"
HANGING_CLAUSES = frozenset({"comment_clause", "values_clause"})
MAX_MASKED = 50
FILES_PER_WORKER = 8  # below this, starting processes costs more than it saves
# sqlfluff's own reader of a config file (paths resolved, values validated), without its
# per-process cache: a long-running process must see pyproject.toml as it is now.
_read_config_file = getattr(load_config_file_as_dict, "__wrapped__", load_config_file_as_dict)


@dataclass(frozen=True)
class StyleResult:
    findings: list[Finding]
    notes: list[Note]


def style_findings(project: Project, directories: Iterable[Path]) -> StyleResult:
    """sqlfluff findings for every SQL file of ``directories`` (Jinja macro libraries,
    whose names start with `_`, are linted where they are used). Verdicts of unchanged
    files come from the cache; the others are linted, in parallel when there are many."""
    results: list[StyleResult] = []
    jobs: list[_Job] = []
    caches: dict[Path, StyleCache] = {}
    for directory in directories:
        configuration = merged_config(project, directory)
        settings = json.dumps(configuration, sort_keys=True, default=str)
        try:
            _linter(settings)  # a configuration error surfaces here, once
        except (SQLFluffUserError, KeyError, ValueError) as exc:  # KeyError: unknown dialect
            raise _config_error(project, exc) from exc
        caches[directory] = cache = StyleCache(
            project.state_dir / CACHE_DIR, configuration, _loader_paths(configuration)
        )
        for path in schema_files(directory):
            text = path.read_text(SOURCE_ENCODING)
            key = cache.key(project.relative(path), text)
            cached = cache.get(key)
            if cached is None:
                jobs.append(_Job(project, directory, path, text, key, settings))
            else:
                results.append(StyleResult(*cached))
    for job, result in zip(jobs, _run(jobs), strict=True):
        caches[job.directory].put(job.key, result.findings, result.notes)
        results.append(result)
    return StyleResult(
        [f for r in results for f in r.findings], [n for r in results for n in r.notes]
    )


@dataclass(frozen=True)
class _Job:
    project: Project
    directory: Path
    path: Path
    text: str
    key: str
    configuration: str  # merged_config as JSON


def _run(jobs: list[_Job]) -> list[StyleResult]:
    workers = min(_usable_cpus(), len(jobs) // FILES_PER_WORKER)
    if workers <= 1:
        return [_lint_job(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_lint_job, jobs, chunksize=FILES_PER_WORKER // 2))


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _lint_job(job: _Job) -> StyleResult:
    linter = _linter(job.configuration)
    return _lint_file(linter, job.project.relative(job.path), job.path, job.text)


@cache
def _linter(configuration: str) -> Linter:
    """One Linter per configuration and process (building one loads every rule)."""
    logging.getLogger("sqlfluff").setLevel(logging.ERROR)  # its warnings would go to stderr
    return Linter(config=FluffConfig(configs=json.loads(configuration)))


def merged_config(project: Project, directory: Path) -> dict[str, Any]:
    """The project's `[tool.sqlfluff]` (paths resolved as sqlfluff does), on top of
    postgres + jinja; the linted directory is on the Jinja loader path, as for the build."""
    pyproject = project.root / "pyproject.toml"
    try:
        loaded = _read_config_file(str(pyproject)) if pyproject.is_file() else {}
    except SQLFluffUserError as exc:
        raise _config_error(project, exc) from exc
    merged: dict[str, Any] = nested_combine(dict(BASELINE), loaded)
    jinja = merged.setdefault("templater", {}).setdefault("jinja", {})
    jinja["loader_search_path"] = ",".join(dict.fromkeys([*_loader_paths(merged), str(directory)]))
    return merged


def _loader_paths(configuration: dict[str, Any]) -> list[str]:
    configured = configuration.get("templater", {}).get("jinja", {}).get("loader_search_path")
    return [p.strip() for p in str(configured or "").split(",") if p.strip()]


def _config_error(project: Project, exc: Exception) -> SchemactlError:
    detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return SchemactlError(
        f"invalid [tool.sqlfluff] configuration: {detail}",
        location=Location(project.relative(project.root / "pyproject.toml")),
        hint="see https://docs.sqlfluff.com/en/stable/configuration/",
    )


def _lint_file(linter: Linter, relative: str, path: Path, text: str) -> StyleResult:
    templated = path.name.endswith(".j2")
    statements = [] if templated else parse_statements(SourceFile(relative, text))
    masked: list[Statement] = []
    indent_unit = int(linter.config.get("tab_space_size", section="indentation"))
    while True:
        linted = linter.lint_string(_blank(text, masked), fname=str(path))
        unparsable = [v for v in linted.get_violations() if v.rule_code() == UNPARSABLE]
        culprit = (
            None
            if templated or not unparsable
            else _statement_at(statements, unparsable[0].line_no, unparsable[0].line_pos)
        )
        if culprit is None or culprit in masked or len(masked) >= MAX_MASKED:
            break
        masked.append(culprit)
    notes = [
        Note(
            relative,
            s.line,
            s.col,
            "sqlfluff cannot parse this statement (PostgreSQL can): its style is not checked",
        )
        for s in masked
    ]
    findings = []
    for violation in linted.get_violations():
        if any(_within(s, violation.line_no) for s in masked) or _exempt(
            linted, violation, indent_unit
        ):
            continue
        if templated and violation.rule_code() == UNPARSABLE:
            notes.append(
                Note(
                    relative,
                    violation.line_no,
                    violation.line_pos,
                    "sqlfluff cannot parse the rendered template from here (PostgreSQL "
                    "can): the rest of this file's style is not checked",
                )
            )
            continue
        findings.append(
            Finding(
                relative,
                violation.line_no,
                violation.line_pos,
                violation.rule_code(),
                violation.desc(),
            )
        )
    return StyleResult(findings, notes)


def _statement_at(statements: list[Statement], line: int, col: int) -> Statement | None:
    """The statement at, or first after, ``line:col``."""
    return next((s for s in statements if (line, col) <= _end(s)), None)


def _end_line(statement: Statement) -> int:
    return statement.line + statement.sql.count("\n")


def _end(statement: Statement) -> tuple[int, int]:
    last = statement.sql.rsplit("\n", 1)[-1]
    col = len(last) + (statement.col if "\n" not in statement.sql else 1)
    return _end_line(statement), col


def _within(statement: Statement, line: int) -> bool:
    return statement.line <= line <= _end_line(statement)


def _blank(text: str, statements: list[Statement]) -> str:
    """``text`` with each statement (and its `;`) replaced by spaces, newlines kept, so
    every other position is unchanged."""
    if not statements:
        return text
    chars = list(text)
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for statement in statements:
        start = line_starts[statement.line - 1] + statement.col - 1
        end = start + len(statement.sql)
        if end < len(text) and text[end] == ";":
            end += 1
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    return "".join(chars)


def _exempt(linted: LintedFile, violation: SQLBaseError, indent_unit: int) -> bool:
    segment = getattr(violation, "segment", None)
    if linted.tree is None or segment is None:
        return False
    path = [step.segment for step in linted.tree.path_to(segment)]
    types = [s.get_type() for s in path]
    code = violation.rule_code()
    if code == "LT02" and path and types[-1] in HANGING_CLAUSES:
        return _hanging_indent(linted, path[-1], violation.line_no, indent_unit)
    if code == "AL03" and "select_statement" in types:
        index = len(types) - 1 - types[::-1].index("select_statement")
        return index > 0 and types[index - 1] == "insert_statement"
    return False


def _hanging_indent(
    linted: LintedFile, clause: BaseSegment, line_no: int, indent_unit: int
) -> bool:
    """The line is indented exactly one level deeper than the line the clause starts on."""
    if linted.templated_file is None or clause.pos_marker is None:
        return False
    lines = linted.templated_file.source_str.split("\n")
    clause_line = clause.pos_marker.source_position()[0]
    return _indent(lines[line_no - 1]) == _indent(lines[clause_line - 1]) + indent_unit


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
