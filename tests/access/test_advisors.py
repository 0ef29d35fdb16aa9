"""Supabase's own database linter (splinter), run by the real Supabase CLI's `db
advisors` against the built schema: no WARN or ERROR finding, in either grant mode."""

from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from schemactl.testing.session import CommittedDatabase

pytestmark = pytest.mark.grant_modes

SUPABASE_CLI = "the Supabase CLI is not on PATH (npm install supabase@3.1.0; .ci/run installs it)"

# The INFO findings of a fresh database, each accepted: a new database has used no
# index yet; the private tables are reached only through SECURITY DEFINER functions,
# so RLS with no policy is their point (no API role holds a grant on them either).
ACCEPTED_INFO = {"unused_index", "rls_enabled_no_policy"}


def cli_url(url: str) -> str:
    """The CLI's parser wants a socket server's user in the query, not before `@`."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.username:
        query["user"] = parts.username
    host = parts.netloc.rpartition("@")[2]
    return f"postgresql://{host}{parts.path}?{urlencode(query)}"


def advisors(url: str, level: str) -> list[dict[str, object]]:
    supabase = shutil.which("supabase")
    if supabase is None:
        pytest.skip(SUPABASE_CLI)
    result = subprocess.run(
        [
            supabase,
            "db",
            "advisors",
            f"--remote={cli_url(url)}",
            "--type",
            "all",
            "--level",
            level,
            "--output-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, result.stderr + output
    report = json.loads(output[output.index("{") :])
    return list(report["results"])


def test_splinter_finds_no_warning_or_error(committed_db: CommittedDatabase) -> None:
    findings = advisors(committed_db.url, "warn")
    assert [(f["level"], f["name"], f["detail"]) for f in findings] == []


def test_splinter_info_findings_are_the_accepted_kinds(committed_db: CommittedDatabase) -> None:
    findings = advisors(committed_db.url, "info")
    assert {str(f["name"]) for f in findings} <= ACCEPTED_INFO
    assert {str(f["detail"]) for f in findings if f["name"] == "rls_enabled_no_policy"} == {
        # The tables with an SC002 waiver: only definer functions, the owner and
        # service_role (BYPASSRLS) reach them.
        "Table `private.api_key_secrets` has RLS enabled, but no policies exist",
        "Table `private.rate_limits` has RLS enabled, but no policies exist",
        "Table `private.webhook_endpoint_secrets` has RLS enabled, but no policies exist",
        "Table `public.webhook_deliveries` has RLS enabled, but no policies exist",
        "Table `public.webhook_endpoints` has RLS enabled, but no policies exist",
    }
