"""Each structural rule: a fixture schema that breaks it (exact code, file, line, column
and what the message names) and its corrected twin, which lints clean — sqlfluff included.

Fixtures: tests/fixtures/lint/<rule>/{bad,good}/schema/…
"""

from __future__ import annotations

import pytest

from schemactl.lint import lint

# rule -> every finding of its bad fixture: (code, file, line, col, message up to ": ")
BAD = {
    "SC001": [
        (
            "SC001",
            "schema/tables/notes.sql",
            1,
            1,
            "table public.notes is in API-exposed schema public without row level security",
        )
    ],
    "SC002": [
        (
            "SC002",
            "schema/policies/secrets.sql",
            2,
            1,
            "row level security is enabled on app.secrets but no policy exists",
        )
    ],
    "SC003": [
        (
            "SC003",
            "schema/tables/orders.sql",
            3,
            31,
            "foreign key app.orders (customer_id) -> app.customers has no index on app.orders "
            "that starts with (customer_id)",
        )
    ],
    "SC004": [
        (
            "SC004",
            "schema/policies/notes.sql",
            5,
            19,
            'policy "notes_select" on app.notes calls auth.uid() in its using expression once '
            "per row",
        ),
        (
            "SC004",
            "schema/policies/notes.sql",
            13,
            32,
            'policy "notes_update" on app.notes calls auth.uid() in its with check expression '
            "once per row",
        ),
        (
            "SC004",
            "schema/policies/notes.sql",
            15,
            9,
            'policy "notes_update" on app.notes calls current_setting(…) in its with check '
            "expression once per row",
        ),
    ],
    "SC005": [
        (
            "SC005",
            "schema/functions/owner_count.sql",
            1,
            1,
            "security definer function app.owner_count() does not set search_path",
        )
    ],
    "SC006": [
        (
            "SC006",
            "schema/policies/notes.sql",
            3,
            1,
            'policy "notes_select" on app.notes has no TO role, so it applies to PUBLIC '
            "(anon included) and is evaluated for every role; name the roles, e.g. "
            "`to authenticated`",
        )
    ],
    "SC007": [
        (
            "SC007",
            "schema/tables/bookings.sql",
            3,
            5,
            "column app.bookings.starts_at is timestamp without time zone",
        ),
        ("SC007", "schema/tables/bookings.sql", 4, 5, "column app.bookings.price is money"),
        (
            "SC007",
            "schema/tables/bookings.sql",
            5,
            5,
            "column app.bookings.weight is double precision (float8)",
        ),
    ],
    "SC008": [
        (
            "SC008",
            "schema/views/sales_total.sql",
            1,
            1,
            "materialized view public.sales_total is in API-exposed schema public",
        )
    ],
    "SC009": [
        (
            "SC009",
            "schema/views/big_sales.sql",
            1,
            1,
            "view public.big_sales is in API-exposed schema public without security_invoker",
        )
    ],
    "SC010": [
        (
            "SC010",
            "schema/tables/items.sql",
            5,
            5,
            "table app.items has updated_at but no BEFORE UPDATE … FOR EACH ROW trigger whose "
            "function sets new.updated_at",
        )
    ],
    "SC011": [
        (
            "SC011",
            "schema/policies/notes.sql",
            8,
            1,
            'policy "notes_shared" on app.notes is another permissive policy for '
            'authenticated select (with "notes_own")',
        )
    ],
    "SC012": [
        (
            "SC012",
            "schema/functions/issue_token.sql",
            1,
            1,
            "security definer function public.issue_token() in API-exposed schema public is "
            "executable by anon",
        )
    ],
    "SC013": [
        (
            "SC013",
            "schema/policies/notes.sql",
            8,
            1,
            'policy "notes_insert" on app.notes has with check (true) for insert',
        )
    ],
    "SC014": [
        ("SC014", "schema/schemas.sql", 1, 1, "schema app has no comment"),
        ("SC014", "schema/tables/notes.sql", 1, 1, "table app.notes has no comment"),
    ],
    # supabase/migrations/: what `supabase db push` would send cut in two.
    "SC015": [
        (
            "SC015",
            "supabase/migrations/20250101000000_notes.sql",
            9,
            1,
            "the Supabase CLI cuts this statement in two at the `;` of "
            "`…values (new.id);` (line 11:55)",
        ),
        (
            "SC015",
            "supabase/migrations/20250101000000_notes.sql",
            15,
            1,
            "the Supabase CLI cuts this statement in two at the `;` of "
            "`…the author\\'s text;` (line 15:58)",
        ),
    ],
}


def _summary(message: str) -> str:
    return message.split(": ", 1)[0]


@pytest.mark.parametrize("rule", sorted(BAD))
def test_bad_fixture_breaks_exactly_its_rule(rule, fixture_project):
    findings = lint(fixture_project(rule, "bad"))
    assert [(f.code, f.file, f.line, f.col, _summary(f.message)) for f in findings] == BAD[rule]


@pytest.mark.parametrize("rule", sorted(BAD))
def test_corrected_twin_lints_clean(rule, fixture_project):
    assert lint(fixture_project(rule, "good")) == []


def test_every_rule_has_a_fixture():
    from schemactl.lint import RULES

    assert sorted(BAD) == sorted(code for code in RULES if code != "SC000")
