"""SC014 (`require_comments = true`): every table, view, materialized view and schema
that schema/ creates has a comment; waivable with a reason; off unless asked for."""

from __future__ import annotations

import textwrap
from pathlib import Path

from schemactl.config import load_project
from schemactl.lint import structural_findings

SCHEMA = """\
create schema app;

create table app.notes (id bigint primary key, body text not null);

create view app.note_bodies with (security_invoker = true) as
select body from app.notes;

create materialized view app.note_count as select count(*) as n from app.notes;
{comments}"""
COMMENTS = """
comment on schema app is 'The application.';
comment on table app.notes is 'Notes.';
comment on view app.note_bodies is 'Bodies.';
comment on materialized view app.note_count is 'How many.';
"""


def lint_project(root: Path, schema: str, lint: str = "require_comments = true\n") -> Path:
    """A project of one schema file, schema/app.sql, with the given lint settings."""
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "app.sql").write_text(textwrap.dedent(schema))
    (root / "pyproject.toml").write_text(
        '[tool.schemactl]\nexposed_schemas = ["public"]\n\n[tool.schemactl.lint]\n' + lint
    )
    return root


def findings(root: Path) -> list[tuple[str, str, int, str]]:
    return [
        (f.code, f.file, f.line, f.message.split(":")[0])
        for f in structural_findings(load_project(root))
    ]


def test_uncommented_tables_views_and_schemas_are_reported(tmp_path: Path) -> None:
    root = lint_project(tmp_path / "p", SCHEMA.format(comments=""))
    assert findings(root) == [
        ("SC014", "schema/app.sql", 1, "schema app has no comment"),
        ("SC014", "schema/app.sql", 3, "table app.notes has no comment"),
        ("SC014", "schema/app.sql", 5, "view app.note_bodies has no comment"),
        ("SC014", "schema/app.sql", 8, "materialized view app.note_count has no comment"),
    ]


def test_commented_objects_pass_and_a_null_comment_is_none(tmp_path: Path) -> None:
    assert findings(lint_project(tmp_path / "ok", SCHEMA.format(comments=COMMENTS))) == []
    removed = COMMENTS + "comment on table app.notes is null;\n"
    assert findings(lint_project(tmp_path / "null", SCHEMA.format(comments=removed))) == [
        ("SC014", "schema/app.sql", 3, "table app.notes has no comment"),
    ]


def test_the_rule_is_off_unless_the_project_asks_for_it(tmp_path: Path) -> None:
    assert findings(lint_project(tmp_path / "p", SCHEMA.format(comments=""), lint="")) == []


def test_a_waiver_with_a_reason_silences_it(tmp_path: Path) -> None:
    waived = SCHEMA.format(comments=COMMENTS.replace("comment on table app.notes is 'Notes.';", ""))
    waived = waived.replace(
        "create table app.notes",
        "-- schemactl: allow SC014 because it is an internal scratch table\ncreate table app.notes",
    )
    assert findings(lint_project(tmp_path / "p", waived)) == []
