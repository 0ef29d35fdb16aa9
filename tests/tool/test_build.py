"""`schemactl build`: deterministic, dependency-ordered, declarative-only."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from schemactl.build.builder import HEADER, Build, build, build_sources
from schemactl.config import load_project
from schemactl.errors import SchemactlError
from schemactl.pg.databases import Server, apply_statements, connect, install_standin
from schemactl.source.files import SourceFile, read_sources
from tests.support.cli import CliResult, run_cli
from tests.support.projects import FIXTURE_PROJECTS, copy_fixture_project, write_project

ORDERING = FIXTURE_PROJECTS / "ordering"


def descriptions(result: Build) -> list[str]:
    return [item.dependencies.description for item in result.statements]


def build_error(tmp_path: Path, files: dict[str, str], external: list[str] | None = None) -> str:
    with pytest.raises(SchemactlError) as caught:
        build(load_project(write_project(tmp_path / "project", files, external)))
    return str(caught.value)


def build_cli(tmp_path: Path, files: dict[str, str]) -> CliResult:
    root = write_project(tmp_path / "project", files)
    return run_cli(["--project", str(root), "build"])


# --- determinism -------------------------------------------------------------------


def test_build_does_not_depend_on_the_order_files_are_read_in() -> None:
    project = load_project(ORDERING)
    sources = read_sources(project, project.schema_dir)
    expected = build_sources(sources, project.external).sql
    shuffler = random.Random(20240601)
    for _ in range(5):
        shuffled = list(sources)
        shuffler.shuffle(shuffled)
        assert build_sources(shuffled, project.external).sql == expected


def test_build_is_byte_identical_across_runs_and_checkouts(tmp_path: Path) -> None:
    first = build(load_project(ORDERING)).sql.encode()
    # Another checkout, with its files written to disk in the reverse order.
    other = tmp_path / "elsewhere" / "checkout"
    files = sorted(p for p in ORDERING.rglob("*") if p.is_file())
    for path in reversed(files):
        target = other / path.relative_to(ORDERING)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    assert build(load_project(other)).sql.encode() == first
    assert build(load_project(ORDERING)).sql.encode() == first


def test_build_starts_with_check_function_bodies_off() -> None:
    sql = build(load_project(ORDERING)).sql
    assert sql.startswith(HEADER)
    assert sql.splitlines()[1] == "set check_function_bodies = off;"


def test_each_statement_is_preceded_by_its_file_and_line(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/tables/things.sql": """
            -- things
            create table public.things (id int primary key);

              create index things_id_idx on public.things (id);
            """,
        },
    )
    assert build(load_project(root)).sql == (
        HEADER
        + "\n-- schema/tables/things.sql:2\ncreate table public.things (id int primary key);\n"
        + "\n-- schema/tables/things.sql:4\n"
        "create index things_id_idx on public.things (id);\n"
    )


# --- dependency order read from parse trees -----------------------------------------


def test_ordering_project_is_built_in_dependency_order() -> None:
    assert descriptions(build(load_project(ORDERING))) == [
        "schema app",
        "function app.touch_updated_at()",
        "grant",  # usage on schema app
        "table app.kinds",
        "trigger kinds_touch_updated_at on app.kinds",
        "table app.events",  # after app.kinds: its foreign key
        "function app.event_count()",  # language sql body reads app.events
        "function app.list_events()",  # returns setof app.events
        "trigger events_touch_updated_at on app.events",
        "alter table app.events",
        'policy "events_read" on app.events',
        "grant",  # select on app.events
        "grant",  # execute on app.event_count()
        "comment",  # on column app.events.kind_id
        "comment",  # on policy events_read
        "view app.recent_events",  # reads app.events and app.kinds; `recent` is a CTE
        "index events_kind_id_idx on app.events",
    ]


def test_ordering_project_build_applies_to_a_fresh_database(
    pg_server: Server, empty_database: str
) -> None:
    result = build(load_project(ORDERING))
    with connect(pg_server.url(empty_database)) as conn, conn.transaction():
        install_standin(conn, "postgres", "opt-in")
        applied = apply_statements(conn, (s.statement for s in result.statements), role="postgres")
        assert applied == 17
        row = conn.execute("select app.event_count(), count(*) from app.list_events()").fetchone()
        assert row == (0, 0)


def test_function_returning_setof_a_table_comes_after_the_table(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/aaa.sql": "create function public.all_events() returns setof public.events\n"
            "language plpgsql as $$ begin return; end $$;\n",
            "schema/zzz.sql": "create table public.events (id int);\n",
        },
    )
    assert descriptions(build(load_project(root))) == [
        "table public.events",
        "function public.all_events()",
    ]


def test_sql_function_body_reading_a_table_comes_after_the_table(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/aaa.sql": "create function public.n() returns bigint language sql\n"
            "as $$ select count(*) from events $$;\n",
            "schema/zzz.sql": "create table public.events (id int);\n",
        },
    )
    assert descriptions(build(load_project(root))) == ["table public.events", "function public.n()"]


def test_sql_standard_function_body_reading_a_table_comes_after_the_table(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/aaa.sql": "create function public.n() returns bigint language sql\n"
            "return (select count(*) from public.events);\n",
            "schema/zzz.sql": "create table public.events (id int);\n",
        },
    )
    assert descriptions(build(load_project(root))) == ["table public.events", "function public.n()"]


def test_cte_names_are_not_taken_for_tables(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/view.sql": "create view public.v as\n"
            "with numbers as (select 1 as n) select n from numbers;\n",
        },
    )
    assert descriptions(build(load_project(root))) == ["view public.v"]


def test_unqualified_names_resolve_to_public(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/a.sql": "create view v as select id from t;\n",
            "schema/b.sql": "create table t (id int);\n",
        },
    )
    assert descriptions(build(load_project(root))) == ["table public.t", "view public.v"]


def test_grant_on_all_tables_in_schema_comes_after_every_table_there(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/a_grants.sql": "grant select on all tables in schema app to authenticated;\n"
            "revoke execute on all functions in schema app from public;\n"
            "alter default privileges in schema app\n"
            "    revoke execute on functions from public;\n",
            "schema/b_tables.sql": "create table app.t (id int);\n"
            "create view app.v as select id from app.t;\n"
            "create function app.f() returns int language sql\n"
            "    as $$ select 1 $$;\n",
            "schema/z_schema.sql": "create schema app;\n",
        },
    )
    assert descriptions(build(load_project(root))) == [
        "schema app",
        "AlterDefaultPrivilegesStmt",
        "table app.t",
        "view app.v",
        "grant",  # on all tables in schema app: after app.t and app.v
        "function app.f()",
        "revoke",  # on all functions in schema app: after app.f()
    ]


# --- rejected input ------------------------------------------------------------------


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/tables/ação.sql": "-- é\ncreate table public.ação (id int,, name text);\n",
        },
    )
    assert message == (
        'schema/tables/ação.sql:2:34: syntax error: syntax error at or near "," '
        "(fix the SQL; the position is where PostgreSQL's parser stopped)"
    )


def test_syntax_error_at_end_of_input_points_at_the_last_character(tmp_path: Path) -> None:
    message = build_error(tmp_path, {"schema/t.sql": "create table t (\n\n"})
    assert message.startswith("schema/t.sql:1:17: syntax error: syntax error at end of input")


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("drop table public.things", "DROP"),
        ("insert into public.things values (1)", "INSERT"),
        ("update public.things set id = 2", "UPDATE"),
        ("delete from public.things", "DELETE"),
        ("truncate public.things", "TRUNCATE"),
        ("do $$ begin perform 1; end $$", "DO"),
        ("alter table public.things drop column id", "ALTER TABLE … DROP COLUMN"),
    ],
    ids=["drop", "insert", "update", "delete", "truncate", "do", "drop-column"],
)
def test_non_declarative_statement_is_rejected_with_exit_2(
    tmp_path: Path, statement: str, what: str
) -> None:
    result = build_cli(
        tmp_path,
        {
            "schema/tables/things.sql": f"create table public.things (id int);\n\n  {statement};\n",
        },
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: schema/tables/things.sql:3:3: {what} is not declarative and is not allowed "
        "in schema/ (describe the desired state instead (remove the object from its file to "
        "drop it; put data in seeds/))\n"
    )


def test_foreign_key_to_unknown_table_names_both_ends(tmp_path: Path) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/tables/deals.sql": "create table public.deals (\n"
            "    id int primary key,\n"
            "    stage_id int references public.stages (id)\n);\n",
        },
    )
    assert message.startswith(
        "schema/tables/deals.sql:1:1: table public.deals references unknown table "
        "public.stages (define it under schema/, or declare it in [tool.schemactl] external"
    )


def test_dependency_cycle_names_both_ends(tmp_path: Path) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/tables/a.sql": "create table public.a (id int primary key,\n"
            "    b_id int references public.b (id));\n",
            "schema/tables/b.sql": "create table public.b (id int primary key,\n"
            "    a_id int references public.a (id));\n",
        },
    )
    assert message == (
        "schema/tables/a.sql:1:1: dependency cycle: table public.a (schema/tables/a.sql:1)"
        " -> table public.b (schema/tables/b.sql:1) -> table public.a (schema/tables/a.sql:1)"
        " (break it, e.g. move a foreign key into a separate ALTER TABLE … ADD CONSTRAINT)"
    )


def test_declared_external_objects_are_accepted(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "schema/profiles.sql": "create table public.profiles (\n"
            "    id uuid primary key default auth.uid()\n"
            "        references auth.users (id));\n",
        },
        external=["auth.users", "auth.uid()"],
    )
    assert descriptions(build(load_project(root))) == ["table public.profiles"]


@pytest.mark.parametrize(
    ("external", "missing"),
    [
        (["auth.uid()"], "table auth.users"),
        (["auth.users"], "function auth.uid()"),
    ],
)
def test_undeclared_external_objects_are_rejected(
    tmp_path: Path, external: list[str], missing: str
) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/profiles.sql": "create table public.profiles (\n"
            "    id uuid primary key default auth.uid()\n"
            "        references auth.users (id));\n",
        },
        external,
    )
    assert message.startswith(
        f"schema/profiles.sql:1:1: table public.profiles references unknown {missing} ("
    )


# --- templates ------------------------------------------------------------------------


def test_template_importing_a_macro_library_renders_and_builds() -> None:
    project = load_project(ORDERING)
    rendered = {s.path: s.text for s in read_sources(project, project.schema_dir)}
    assert "schema/_macros.sql.j2" not in rendered
    assert rendered["schema/b_triggers/touch_updated_at.sql.j2"].endswith(
        "create trigger kinds_touch_updated_at\n"
        "    before update on app.kinds\n"
        "    for each row execute function app.touch_updated_at();\n\n"
    )


def test_source_comments_of_a_template_name_lines_of_the_template(tmp_path: Path) -> None:
    files = {
        "schema/_lib.sql.j2": "{% macro table(name) %}\ncreate table public.{{ name }} (\n"
        "    id int primary key\n);\n{% endmacro %}\n",
        "schema/tables.sql.j2": '{% import "_lib.sql.j2" as lib %}\n'
        "{{ lib.table('a') }}\n"
        "\n"
        "create table public.b (id int primary key);\n",
    }
    result = build(load_project(write_project(tmp_path / "project", files)))
    assert [line for line in result.sql.splitlines() if line.startswith("-- schema/")] == [
        "-- schema/tables.sql.j2:2",
        "-- schema/tables.sql.j2:4",
    ]


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/t.sql.j2": "create table t (id int);\n{% if %}\n",
        },
    )
    assert message == (
        "schema/t.sql.j2:2: template syntax error: Expected an expression, got 'end of "
        "statement block' (fix the Jinja2 syntax)"
    )


def test_template_syntax_error_in_macro_library_names_the_library(tmp_path: Path) -> None:
    message = build_error(
        tmp_path,
        {
            "schema/_macros.sql.j2": "{% macro m() %}\nselect {{ }}\n{% endmacro %}\n",
            "schema/t.sql.j2": '{% import "_macros.sql.j2" as x %}\ncreate table t (id int);\n',
        },
    )
    assert message.startswith("schema/_macros.sql.j2:2: template syntax error: ")


def test_build_cli_writes_the_script(tmp_path: Path) -> None:
    root = copy_fixture_project("ordering", tmp_path / "ordering")
    output = tmp_path / "build.sql"
    result = run_cli(["--project", str(root), "build", "-o", str(output)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"wrote {output} (17 statements)\n"
    assert output.read_text() == build(load_project(ORDERING)).sql


def test_build_cli_refuses_an_output_in_a_missing_directory(tmp_path: Path) -> None:
    root = copy_fixture_project("ordering", tmp_path / "ordering")
    output = tmp_path / "missing" / "build.sql"
    result = run_cli(["--project", str(root), "build", "-o", str(output)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {output.parent} does not exist (create the directory or choose another -o path)\n"
    )


def test_source_files_are_parsed_as_given(tmp_path: Path) -> None:
    sources = [
        SourceFile("schema/b.sql", "create table b (a_id int references a (id));\n"),
        SourceFile("schema/a.sql", "create table a (id int primary key);\n"),
    ]
    assert descriptions(build_sources(sources)) == ["table public.a", "table public.b"]
    assert descriptions(build_sources(reversed(sources))) == ["table public.a", "table public.b"]


def test_build_raises_for_a_missing_schema_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.schemactl]\n")
    with pytest.raises(SchemactlError, match=r"^no schema/ directory in "):
        build(load_project(tmp_path))
