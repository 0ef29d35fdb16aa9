"""`schemactl lint`: structural rules on the build, then sqlfluff on every file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from schemactl.build.builder import build
from schemactl.config import Project
from schemactl.lint.cli_split_rule import cli_split_findings
from schemactl.lint.findings import Finding, Note
from schemactl.lint.settings import lint_settings
from schemactl.lint.structural import structural_violations
from schemactl.lint.style import style_findings
from schemactl.lint.waivers import apply_waivers, read_waivers
from schemactl.source.files import read_sources
from schemactl.source.seeds import seed_statements
from schemactl.source.template_lines import TemplateMaps


@dataclass(frozen=True)
class LintReport:
    findings: list[Finding]  # sorted by file, line, column, code
    notes: list[Note]  # not findings: statements sqlfluff could not check


def run_lint(project: Project) -> LintReport:
    """Lint the project. Input errors (unparseable SQL, unknown references, bad
    configuration) raise SchemactlError with file:line:col before anything is linted."""
    structural = structural_findings(project) + cli_split_findings(project)
    directories = (project.schema_dir, project.seeds_dir, *lint_settings(project).sql_directories)
    style = style_findings(project, directories)
    return LintReport(sorted(set(structural) | set(style.findings)), sorted(set(style.notes)))


def lint(project: Project) -> list[Finding]:
    """Every finding of the project, sorted by file, line, column and code."""
    return run_lint(project).findings


def structural_findings(project: Project) -> list[Finding]:
    """SC000-SC014 only (no sqlfluff): the build checked, waivers applied, positions in
    the files as written (templates included)."""
    settings = lint_settings(project)
    built = build(project)
    seed_statements(project)  # a syntax error in seeds/ is an input error too
    sources = read_sources(project, project.schema_dir)
    waivers = read_waivers(sources, (item.statement for item in built.statements))
    findings = apply_waivers(
        structural_violations(built, settings),
        waivers,
        {source.path: source.text for source in sources},
    )
    return sorted(_in_templates(built.templates, findings))


def _in_templates(maps: TemplateMaps | None, findings: Iterable[Finding]) -> list[Finding]:
    """Structural findings point into the rendered SQL; for a `*.sql.j2` file, point
    into the template instead (sqlfluff does that itself)."""
    result = []
    for finding in findings:
        lines = maps.get(finding.file) if maps else None
        if lines is None:
            result.append(finding)
            continue
        line, col = lines.locate(finding.line, finding.col)
        result.append(replace(finding, line=line, col=col))
    return result
