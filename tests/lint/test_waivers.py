"""Waivers: `-- schemactl: allow SC0NN because <reason>` on the object's statement, and
SC000 for every waiver that cannot be trusted."""

from __future__ import annotations

import pytest

from schemactl.lint import structural_findings

from .helpers import codes_at

TABLE = """create schema app;

create table app.secrets (
    id uuid primary key default gen_random_uuid(),
    value text not null
);
"""
POLICY_FILE = "schema/policies/secrets.sql"


def _findings(lint_project, policies: str):
    project = lint_project({"schema/tables/secrets.sql": TABLE, POLICY_FILE: policies})
    return structural_findings(project)


def test_waiver_with_reason_silences_that_finding(lint_project):
    findings = _findings(
        lint_project,
        (
            "-- schemactl: allow SC002 because only security definer functions read it\n"
            "alter table app.secrets enable row level security;\n"
        ),
    )
    assert findings == []


def test_waiver_on_the_statement_line_itself_counts(lint_project):
    findings = _findings(
        lint_project,
        (
            "alter table app.secrets enable row level security; "
            "-- schemactl: allow SC002 because only security definer functions read it\n"
        ),
    )
    assert findings == []


def test_waiver_in_a_block_comment_counts(lint_project):
    findings = _findings(
        lint_project,
        (
            "/* schemactl: allow SC002 because only security definer functions read it */\n"
            "alter table app.secrets enable row level security;\n"
        ),
    )
    assert findings == []


def test_waiver_without_reason_is_a_finding_and_waives_nothing(lint_project):
    findings = _findings(
        lint_project,
        ("-- schemactl: allow SC002\nalter table app.secrets enable row level security;\n"),
    )
    assert codes_at(findings) == [
        ("SC000", POLICY_FILE, 1, 1),
        ("SC002", POLICY_FILE, 2, 1),
    ]
    assert findings[0].message == "waiver for SC002 gives no reason: say why after `because`"


def test_waiver_with_empty_reason_is_a_finding(lint_project):
    findings = _findings(
        lint_project,
        (
            "-- schemactl: allow SC002 because   \n"
            "alter table app.secrets enable row level security;\n"
        ),
    )
    assert codes_at(findings) == [("SC000", POLICY_FILE, 1, 1), ("SC002", POLICY_FILE, 2, 1)]


@pytest.mark.parametrize("code", ["SC099", "SC000", "LT02"])
def test_waiver_for_an_unknown_rule_is_a_finding(lint_project, code):
    findings = _findings(
        lint_project,
        (
            f"-- schemactl: allow {code} because reasons\n"
            "alter table app.secrets enable row level security;\n"
        ),
    )
    assert codes_at(findings) == [("SC000", POLICY_FILE, 1, 1), ("SC002", POLICY_FILE, 2, 1)]
    assert findings[0].message.startswith(f"waiver names unknown rule {code}: ")


def test_malformed_waiver_is_a_finding(lint_project):
    findings = _findings(
        lint_project,
        ("-- schemactl: ignore SC002 please\nalter table app.secrets enable row level security;\n"),
    )
    assert codes_at(findings) == [("SC000", POLICY_FILE, 1, 1), ("SC002", POLICY_FILE, 2, 1)]
    assert findings[0].message == (
        "malformed waiver: write `-- schemactl: allow SC0NN because <reason>` right before "
        "the statement"
    )


def test_waiver_inside_a_statement_is_a_finding(lint_project):
    project = lint_project(
        {
            "schema/tables/t.sql": (
                "create schema app;\n"
                "\n"
                "create table app.bookings (\n"
                "    -- schemactl: allow SC007 because legacy import format\n"
                "    starts_at timestamp\n"
                ");\n"
            )
        }
    )
    findings = structural_findings(project)
    assert codes_at(findings) == [
        ("SC000", "schema/tables/t.sql", 4, 5),
        ("SC007", "schema/tables/t.sql", 5, 5),
    ]
    assert findings[0].message.startswith("waiver inside a statement has no effect: ")


def test_waiver_after_the_last_statement_is_a_finding(lint_project):
    findings = _findings(
        lint_project,
        (
            "alter table app.secrets enable row level security;\n"
            "\n"
            "-- schemactl: allow SC002 because only security definer functions read it\n"
        ),
    )
    assert codes_at(findings) == [("SC002", POLICY_FILE, 1, 1), ("SC000", POLICY_FILE, 3, 1)]
    assert findings[1].message.startswith("waiver is not attached to any statement: ")


def test_unused_waiver_is_a_finding(lint_project):
    findings = _findings(
        lint_project,
        (
            "alter table app.secrets enable row level security;\n"
            "\n"
            "-- schemactl: allow SC002, SC006 because only definer functions read it\n"
            "create policy secrets_none on app.secrets\n"
            "for select to authenticated\n"
            "using (false);\n"
        ),
    )
    assert codes_at(findings) == [("SC000", POLICY_FILE, 3, 1), ("SC000", POLICY_FILE, 3, 1)]
    assert sorted(f.message for f in findings) == [
        "waiver for SC002 matches no SC002 finding on this statement: remove it",
        "waiver for SC006 matches no SC006 finding on this statement: remove it",
    ]


def test_waiver_covers_only_the_codes_it_names(lint_project):
    project = lint_project(
        {
            "schema/tables/t.sql": (
                "create schema app;\n"
                "\n"
                "-- schemactl: allow SC007 because the bank sends local times\n"
                "create table app.transfers (\n"
                "    id uuid primary key,\n"
                "    booked_at timestamp,\n"
                "    customer_id uuid references app.transfers (id)\n"
                ");\n"
            )
        }
    )
    assert codes_at(structural_findings(project)) == [("SC003", "schema/tables/t.sql", 7, 22)]


def test_a_prose_mention_of_schemactl_is_not_a_waiver(lint_project):
    findings = _findings(
        lint_project,
        (
            "-- Checked by schemactl: see docs/lint.md.\n"
            "alter table app.secrets enable row level security;\n"
        ),
    )
    assert codes_at(findings) == [("SC002", POLICY_FILE, 2, 1)]
