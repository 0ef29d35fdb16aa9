"""The comment block at the top of a generated migration, for a reviewer to read in ten
seconds: what changes (counts per kind, names when few), the hazards (with the line of
the statement), what deletes data, and who gains or loses access."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

from schemactl.diff.access_changes import AccessChange
from schemactl.diff.engine import SchemaDiff
from schemactl.diff.extension_versions import with_stated_versions
from schemactl.diff.gaps import Snapshot
from schemactl.diff.hazards import Destruction, Hazard
from schemactl.diff.inspected import Inspection, Relation
from schemactl.diff.statement_locks import Lock

SHOWN_NAMES = 3
SIMPLE_QUOTED = re.compile(r'"([a-z_][a-z0-9_]*)"')


@dataclass(frozen=True)
class Count:
    kind: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    dropped_word: str = "dropped"

    @property
    def total(self) -> int:
        return len(self.added) + len(self.changed) + len(self.dropped)


def counts(diff: SchemaDiff) -> list[Count]:
    """Added / changed / dropped per kind of object, between the two sides of ``diff``."""
    a, b = diff.compared.inspected, diff.after.inspected
    result = [_count("schemas", a.schemas, b.schemas)]
    result += _renames(diff)
    for kind, types in (("tables", ("r", "p")), ("views", ("v",)), ("materialized views", ("m",))):
        result.append(_count(kind, _relations(a, types), _relations(b, types)))
    result.append(_columns(a, b))
    for kind, attribute in (
        ("indexes", "indexes"),
        ("constraints", "constraints"),
        ("functions", "functions"),
        ("triggers", "triggers"),
        ("policies", "rlspolicies"),
        ("sequences", "sequences"),
    ):
        result.append(_count(kind, getattr(a, attribute), getattr(b, attribute)))
    stated_a, stated_b = with_stated_versions(a, b, diff.after.extension_defaults)
    result.append(_count("extensions", _extensions(stated_a), _extensions(stated_b)))
    result.append(
        _count("types", {**a.enums, **a.types, **a.domains}, {**b.enums, **b.types, **b.domains})
    )
    result += _catalog_counts(diff.compared.snapshot, diff.after.snapshot)
    return [c for c in result if c.total]


def _renames(diff: SchemaDiff) -> list[Count]:
    """Renamed tables and columns (`--rename`), before the rest of the changes."""
    found = []
    for kind, column in (("tables", False), ("columns", True)):
        names = tuple(
            f"{r.table[0]}.{r.table[1]}{'.' + r.old if column else ''} to {r.new}"
            for r in diff.renames
            if r.column == column
        )
        if names:
            found.append(Count(kind, dropped=names, dropped_word="renamed"))
    return found


def _extensions(inspected: Inspection) -> dict[str, tuple[str, str, str | None]]:
    """Extensions by name, schema and version where one is stated (`with_stated_versions`):
    a header line for a version change only where the migration writes one."""
    return {k: (e.name, e.schema, e.version) for k, e in inspected.extensions.items()}


def _relations(inspected: Inspection, types: tuple[str, ...]) -> dict[str, Relation]:
    return {k: v for k, v in inspected.relations.items() if v.relationtype in types}


def _count(kind: str, before: Mapping[str, object], after: Mapping[str, object]) -> Count:
    return Count(
        kind,
        tuple(_display(k) for k in after if k not in before),
        tuple(_display(k) for k in after if k in before and before[k] != after[k]),
        tuple(_display(k) for k in before if k not in after),
    )


def _columns(a: Inspection, b: Inspection) -> Count:
    added, changed, dropped = [], [], []
    for key, table in b.tables.items():
        old = a.tables.get(key)
        if old is None:
            continue
        name = _display(key)
        added += [f"{name}.{c}" for c in table.columns if c not in old.columns]
        dropped += [f"{name}.{c}" for c in old.columns if c not in table.columns]
        changed += [
            f"{name}.{c}"
            for c, column in table.columns.items()
            if c in old.columns and old.columns[c] != column
        ]
    return Count("columns", tuple(added), tuple(changed), tuple(dropped))


def _catalog_counts(before: Snapshot, after: Snapshot) -> list[Count]:
    def entries(acls: Mapping[Any, Mapping[str, Mapping[str, bool]]]) -> set[tuple[object, ...]]:
        return {
            (key, grantee, privilege)
            for key, acl in acls.items()
            for grantee, grants in acl.items()
            for privilege in grants
        }

    old, new = entries(before.acls), entries(after.acls)
    grants = Count("grants", _unnamed(new - old), (), _unnamed(old - new), "revoked")
    old_defaults, new_defaults = entries(before.default_acls), entries(after.default_acls)
    defaults = Count(
        "default privileges",
        _unnamed(new_defaults - old_defaults),
        (),
        _unnamed(old_defaults - new_defaults),
        "revoked",
    )
    members = Count(
        "publication members",
        tuple(f"{m} in {p}" for p, _, m in sorted(set(after.members) - set(before.members))),
        tuple(
            f"{m} in {p}"
            for (p, _, m), value in sorted(after.members.items())
            if (p, _, m) in before.members and before.members[(p, _, m)] != value
        ),
        tuple(f"{m} in {p}" for p, _, m in sorted(set(before.members) - set(after.members))),
        "removed",
    )
    settings = Count(
        "relation settings",
        (),
        tuple(
            identity
            for identity, setting in sorted(after.relations.items())
            if identity in before.relations
            and _settings(before.relations[identity]) != _settings(setting)
        ),
    )
    named = _count(
        "comments",
        {" ".join(k): v for k, v in before.comments.items()},
        {" ".join(k): v for k, v in after.comments.items()},
    )
    comments = Count(
        "comments", _unnamed(named.added), _unnamed(named.changed), _unnamed(named.dropped)
    )
    return [grants, defaults, members, settings, comments]


def _unnamed(items: Sized) -> tuple[str, ...]:
    """Grants and comments are many: counted, not named."""
    return ("",) * len(items)


def _settings(relation: Any) -> tuple[object, ...]:
    return (relation.replica_identity, relation.replica_index, relation.options)


def _display(key: str) -> str:
    return SIMPLE_QUOTED.sub(r"\1", key)


def render_header(
    *,
    filename: str,
    name: str,
    changes: Sequence[Count],
    hazards: Sequence[Hazard],
    locks: Sequence[Lock],
    destructions: Sequence[tuple[int, Destruction]],
    access: Sequence[AccessChange],
    follow_up: str | None = None,
    statement_locks: Sequence[tuple[int, str]] = (),
) -> list[str]:
    """The header's lines (without the blank line after it). ``follow_up``: the file that
    validates the constraints this one adds NOT VALID."""
    lines = [
        f"-- {filename}: generated by `schemactl diff {name}` from schema/.",
        "-- Runs in one transaction (`schemactl apply`, or `supabase db push`).",
    ]
    if follow_up:
        lines += [
            "-- Constraints on existing tables are added NOT VALID (checked for new rows only)",
            f"-- and validated by {follow_up}, in a transaction of its own.",
        ]
    lines += ["--", "-- Changes"]
    lines += [f"--   {_plain(count)}" for count in changes] or ["--   none"]
    lines += ["--", "-- Hazards"]
    hazard_lines = [_lock_line(lock) for lock in locks]
    hazard_lines += [f"--   line {h.line}: {h.message} [{h.rule}]" for h in hazards]
    lines += hazard_lines or ["--   none"]
    lines += _statement_lock_lines(statement_locks)
    if destructions:
        lines += ["--", "-- Deletes data (written with --allow-destructive)"]
        lines += [f"--   line {line}: {d.what}" for line, d in destructions]
    lines += ["--", "-- Access changes (grants and row level security, per role)"]
    lines += [f"--   {change.role}: {change}" for change in access] or ["--   none"]
    return lines


def render_follow_up_header(
    *,
    filename: str,
    name: str,
    first: str,
    validated: Sequence[str],
    locks: Sequence[Lock],
    statement_locks: Sequence[tuple[int, str]] = (),
) -> list[str]:
    """The header of the migration that validates what ``first`` added NOT VALID."""
    lines = [
        f"-- {filename}: generated by `schemactl diff {name}` from schema/.",
        f"-- Validates what {first} added NOT VALID, in a transaction of its own:",
        "-- VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE (reads and",
        "-- writes go on). A row that breaks a constraint fails this migration (rolled back);",
        f"-- {first} stays applied: fix the rows, then apply again.",
        "--",
        "-- Validates",
    ]
    lines += [f"--   {item}" for item in validated]
    lines += ["--", "-- Hazards"]
    lines += [_lock_line(lock) for lock in locks] or ["--   none"]
    return lines + _statement_lock_lines(statement_locks)


def _statement_lock_lines(statement_locks: Sequence[tuple[int, str]]) -> list[str]:
    """Each statement's locks on existing tables (what a reviewer checks line by line)."""
    if not statement_locks:
        return []
    return ["--", "-- Locks per statement (tables that exist before the migration)"] + [
        f"--   line {line}: {what}" for line, what in statement_locks
    ]


def _lock_line(lock: Lock) -> str:
    return (
        f"--   line {lock.lines[0]}: {lock.mode} lock on {lock.table} until commit "
        f"(blocks {lock.blocks}){_more_lines(lock.lines)}"
    )


def _plain(count: Count) -> str:
    parts = []
    for items, word in (
        (count.added, "added"),
        (count.changed, "changed"),
        (count.dropped, count.dropped_word),
    ):
        if items:
            named = [i for i in items if i]
            names = f" ({', '.join(named)})" if named and len(named) <= SHOWN_NAMES else ""
            parts.append(f"{len(items)} {word}{names}")
    return f"{count.kind}: {', '.join(parts)}"


def _more_lines(lines: Sequence[int]) -> str:
    rest = sorted(set(lines) - {lines[0]})
    if not rest:
        return ""
    shown = ", ".join(map(str, rest[:5])) + (", …" if len(rest) > 5 else "")
    return f"; also line{'s' if len(rest) > 1 else ''} {shown}"
