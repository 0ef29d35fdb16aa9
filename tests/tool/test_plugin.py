"""The pytest plugin `schemactl.testing` (docs/design.md: Tests), run with pytester on the tiny
fixture project, inside this session's server (`--schemactl-db-url`)."""

from __future__ import annotations

import pytest

from schemactl.pg.databases import Server
from tests.support.projects import FIXTURE_PROJECTS


@pytest.fixture
def tiny_project_pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    for path in (FIXTURE_PROJECTS / "tiny").rglob("*"):
        if path.is_file():
            target = pytester.path / path.relative_to(FIXTURE_PROJECTS / "tiny")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return pytester


def run(project: pytest.Pytester, pg_server: Server, *args: str) -> pytest.RunResult:
    return project.runpytest("-p", "no:cacheprovider", "--schemactl-db-url", pg_server.url(), *args)


def test_db_is_rolled_back_between_tests(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    tiny_project_pytester.makepyfile(
        test_rollback="""
        def test_writes(db):
            db.execute("insert into public.tags values (10, 'temporary')")
            assert db.execute("select count(*) from public.tags").fetchone() == (3,)

        def test_does_not_see_the_write(db):
            assert db.execute("select count(*) from public.tags").fetchone() == (2,)
    """
    )
    run(tiny_project_pytester, pg_server).assert_outcomes(passed=2)


def test_db_savepoint_lets_a_test_continue_after_an_expected_error(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    tiny_project_pytester.makepyfile(
        test_savepoint="""
        import psycopg, pytest

        def test_duplicate_is_refused_and_the_test_goes_on(db):
            with pytest.raises(psycopg.errors.UniqueViolation), db.transaction():
                db.execute("insert into public.tags values (1, 'again')")
            assert db.execute("select name from public.tags where id = 1").fetchone() == (
                "work",)
    """
    )
    run(tiny_project_pytester, pg_server).assert_outcomes(passed=1)


def test_committed_db_sees_commits_across_connections(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    tiny_project_pytester.makepyfile(
        test_committed="""
        def test_commit_is_seen_by_another_connection(committed_db):
            committed_db.connection.execute("insert into public.tags values (20, 'shared')")
            other = committed_db.connect()
            assert other.execute("select name from public.tags where id = 20").fetchone() == (
                "shared",)

        def test_next_committed_db_is_fresh(committed_db):
            count = committed_db.connection.execute("select count(*) from public.tags")
            assert count.fetchone() == (2,)

        def test_owner_url_connects_as_the_owner_role(committed_db):
            import psycopg
            with psycopg.connect(committed_db.owner_url) as conn:
                assert conn.execute("select current_user").fetchone() == ("postgres",)

        def test_owner_may_create_schemas_in_a_clone_as_in_the_template(committed_db):
            import psycopg
            with psycopg.connect(committed_db.owner_url) as conn:
                conn.execute("create schema scratch")
                assert conn.execute(
                    "select nspowner::regrole::text from pg_namespace "
                    "where nspname = 'scratch'").fetchone() == ("postgres",)
    """
    )
    run(tiny_project_pytester, pg_server).assert_outcomes(passed=4)


def test_grant_modes_marker_runs_a_test_in_both_modes(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    tiny_project_pytester.makepyfile(
        test_modes="""
        import pytest

        @pytest.mark.grant_modes
        def test_default_privileges_follow_the_mode(db, grant_mode):
            count = db.execute("select count(*) from pg_default_acl").fetchone()[0]
            assert (count > 0) == (grant_mode == "legacy")

        def test_default_mode_is_opt_in(grant_mode):
            assert grant_mode == "opt-in"
    """
    )
    result = run(tiny_project_pytester, pg_server, "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_default_privileges_follow_the_mode[[]opt-in[]] PASSED*",
            "*test_default_privileges_follow_the_mode[[]legacy[]] PASSED*",
        ]
    )


def test_as_user_makes_a_request_of_that_user_and_restores_the_session(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    tiny_project_pytester.makepyfile(
        test_requests="""
        def test_request(db, as_user, make_auth_user):
            ana, bob = make_auth_user("ana@example.test"), make_auth_user("bob@example.test")
            db.execute("insert into public.notes (owner_id, body) values (%s, 'a'), (%s, 'b')",
                       [ana, bob])
            with as_user(ana, email="ana@example.test"):
                row = db.execute("select current_user, auth.uid(), auth.role(), auth.email()"
                                 ).fetchone()
                assert row == ("authenticated", ana, "authenticated", "ana@example.test")
                assert db.execute("select body from public.notes").fetchall() == [("a",)]
                assert db.execute("select public.my_note_count()").fetchone() == (1,)
            row = db.execute("select current_user, auth.uid(), auth.role()").fetchone()
            assert row == ("supabase_admin", None, None)

        def test_anon_and_service_role(db, as_anon, as_service_role):
            import psycopg, pytest
            with pytest.raises(psycopg.errors.InsufficientPrivilege), as_anon():
                db.execute("select * from public.notes")
            with as_service_role():
                assert db.execute("select current_user, auth.role()").fetchone() == (
                    "service_role", "service_role")
            assert db.execute("select current_user").fetchone() == ("supabase_admin",)
    """
    )
    run(tiny_project_pytester, pg_server).assert_outcomes(passed=2)


FAILING_SQL = """\
-- Two seeded tags, one more here.
insert into public.tags values (5, 'five');

do $$
begin
    assert (select count(*) from public.tags) = 3, 'three tags';
    assert (select count(*) from public.tags) = 4, 'four tags';
end
$$;
"""

PASSING_SQL = """\
begin;
insert into public.tags values (5, 'five');
rollback;

do $$
begin
    assert (select count(*) from public.tags) = 2, 'the insert was rolled back';
end
$$;
"""


def test_failing_sql_test_file_reports_file_and_line_of_the_assert(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    sql_dir = tiny_project_pytester.mkdir("tests") / "sql"
    sql_dir.mkdir()
    (sql_dir / "test_tags.sql").write_text(FAILING_SQL)
    (sql_dir / "test_rollback.sql").write_text(PASSING_SQL)
    (sql_dir / "test_error.sql").write_text("select 1;\n\nselect 1 / 0;\n")
    result = run(tiny_project_pytester, pg_server, "-rf")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "tests/sql/test_tags.sql:7: four tags [[]P0004[]]",
            "tests/sql/test_error.sql:3: division by zero [[]22012[]]",
            "FAILED tests/sql/test_tags.sql::test_tags - *",
            "FAILED tests/sql/test_error.sql::test_error - *",
        ]
    )


def test_sql_test_file_with_a_syntax_error_reports_file_line_and_column(
    tiny_project_pytester: pytest.Pytester, pg_server: Server
) -> None:
    (tiny_project_pytester.mkdir("tests") / "test_broken.sql").write_text("select 1;\n  selec 2;\n")
    result = run(tiny_project_pytester, pg_server)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ['tests/test_broken.sql:2:3: syntax error: syntax error at or near "selec" *']
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_schema_that_does_not_apply_fails_each_test_with_its_location(
    tiny_project_pytester: pytest.Pytester, pg_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # summary lines are cut at the terminal's width
    (tiny_project_pytester.path / "schema" / "tables" / "broken.sql").write_text(
        "create table public.broken (\n    id int references public.tags (missing_column)\n);\n"
    )
    tiny_project_pytester.makepyfile(
        test_uses_db="""
        def test_one(db):
            pass

        def test_two(committed_db):
            pass
    """
    )
    result = run(tiny_project_pytester, pg_server)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            '*schemactl: schema/tables/broken.sql:1:1: column "missing_column" referenced in '
            "foreign key constraint does not exist [[]42703[]]*",
        ]
    )
    assert result.stdout.str().count("broken.sql:1:1") == 4  # each error and its summary
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*session.py*")
