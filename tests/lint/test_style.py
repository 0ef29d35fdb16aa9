"""sqlfluff through `schemactl lint`: file:line:col of each finding, Jinja templates with
macro imports, and the precise exemptions where sqlfluff's grammar and PostgreSQL differ."""

from __future__ import annotations

from schemactl.lint import Finding, Note, lint, run_lint

TABLE = """create table public.x (
    a int primary key,
    b text
);

alter table public.x enable row level security;

create policy x_select on public.x
for select to authenticated
using (true);
"""


def test_sqlfluff_finding_in_seeds_has_file_line_and_column(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE,
            "seeds/010_x.sql": "insert into public.x (a)\nVALUES (1)\non conflict do nothing;\n",
        }
    )
    assert lint(project) == [
        Finding("seeds/010_x.sql", 2, 1, "CP01", "Keywords must be lower case."),
    ]


def test_noqa_comment_silences_a_sqlfluff_rule_on_its_line(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE,
            "seeds/010_x.sql": "insert into public.x (a)\nVALUES (1);  -- noqa: CP01\n",
        }
    )
    assert lint(project) == []


def test_template_with_macro_import_is_linted_at_template_lines(lint_project):
    project = lint_project(
        {
            "schema/_macros.sql.j2": (
                "{% macro read_all(table) %}\n"
                "alter table public.{{ table }} enable row level security;\n"
                "\n"
                "create policy {{ table }}_select on public.{{ table }}\n"
                "for select to authenticated\n"
                "using (true);\n"
                "{% endmacro %}\n"
            ),
            "schema/tables.sql.j2": (
                '{% import "_macros.sql.j2" as m %}\n'
                "create table public.x (a int primary key);\n"
                "\n"
                "{% for name in ['y', 'z'] %}\n"
                "create table public.{{ name }} (a int primary key);\n"
                "{% endfor %}\n"
                "\n"
                "{{ m.read_all('x') }}\n"
                "{{ m.read_all('y') }}\n"
                "SELECT 1 as one;\n"
            ),
        }
    )
    assert [(f.code, f.file, f.line, f.col) for f in lint(project)] == [
        ("SC001", "schema/tables.sql.j2", 5, 1),  # public.z: the loop body's line
        ("CP01", "schema/tables.sql.j2", 10, 1),
    ]


def test_comment_and_values_continuation_one_indent_deeper_is_accepted(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE
            + (
                "\ncomment on table public.x is\n"
                "    'A table with a long comment that goes on '\n"
                "    'to a second line.';\n"
            ),
            "seeds/010_x.sql": "insert into public.x (a, b)\nvalues\n    (1, 'one'),\n    (2, 'two')\n"
            "on conflict (a) do nothing;\n",
        }
    )
    assert lint(project) == []


def test_other_continuation_indents_are_still_findings(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE + ("\ncomment on table public.x is\n  'Indented by two.';\n"),
        }
    )
    assert [(f.code, f.line, f.col) for f in lint(project)] == [("LT02", 13, 1)]


def test_insert_select_needs_no_column_aliases_but_a_view_does(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE
            + (
                "\ncreate view public.x_count with (security_invoker = true) as\n"
                "select\n"
                "    count(*),\n"
                "    max(x.a)\n"
                "from public.x;\n"
            ),
            "seeds/010_x.sql": (
                "insert into public.x (a, b)\n"
                "select\n"
                "    1,\n"
                "    'one' || 'two'\n"
                "on conflict (a) do nothing;\n"
            ),
        }
    )
    assert [(f.file, f.code, f.line, f.col) for f in lint(project)] == [
        ("schema/x.sql", "AL03", 14, 5),
        ("schema/x.sql", "AL03", 15, 5),
    ]


def test_a_statement_sqlfluff_cannot_parse_is_skipped_alone_with_a_note(lint_project):
    project = lint_project(
        {
            "schema/x.sql": TABLE
            + (
                "\ncreate function public.on_ddl()\n"
                "returns event_trigger\n"
                "language plpgsql\n"
                "as $$ begin null; end $$;\n"
                "\n"
                "create event trigger on_ddl on ddl_command_end\n"
                "execute function public.on_ddl();\n"
                "\n"
                "COMMENT on table public.x is 'after the unparsable statement';\n"
            )
        }
    )
    report = run_lint(project)
    assert [(f.code, f.line, f.col) for f in report.findings] == [("CP01", 20, 1)]
    assert report.notes == [
        Note(
            "schema/x.sql",
            17,
            1,
            "sqlfluff cannot parse this statement (PostgreSQL can): its style is not checked",
        )
    ]


def test_many_files_are_linted_in_parallel_with_the_same_results(lint_project, monkeypatch):
    monkeypatch.setattr("schemactl.lint.style._usable_cpus", lambda: 2)
    files = {f"seeds/{n:03}_x.sql": f"insert into public.x (a) values ({n});\n" for n in range(20)}
    files["seeds/007_x.sql"] = "insert into public.x (a) VALUES (7);\n"
    project = lint_project({"schema/x.sql": TABLE, **files})
    assert lint(project) == [
        Finding("seeds/007_x.sql", 1, 26, "CP01", "Keywords must be lower case.")
    ]


def test_in_a_template_an_unparsable_statement_stops_style_checks_with_a_note(lint_project):
    project = lint_project(
        {
            "schema/x.sql.j2": TABLE
            + (
                "\ncreate function public.on_ddl()\n"
                "returns event_trigger\n"
                "language plpgsql\n"
                "as $$ begin null; end $$;\n"
                "\n"
                "{% for name in ['on_ddl'] %}\n"
                "create event trigger {{ name }} on ddl_command_end\n"
                "execute function public.{{ name }}();\n"
                "{% endfor %}\n"
            )
        }
    )
    report = run_lint(project)
    assert report.findings == []
    assert report.notes == [
        Note(
            "schema/x.sql.j2",
            18,
            1,
            "sqlfluff cannot parse the rendered template from here (PostgreSQL can): the rest of "
            "this file's style is not checked",
        )
    ]
