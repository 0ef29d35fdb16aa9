"""The Supabase CLI's statement splitter (`schemactl.source.supabase_split`, a transcription
of `pkg/parser` of github.com/supabase/cli) and the checks built on it: a statement the CLI
would cut in two, or send glued to the next one, is an error at `diff` and `apply` and an
SC015 finding of `lint` (tests/lint/test_rules.py). tests/migrations/test_supabase_cli.py
compares the splitter with the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parse_sql

from schemactl import api
from schemactl.errors import SchemactlError
from schemactl.migrations.files import read_migrations
from schemactl.source.supabase_split import cli_statements, split_differences

from .helpers import history, relation_exists, run_cli, with_standin, write_project

REPOSITORY = Path(__file__).resolve().parents[2]

RULE = """create table t (id int);
create rule r as on insert to t
do also (insert into a values (new.id); insert into b values (new.id));
select 1;
"""
E_STRING = """select 1;
comment on table t is E'the author\\'s text; one row per note';
select 2;
"""
ATOMIC_WORD = """create function f() returns text language sql
begin atomic
    select 'x' as legend;
    select 'y';
end;
"""
GLUED = """select 1 /* a comment's end */ ;
select E'\\'' ; select 3;
select 4;
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            RULE,
            [
                (
                    2,
                    1,
                    "the Supabase CLI cuts this statement in two at the `;` of "
                    "`…into a values (new.id);` (line 3:39): its splitter ends a "
                    "parenthesised list at the first `)` that closes a nested one, so a `;` "
                    "between the rule's actions ends the statement; give the rule one "
                    "action, or call a function from it",
                )
            ],
        ),
        (
            E_STRING,
            [
                (
                    2,
                    1,
                    "the Supabase CLI cuts this statement in two at the `;` of "
                    "`…E'the author\\'s text;` (line 2:43): its splitter reads \\' in an E'…' "
                    "string as the end of the string; write the quote as '' instead",
                )
            ],
        ),
        (
            ATOMIC_WORD,
            [
                (
                    1,
                    1,
                    "the Supabase CLI cuts this statement in two at the `;` of `…'x' as "
                    "legend;` (line 3:25): its splitter ends a BEGIN ATOMIC body at the "
                    "first `end` it reads, even inside a word (legend, weekend) or a case … "
                    "end; write the body as a string (as $$ … $$) instead",
                )
            ],
        ),
        (
            GLUED,
            [
                (
                    2,
                    1,
                    "the Supabase CLI does not end this statement at its `;` and sends it "
                    "together with the next one, which PostgreSQL refuses (one command per "
                    "prepared statement): its splitter reads \\' in an E'…' string as the "
                    "end of the string; write the quote as '' instead",
                )
            ],
        ),
    ],
    ids=["rule_actions", "e_string", "begin_atomic_word", "glued"],
)
def test_statements_the_cli_reads_differently_are_found(
    text: str, expected: list[tuple[int, int, str]]
) -> None:
    assert [(d.line, d.col, d.message) for d in split_differences(text)] == expected


def test_what_the_cli_reads_as_postgres_does() -> None:
    """Semicolons inside quotes, identifiers, dollar bodies, comments (nested too), a rule
    whose actions have no parenthesis of their own and a BEGIN ATOMIC body are not cuts."""
    text = (
        "-- leading; comment\n"
        "select 'a;b', 'it''s;', \"odd;name\" /* x; /* y; */ z; */ from t; -- c;\n"
        "create function f() returns int language plpgsql as $body$ begin return 1; end "
        "$body$;\n"
        "create function g() returns int language sql begin atomic select 1; select 2; "
        "end;\n"
        "create rule r as on insert to t do also (insert into a select 1; notify n);\n"
        "select e'a\\\\' as backslash;\n"
        "-- trailing comment\n"
    )
    assert split_differences(text) == []
    assert cli_statements(text) == [
        "-- leading; comment\nselect 'a;b', 'it''s;', \"odd;name\" /* x; /* y; */ z; */ from t",
        "-- c;\ncreate function f() returns int language plpgsql as $body$ begin return 1; "
        "end $body$",
        "create function g() returns int language sql begin atomic select 1; select 2; end",
        "create rule r as on insert to t do also (insert into a select 1; notify n)",
        "select e'a\\\\' as backslash",
        "-- trailing comment",
    ]


def test_this_projects_migrations_and_seed_split_as_postgres_reads_them() -> None:
    files = sorted((REPOSITORY / "supabase" / "migrations").glob("*.sql"))
    files.append(REPOSITORY / "supabase" / "seed.sql")
    for path in files:
        text = path.read_text("utf-8")
        assert split_differences(text) == [], path.name
        assert len(cli_statements(text)) == len(parse_sql(text)), path.name


def test_diff_refuses_a_committed_migration_the_cli_would_cut(
    tmp_path: Path, server_url: str
) -> None:
    project = write_project(
        tmp_path / "project",
        "create table public.t (id int);\n",
        {"20250101000000_first.sql": "create table public.t (id int);\n" + E_STRING},
    )
    result = run_cli("--project", str(project.root), "diff", "second", "--dev-url", server_url)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: supabase/migrations/20250101000000_first.sql:3:1: the Supabase CLI cuts this "
        "statement in two at the `;` of `…E'the author\\'s text;` (line 3:43): its "
        "splitter reads \\' in an E'…' string"
    ), result.stderr
    assert [m.filename for m in read_migrations(project)] == ["20250101000000_first.sql"]


def test_diff_refuses_to_write_a_migration_the_cli_would_cut(
    tmp_path: Path, server_url: str
) -> None:
    """PostgreSQL writes a BEGIN ATOMIC body back with its CASE … END: the CLI's splitter
    takes that END for the body's."""
    project = write_project(
        tmp_path / "project",
        """
        create function public.sign_of(p_value integer)
        returns integer
        language sql
        immutable
        set search_path = pg_catalog, pg_temp
        begin atomic
            select case when p_value < 0 then -1 else 1 end;
        end;
        """,
    )
    result = run_cli("--project", str(project.root), "diff", "first", "--dev-url", server_url)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: refusing to write a migration `supabase db push` would misread: `CREATE OR "
        "REPLACE FUNCTION public.sign_of(p_value integer) RETURNS integer LANGUAGE sql "
        "IMMUTABLE...`: the Supabase CLI cuts this statement in two at the `;` of `…END "
        'AS "case";`: its splitter ends a BEGIN ATOMIC body at the first `end` it reads, '
        "even inside a word (legend, weekend) or a case … end; write the body as a string "
        "(as $$ … $$) instead (change the object in schema/ so that its definition avoids "
        "the construct)\n"
    )
    assert list(project.migrations_dir.iterdir()) == []


def test_apply_refuses_a_migration_the_cli_would_cut(tmp_path: Path, target_db: str) -> None:
    project = write_project(
        tmp_path / "project",
        "create table public.t (id int);\n",
        {
            "20250101000000_first.sql": "create table public.t (id int);\n",
            "20250102000000_second.sql": "create table public.a (id int);\n" + RULE,
        },
    )
    with_standin(target_db)
    with pytest.raises(SchemactlError) as caught:
        api.apply(project, target_db)
    assert str(caught.value.location) == "supabase/migrations/20250102000000_second.sql:3:1"
    assert caught.value.message.startswith(
        "the Supabase CLI cuts this statement in two at the `;` of `…into a values (new.id);`"
    )
    assert not relation_exists(target_db, "public.t")
    assert history(target_db) == []
