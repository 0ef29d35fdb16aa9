"""The diff engine on one scenario per folder of tests/fixtures/diff/: `before.sql` is the
state the migrations reach, `after.sql` is schema/, `expected.sql` is the migration
`schemactl diff` writes (header included).

Round trip: writing a migration applies it to the replayed migrations (in the shadow
database, as the owner role) and diffs again, with `results` and with the catalog
comparison; anything left is an error (see test_round_trip_failure_is_an_error). A few
cases are also replayed from the written file, independently, by `diff --check`.

Set SCHEMACTL_UPDATE_GOLDEN=1 to rewrite the expected files (then review them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemactl.config import Project
from schemactl.diff import engine as diff
from schemactl.diff.gaps import GapStatements
from schemactl.errors import SchemactlError
from schemactl.migrations.from_schema import check_migrations, generate_migration

from .helpers import FIXED_NOW, migrations_project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diff"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


# Cases whose written files are also replayed on their own (CREATE/re-CREATE with grants,
# cascading revokes, default privileges, objects on auth.users, a new enum, constraints
# added NOT VALID and validated by a follow-up migration).
REPLAYED = (
    "new_table_grants",
    "view_recreated_keeps_grants",
    "table_revoke_keeps_column_grants",
    "default_privileges",
    "auth_users_trigger",
    "new_enum_type",
    "function_returns_table_rows",
    "constraint",
    "not_null",
)


def fixture_project(case: str, root: Path) -> Project:
    folder = FIXTURES / case
    return migrations_project(
        root / case,
        (folder / "after.sql").read_text(),
        {"20240101000000_before.sql": (folder / "before.sql").read_text()},
    )


@pytest.mark.parametrize("case", CASES)
def test_diff_writes_the_expected_migration(case: str, tmp_path: Path, server_url: str) -> None:
    project = fixture_project(case, tmp_path)
    result = generate_migration(
        project, case, shadow_url=server_url, allow_destructive=True, now=FIXED_NOW
    )
    expected = FIXTURES / case / "expected.sql"
    expected_follow_up = FIXTURES / case / "expected_validate.sql"
    if os.environ.get("SCHEMACTL_UPDATE_GOLDEN"):
        expected.write_text(result.text)
        if result.follow_up_text:
            expected_follow_up.write_text(result.follow_up_text)
    assert result.path == project.migrations_dir / f"20250102030405_{case}.sql"
    assert result.text == expected.read_text()
    assert result.path.read_text() == result.text
    if expected_follow_up.exists():
        assert result.follow_up == project.migrations_dir / f"20250102030406_{case}_validate.sql"
        assert result.follow_up_text == expected_follow_up.read_text()
        assert result.follow_up.read_text() == result.follow_up_text
    else:
        assert (result.follow_up, result.follow_up_text) == (None, "")
    if case in REPLAYED:
        written = 3 if result.follow_up else 2
        assert check_migrations(project, shadow_url=server_url) == written


def test_round_trip_failure_is_an_error(
    tmp_path: Path, server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A diff that would not reproduce schema/ is refused, naming what is left."""
    project = fixture_project("column_grant", tmp_path)
    original = diff.gap_statements

    def losing_grants(*args: object, **kwargs: object) -> GapStatements:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        return GapStatements(privileges=found.privileges[:1])

    monkeypatch.setattr(diff, "gap_statements", losing_grants)
    with pytest.raises(SchemactlError) as caught:
        generate_migration(project, "column_grant", shadow_url=server_url, now=FIXED_NOW)
    assert caught.value.message.startswith(
        "the generated migration does not reproduce schema/ exactly; still different after "
        "applying it: privileges on ('column', 'public.organizations', 'name'): None instead "
        "of {'authenticated': {'UPDATE': False}}"
    )
    assert list(project.migrations_dir.iterdir()) == [
        project.migrations_dir / "20240101000000_before.sql"
    ]
