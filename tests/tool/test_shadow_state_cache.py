"""The diff's caches under `.schemactl/` cannot go stale: the shadow database states
(`shadow-states/`): after `schemactl reset --grant-mode opt-in` (a new cluster), an
unchanged project still diffs to nothing — it used to write grants under a header saying
"Changes: none"; and the remembered `diff --check` matches (`check-verdicts/`): a change
to schema/ or to a migration is diffed again."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.config import load_project
from schemactl.diff import engine as diff_engine
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


def test_a_remembered_match_answers_only_for_the_same_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    project = ["--project", str(root)]
    tags = root / "schema" / "tables" / "tags.sql"
    original = tags.read_text()
    try:
        assert run_cli([*project, "up"]).exit_code == 0
        assert run_cli([*project, "diff", "initial"]).exit_code == 0
        assert run_cli([*project, "diff", "--check"]).exit_code == 0
        assert len(list((root / ".schemactl" / "check-verdicts").iterdir())) == 1

        tags.write_text(original + "\ncomment on table public.tags is 'changed';\n")
        changed = run_cli([*project, "diff", "--check"])
        assert changed.exit_code == 1
        assert "supabase/migrations/ does not match schema/: 1 statement(s) missing" in (
            changed.stderr
        )

        [migration] = (root / "supabase" / "migrations").iterdir()
        written = migration.read_text()
        migration.write_text(written + "\ncomment on table public.tags is 'changed';\n")
        assert run_cli([*project, "diff", "--check"]).exit_code == 0
        assert len(list((root / ".schemactl" / "check-verdicts").iterdir())) == 2

        def no_diff(*args: object, **kwargs: object) -> None:
            raise AssertionError("diffed again")

        tags.write_text(original)
        migration.write_text(written)
        monkeypatch.setattr(diff_engine, "read_state", no_diff)
        remembered = run_cli([*project, "diff", "--check"])
        assert (remembered.exit_code, remembered.stdout) == (
            0,
            "supabase/migrations/ (1 migrations) matches schema/\n",
        )
    finally:
        local_db.remove(load_project(root))
