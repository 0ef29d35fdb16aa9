"""What still differs between two catalog snapshots (`gaps.snapshot`), one line each:
the diff engine's round-trip check and `drift`/`diff --check` read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemactl.diff.gaps import RelationSettings, Snapshot


def differences(actual: Snapshot, expected: Snapshot) -> list[str]:
    """What still differs between two snapshots, one line each (for the round-trip check)."""
    found: list[str] = []

    def compare(label: str, a: Mapping[Any, object], b: Mapping[Any, object]) -> None:
        for key in sorted(set(a) | set(b), key=repr):
            if a.get(key) != b.get(key):
                found.append(f"{label} {key}: {a.get(key)!r} instead of {b.get(key)!r}")

    compare("privileges on", actual.acls, expected.acls)
    compare("default privileges", actual.default_acls, expected.default_acls)
    compare("publication", actual.publications, expected.publications)
    compare("publication member", actual.members, expected.members)
    compare(
        "settings of",
        {k: _settings(v) for k, v in actual.relations.items()},
        {k: _settings(v) for k, v in expected.relations.items()},
    )
    compare("comment on", actual.comments, expected.comments)
    return found + inheritance_differences(actual, expected)


def inheritance_differences(actual: Snapshot, expected: Snapshot) -> list[str]:
    """Inherited columns a child defines itself in one database and not in the other
    (attislocal): no ALTER changes that, so it is reported, never written."""
    found = []
    for key in sorted(set(actual.inherited) & set(expected.inherited)):
        if actual.inherited[key] != expected.inherited[key]:
            table, column = key
            have, want = (
                "defined by the table itself" if local else "only inherited"
                for local in (actual.inherited[key], expected.inherited[key])
            )
            found.append(
                f"inherited column {table}.{column}: {have} instead of {want} (no ALTER "
                "changes that: re-create the table, or its column, by hand)"
            )
    return found


def _settings(relation: RelationSettings) -> tuple[object, ...]:
    return (
        relation.kind,
        relation.replica_identity,
        relation.replica_index,
        relation.options,
        relation.rls,
        relation.force_rls,
    )
