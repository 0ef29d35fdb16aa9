"""The structural rules' codes (docs/design.md: Commands and errors) and what a rule reports."""

from __future__ import annotations

from dataclasses import dataclass

from schemactl.lint.model import Site

WAIVER_CODE = "SC000"

RULES: dict[str, str] = {
    WAIVER_CODE: "malformed, misplaced or unused waiver",
    "SC001": "table in an API-exposed schema without row level security",
    "SC002": "row level security enabled with no policy",
    "SC003": "foreign key without a covering index",
    "SC004": "policy calls auth.uid(), auth.jwt() or current_setting() per row",
    "SC005": "function search_path other than pg_catalog, pg_temp (or none on a definer)",
    "SC006": "policy without TO role",
    "SC007": "timestamp without time zone, or float/money column",
    "SC008": "materialized view in an exposed schema",
    "SC009": "view in an exposed schema without security_invoker",
    "SC010": "table with updated_at but no trigger that sets it",
    "SC011": "more than one permissive policy for the same role and command",
    "SC012": "security definer function in an exposed schema executable by anon or PUBLIC",
    "SC013": "policy USING (true) / WITH CHECK (true) for a write command",
    "SC014": "table, view or schema without a comment (with require_comments = true)",
    "SC015": "migration statement the Supabase CLI would split differently from PostgreSQL",
}
# SC015 is about supabase/migrations/ and supabase/seed.sql, which hold no waivers: the
# CLI would fail on such a statement, whatever a comment says.
WAIVABLE = frozenset(RULES) - {WAIVER_CODE, "SC015"}


@dataclass(frozen=True)
class Violation:
    """A structural rule's finding before waivers are applied."""

    code: str
    message: str
    site: Site
