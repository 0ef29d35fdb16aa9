"""SC015: a statement of a migration (or of supabase/seed.sql) that the Supabase CLI would
split differently from PostgreSQL (`schemactl.source.supabase_split`): `supabase db push`
would send it cut in two, or glued to the next one. Not waivable: the CLI would fail on
it, or run something else."""

from __future__ import annotations

from pathlib import Path

from pglast.parser import ParseError

from schemactl.config import Project
from schemactl.lint.findings import Finding
from schemactl.source.files import SOURCE_ENCODING
from schemactl.source.supabase_split import split_differences

CODE = "SC015"


def cli_split_findings(project: Project) -> list[Finding]:
    """SC015 over every file the Supabase CLI splits: supabase/migrations/*.sql and
    supabase/seed.sql. A file PostgreSQL cannot parse is left to `diff` and `apply`, which
    name its syntax error."""
    findings: list[Finding] = []
    for path in _cli_files(project):
        try:
            text = path.read_text(SOURCE_ENCODING)
            differences = split_differences(text)
        except (UnicodeDecodeError, ParseError):
            continue
        relative = project.relative(path)
        findings.extend(Finding(relative, d.line, d.col, CODE, d.message) for d in differences)
    return findings


def _cli_files(project: Project) -> list[Path]:
    files = sorted(project.migrations_dir.glob("*.sql")) if project.migrations_dir.is_dir() else []
    seed = project.migrations_dir.parent / "seed.sql"
    return files + ([seed] if seed.is_file() else [])
