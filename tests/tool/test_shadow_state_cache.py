"""The diff's cache of shadow database states (`.schemactl/shadow-states/`) cannot go
stale: after `schemactl reset --grant-mode opt-in` (a new cluster), an unchanged project
still diffs to nothing — it used to write grants under a header saying "Changes: none"."""

from __future__ import annotations

from pathlib import Path

from schemactl.config import load_project
from schemactl.pg import local_database as local_db

from .helpers import copy_fixture_project, run_cli


def test_diff_after_reset_with_another_grant_mode_finds_no_change(tmp_path: Path) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    project = ["--project", str(root)]
    try:
        assert run_cli([*project, "up"]).exit_code == 0
        written = run_cli([*project, "diff", "initial"])
        assert written.exit_code == 0, written.stderr
        assert run_cli([*project, "diff", "--check"]).exit_code == 0
        assert list((root / ".schemactl" / "shadow-states").glob("*.pickle"))
        assert run_cli([*project, "reset", "--grant-mode", "opt-in"]).exit_code == 0
        again = run_cli([*project, "diff", "again"])
        assert (again.exit_code, again.stdout) == (
            0,
            "no changes: supabase/migrations/ already matches schema/ (nothing written)\n",
        )
        assert [p.name.split("_", 1)[1] for p in (root / "supabase" / "migrations").iterdir()] == [
            "initial.sql"
        ]
    finally:
        local_db.remove(load_project(root))
