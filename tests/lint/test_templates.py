"""Structural findings in Jinja2 templates point into the template, not its rendering."""

from __future__ import annotations

from schemactl.lint import structural_findings

from .helpers import codes_at

MACROS = """{% macro open_policy(table) %}
create policy {{ table }}_select on app.{{ table }}
for select
using (true);
{% endmacro %}
"""
TABLES = """create schema app;

create table app.a (id int primary key);

create table app.b (id int primary key);
"""


def test_finding_in_macro_output_points_at_the_call(lint_project):
    project = lint_project(
        {
            "schema/_macros.sql.j2": MACROS,
            "schema/tables.sql": TABLES,
            "schema/policies.sql.j2": (
                '{% import "_macros.sql.j2" as m %}\n'
                "alter table app.a enable row level security;\n"
                "alter table app.b enable row level security;\n"
                "\n"
                "{{ m.open_policy('a') }}\n"
                "  {{ m.open_policy('b') }}\n"
            ),
        }
    )
    assert codes_at(structural_findings(project)) == [
        ("SC006", "schema/policies.sql.j2", 5, 1),
        ("SC006", "schema/policies.sql.j2", 6, 3),
    ]


def test_literal_lines_keep_their_template_line_after_block_tags(lint_project):
    project = lint_project(
        {
            "schema/tables.sql": TABLES,
            "schema/policies.sql.j2": (
                "{% set tables = ['a', 'b'] %}\n"
                "{% for t in tables %}\n"
                "alter table app.{{ t }} enable row level security;\n"
                "{% endfor %}\n"
                "\n"
                "create policy a_select on app.a\n"
                "for select to authenticated\n"
                "using (true);\n"
                "\n"
                "create policy b_select on app.b\n"
                "for select\n"
                "using (true);\n"
            ),
        }
    )
    assert codes_at(structural_findings(project)) == [("SC006", "schema/policies.sql.j2", 10, 1)]


def test_a_waiver_before_a_macro_call_waives_what_it_generates(lint_project):
    project = lint_project(
        {
            "schema/_macros.sql.j2": MACROS,
            "schema/tables.sql": TABLES,
            "schema/policies.sql.j2": (
                '{% import "_macros.sql.j2" as m %}\n'
                "alter table app.a enable row level security;\n"
                "alter table app.b enable row level security;\n"
                "\n"
                "-- schemactl: allow SC006 because a is public reference data\n"
                "{{ m.open_policy('a') }}\n"
                "{{ m.open_policy('b') }}\n"
            ),
        }
    )
    assert codes_at(structural_findings(project)) == [("SC006", "schema/policies.sql.j2", 7, 1)]
