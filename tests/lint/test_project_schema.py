"""The project's own schema/ passes the structural rules, with no blanket waivers: every
waiver is listed here, so adding one is visible in review. (sqlfluff over the whole
project runs in CI as `schemactl lint`.)"""

from __future__ import annotations

from pathlib import Path

from schemactl.build.builder import build
from schemactl.config import load_project
from schemactl.lint import structural_findings
from schemactl.lint.waivers import read_waivers
from schemactl.source.files import read_sources

REPO = Path(__file__).resolve().parents[2]


def test_the_project_schema_has_no_structural_findings():
    assert structural_findings(load_project(REPO)) == []


def test_the_project_waives_only_these_findings():
    project = load_project(REPO)
    waivers = read_waivers(
        read_sources(project, project.schema_dir),
        (item.statement for item in build(project).statements),
    )
    assert waivers.problems == []
    assert sorted(
        (key[0], key[1], waiver.codes)
        for key, entries in waivers.by_statement.items()
        for waiver in entries
    ) == [
        # RLS on with no policy on purpose: only SECURITY DEFINER functions reach them.
        ("schema/policies/api_key_secrets.sql", 4, ("SC002",)),
        ("schema/policies/rate_limits.sql", 4, ("SC002",)),
        # Webhook endpoints, deliveries and signing secrets: the operator's (owner and
        # service_role); URLs and secrets are never an API user's.
        ("schema/policies/webhook_endpoints.sql", 4, ("SC002",)),
        ("schema/policies/webhook_endpoints.sql", 10, ("SC002",)),
        ("schema/policies/webhook_endpoints.sql", 20, ("SC002",)),
    ]
