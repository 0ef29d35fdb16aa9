"""Renames in `schemactl diff`: a dropped and an added column of one type (or a dropped
and an added table with the same columns) is refused until `--rename` says it is a
rename (ALTER … RENAME: the rows keep their values) or `--allow-destructive` that it is
not (drop and add: the values are lost, and the header says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.config import Project

from .helpers import rows, run_cli, with_standin, write_project

TABLE = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null,
    {column} text
);

create index notes_{column}_idx on public.notes ({column});

create view public.note_refs with (security_invoker = true) as
    select id, {column} from public.notes;

alter table public.notes enable row level security;

create policy notes_read on public.notes for select to authenticated
    using ({column} is not null);

comment on column public.notes.{column} is 'The note in the old system.';
"""
RENAMED_TABLE = """
create table public.memos (
    id bigint generated always as identity primary key,
    body text not null
);

alter table public.memos enable row level security;

create policy memos_read on public.memos for select to authenticated using (true);
"""
NOTES = RENAMED_TABLE.replace("memos", "notes")
ROWS = "insert into public.notes (body, legacy_ref) values ('first', 'V1-7'), ('second', null)"


@pytest.fixture
def column_project(tmp_path: Path) -> Project:
    return write_project(
        tmp_path / "project",
        TABLE.format(column="ref"),
        {"20250101000000_initial.sql": TABLE.format(column="legacy_ref")},
    )


def diff(project: Project, server_url: str, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("--project", str(project.root), "diff", *args, "--dev-url", server_url)


def written(project: Project) -> list[Path]:
    return sorted(project.migrations_dir.iterdir())


def body(path: Path) -> str:
    return path.read_text().split("\n\n", 1)[1]


def header(path: Path) -> str:
    return path.read_text().split("\n\n", 1)[0]


def test_a_possible_column_rename_is_refused(column_project: Project, server_url: str) -> None:
    result = diff(column_project, server_url, "ref")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: refusing to write a migration that may lose a rename's data: "
        "public.notes.legacy_ref is dropped and public.notes.ref added, both text: a rename? "
        "(run again with --rename notes.legacy_ref=ref to rename it (data kept), or with "
        "--allow-destructive to drop and add (data lost))\n"
    )
    assert len(written(column_project)) == 1


def test_rename_column_keeps_its_rows(
    column_project: Project, server_url: str, target_db: str
) -> None:
    """One ALTER … RENAME COLUMN; the index and the view column named after the column
    follow; the policy and the comment follow the rename in PostgreSQL and are not
    written again."""
    result = diff(column_project, server_url, "ref", "--rename", "notes.legacy_ref=ref")
    assert result.exit_code == 0, result.stderr
    path = written(column_project)[-1]
    assert body(path) == (
        'alter table "public"."notes" rename column "legacy_ref" to "ref";\n\n'
        'alter index "public"."notes_legacy_ref_idx" rename to "notes_ref_idx";\n\n'
        'alter view "public"."note_refs" rename column "legacy_ref" to "ref";\n'
    )
    assert header(path).endswith(
        "-- Access changes (grants and row level security, per role)\n--   none"
    )
    assert "--   columns: 1 renamed (public.notes.legacy_ref to ref)\n" in header(path)
    assert "Deletes data" not in header(path)
    with_standin(target_db)
    initial = written(column_project)[0]
    first = run_cli(
        "--project",
        str(column_project.root),
        "apply",
        "--db-url",
        target_db,
        "--target",
        initial.name[:14],
    )
    assert first.exit_code == 0, first.stderr
    rows(target_db, ROWS + " returning id")
    applied = run_cli("--project", str(column_project.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    assert rows(target_db, "select body, ref from public.notes order by id") == [
        ("first", "V1-7"),
        ("second", None),
    ]
    check = diff(column_project, server_url, "--check")
    assert (check.exit_code, check.stderr) == (0, "")


def test_allow_destructive_keeps_drop_and_add(column_project: Project, server_url: str) -> None:
    result = diff(column_project, server_url, "ref", "--allow-destructive")
    assert result.exit_code == 0, result.stderr
    path = written(column_project)[-1]
    statements = body(path)
    assert 'alter table "public"."notes" drop column "legacy_ref";' in statements
    assert 'alter table "public"."notes" add column "ref" text;' in statements
    assert "rename" not in statements
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "drop column" in text
    )
    assert (
        f"--   line {line}: drops column public.notes.legacy_ref and its values: data in the "
        "column is lost, not renamed to ref (--rename notes.legacy_ref=ref keeps it)\n"
    ) in header(path)


def test_rename_table_keeps_its_rows(tmp_path: Path, server_url: str, target_db: str) -> None:
    """ALTER TABLE … RENAME TO; the primary key, the policy and the identity sequence
    named after the table, which schema/ names after the new one, are renamed too."""
    project = write_project(tmp_path, RENAMED_TABLE, {"20250101000000_initial.sql": NOTES})
    refused = diff(project, server_url, "memos")
    assert (refused.exit_code, refused.stderr) == (
        2,
        "error: refusing to write a migration that may lose a rename's data: table "
        "public.notes is dropped and public.memos added with the same columns: a rename? "
        "(run again with --rename notes=memos to rename it (data kept), or with "
        "--allow-destructive to drop and add (data lost))\n",
    )
    result = diff(project, server_url, "memos", "--rename", "public.notes=memos")
    assert result.exit_code == 0, result.stderr
    path = written(project)[-1]
    assert body(path) == (
        'alter table "public"."notes" rename to "memos";\n\n'
        'alter table "public"."memos" rename constraint "notes_pkey" to "memos_pkey";\n\n'
        'alter policy "notes_read" on "public"."memos" rename to "memos_read";\n\n'
        'alter sequence "public"."notes_id_seq" rename to "memos_id_seq";\n'
    )
    assert "--   tables: 1 renamed (public.notes to memos)\n" in header(path)
    with_standin(target_db)
    first = run_cli(
        "--project", str(project.root), "apply", "--db-url", target_db, "--target", "20250101000000"
    )
    assert first.exit_code == 0, first.stderr
    rows(target_db, "insert into public.notes (body) values ('kept') returning id")
    applied = run_cli("--project", str(project.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    assert rows(target_db, "select id, body from public.memos") == [(1, "kept")]
    assert rows(target_db, "select nextval('public.memos_id_seq')") == [(2,)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "notes.legacy_ref",
            "error: --rename 'notes.legacy_ref': expected TABLE.OLD=NEW for a column or "
            "TABLE=NEW for a table (TABLE may be schema-qualified; NEW is a bare name) (e.g. "
            "--rename contacts.phone=phone_number or --rename public.notes=memos)\n",
        ),
        (
            "notes.body=text",
            "error: --rename notes.body=text: no column or table notes.body that schema/ "
            "drops while adding text beside it (name a column or table the diff drops, and "
            "the one schema/ adds instead)\n",
        ),
    ],
)
def test_a_bad_rename_is_a_usage_error(
    column_project: Project, server_url: str, value: str, message: str
) -> None:
    result = diff(column_project, server_url, "ref", "--rename", value)
    assert (result.exit_code, result.stderr) == (2, message)
    assert len(written(column_project)) == 1


def test_a_column_dropped_without_a_candidate_still_needs_allow_destructive(
    tmp_path: Path, server_url: str
) -> None:
    """A dropped column next to an added one of another type is no rename candidate: the
    drop is refused as data loss."""
    project = write_project(
        tmp_path,
        NOTES.replace("body text not null", "body text not null, score integer"),
        {"20250101000000_initial.sql": NOTES.replace("not null", "not null, legacy_ref text")},
    )
    result = diff(project, server_url, "score")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: refusing to write a migration that deletes data: "
        '`alter table "public"."notes" drop column "legacy_ref";` drops column '
        "public.notes.legacy_ref and its values"
    )
    assert len(written(project)) == 1
