"""`schemactl lint [--format text|json|github]`: output that parses, and exit codes
0 (clean), 1 (findings), 2 (input errors with file:line:col)."""

from __future__ import annotations

import json
import re

import pytest

from schemactl.cli import main
from schemactl.lint import Finding, render

# https://docs.github.com/actions/reference/workflow-commands-for-github-actions
ANNOTATION = re.compile(
    r"^::error file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[A-Z]{2}\d{2,3})::(?P<message>[^\r\n]+)$"
)


def run(project, *args: str, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["--project", str(project.root), "lint", *args])
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def test_clean_project_exits_0(fixture_project, capsys):
    code, out, err = run(fixture_project("SC001", "good"), capsys=capsys)
    assert (code, out, err) == (0, "", "lint: no findings\n")


def test_text_format_is_file_line_col_code_message(fixture_project, capsys):
    code, out, err = run(fixture_project("SC007", "bad"), capsys=capsys)
    assert code == 1
    assert [line.split(" ", 2)[:2] for line in out.splitlines()] == [
        ["schema/tables/bookings.sql:3:5", "SC007"],
        ["schema/tables/bookings.sql:4:5", "SC007"],
        ["schema/tables/bookings.sql:5:5", "SC007"],
    ]
    assert err.startswith("error: 3 lint findings (")


def test_json_format_loads_as_a_list_of_findings(fixture_project, capsys):
    code, out, _ = run(fixture_project("SC004", "bad"), "--format", "json", capsys=capsys)
    assert code == 1
    loaded = json.loads(out)
    assert [(f["file"], f["line"], f["col"], f["code"]) for f in loaded] == [
        ("schema/policies/notes.sql", 5, 19, "SC004"),
        ("schema/policies/notes.sql", 13, 32, "SC004"),
        ("schema/policies/notes.sql", 15, 9, "SC004"),
    ]
    assert sorted(loaded[0]) == ["code", "col", "file", "line", "message"]


def test_json_format_of_a_clean_project_is_an_empty_list(fixture_project, capsys):
    code, out, _ = run(fixture_project("SC004", "good"), "--format", "json", capsys=capsys)
    assert (code, json.loads(out)) == (0, [])


def test_github_format_lines_are_error_annotations(fixture_project, capsys):
    code, out, _ = run(fixture_project("SC011", "bad"), "--format", "github", capsys=capsys)
    assert code == 1
    matches = [ANNOTATION.match(line) for line in out.splitlines()]
    assert all(matches)
    assert [(m["file"], m["line"], m["col"], m["title"]) for m in matches] == [
        ("schema/policies/notes.sql", "8", "1", "SC011")
    ]


def test_github_annotation_escapes_what_would_end_the_command():
    finding = Finding("schema/a,b.sql", 3, 4, "LT01", "50% of\nthe line: bad")
    assert render([finding], "github") == (
        "::error file=schema/a%2Cb.sql,line=3,col=4,title=LT01::50%25 of%0Athe line: bad\n"
    )


def test_syntax_error_exits_2_with_file_line_col(lint_project, capsys):
    project = lint_project({"schema/tables/x.sql": "create table public.x (\n    a int,,\n);\n"})
    code, out, err = run(project, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.startswith(
        'error: schema/tables/x.sql:2:11: syntax error: syntax error at or near ","'
    )


def test_syntax_error_in_seeds_exits_2(lint_project, capsys):
    project = lint_project(
        {"schema/x.sql": "create schema app;\n", "seeds/010.sql": "insert into app.x values (1;\n"}
    )
    code, _, err = run(project, capsys=capsys)
    assert code == 2
    assert err.startswith("error: seeds/010.sql:1:28: syntax error")


def test_unknown_lint_setting_exits_2(lint_project, capsys):
    project = lint_project(
        {"schema/x.sql": "create schema app;\n"},
        "\n[tool.schemactl.lint]\nupdated_at_colum = 'x'\n",
    )
    code, _, err = run(project, capsys=capsys)
    assert code == 2
    assert err == (
        "error: pyproject.toml: unknown key 'updated_at_colum' in "
        "[tool.schemactl.lint] (known keys: require_comments, sql_directories, "
        "updated_at_column, updated_at_functions)\n"
    )


def test_sql_directories_are_checked_by_sqlfluff_too(lint_project, capsys):
    project = lint_project(
        {
            "schema/x.sql": "create schema app;\n",
            "plugin/sql/report.sql": "SELECT 1 AS one\n",
        },
        "\n[tool.schemactl.lint]\nsql_directories = ['plugin/sql']\n",
    )
    code, out, _ = run(project, capsys=capsys)
    assert code == 1
    assert out.splitlines() == [
        "plugin/sql/report.sql:1:1 CP01 Keywords must be lower case.",
        "plugin/sql/report.sql:1:10 CP01 Keywords must be lower case.",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "'plugin/sql'",
            "[tool.schemactl.lint] sql_directories must be a list of directories "
            '(e.g. sql_directories = ["src/my_plugin/sql"] (relative to the project))',
        ),
        (
            "['plugin/none']",
            "[tool.schemactl.lint] sql_directories: 'plugin/none' is not a directory of this "
            "project (name a directory relative to the project root, or remove the entry)",
        ),
        (
            "['..']",
            "[tool.schemactl.lint] sql_directories: '..' is not a directory of this "
            "project (name a directory relative to the project root, or remove the entry)",
        ),
    ],
)
def test_bad_sql_directories_exit_2(lint_project, capsys, value, message):
    project = lint_project(
        {"schema/x.sql": "create schema app;\n"},
        f"\n[tool.schemactl.lint]\nsql_directories = {value}\n",
    )
    code, _, err = run(project, capsys=capsys)
    assert (code, err) == (2, f"error: pyproject.toml: {message}\n")


def test_notes_go_to_standard_error_and_do_not_fail_lint(lint_project, capsys):
    project = lint_project(
        {
            "schema/x.sql": (
                "create function public.on_ddl()\n"
                "returns event_trigger\n"
                "language plpgsql\n"
                "as $$ begin null; end $$;\n"
                "\n"
                "create event trigger on_ddl on ddl_command_end\n"
                "execute function public.on_ddl();\n"
            )
        }
    )
    code, out, err = run(project, "--format", "json", capsys=capsys)
    assert (code, json.loads(out)) == (0, [])
    assert err == (
        "note: schema/x.sql:6:1 sqlfluff cannot parse this statement (PostgreSQL "
        "can): its style is not checked\nlint: no findings\n"
    )


def test_invalid_sqlfluff_configuration_exits_2(lint_project, capsys):
    project = lint_project({"schema/x.sql": "create schema app;\n"})
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text("utf-8").replace('dialect = "postgres"', 'dialect = "postgresql"'),
        encoding="utf-8",
    )
    code, out, err = run(project, capsys=capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: pyproject.toml: invalid [tool.sqlfluff] configuration: ")
