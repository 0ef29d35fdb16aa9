"""Who gains or loses what: for each API role, the SELECT / INSERT / UPDATE / DELETE it
may run on each relation (table privileges *and* row level security, as the access
matrix of `schemactl docs` computes them) and the functions it may execute, compared
between the database before a migration and after it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemactl.catalog.access import Access, AccessKind, access_matrix
from schemactl.catalog.reader import API_ROLES, COMMANDS, Catalog, Policy


@dataclass(frozen=True)
class AccessChange:
    role: str
    sign: str  # "+" gains, "-" loses, "~" keeps with other rows or columns
    what: str  # "SELECT, INSERT on public.notes" or "EXECUTE public.f(integer)"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.sign} {self.what}" + (f" ({self.detail})" if self.detail else "")


def access_changes(
    before: Catalog, after: Catalog, roles: tuple[str, ...] = API_ROLES
) -> list[AccessChange]:
    """Changes per role: one line per relation and kind of change (commands grouped),
    then the functions each role may newly execute or no longer."""
    cells_before = _cells(before, roles)
    cells_after = _cells(after, roles)
    grouped: dict[tuple[str, str, str, str], tuple[list[str], list[str]]] = {}
    for key in sorted(set(cells_before) | set(cells_after)):
        relation, role, command = key
        old, new = cells_before.get(key), cells_after.get(key)
        sign = _sign(old, new)
        if not sign:
            continue
        basis = _basis(new[0]) if sign != "-" and new else ""
        commands, notes = grouped.setdefault((role, sign, relation, basis), ([], []))
        commands.append(command)
        if sign != "-" and new:
            notes += _notes(command, old, new)
    changes = [
        AccessChange(
            role,
            sign,
            f"{', '.join(_ordered(commands))} on {relation}",
            "; ".join(part for part in dict.fromkeys([basis, *notes]) if part),
        )
        for (role, sign, relation, basis), (commands, notes) in grouped.items()
    ]
    changes += _function_changes(before, after, roles)
    order = {role: index for index, role in enumerate(roles)}
    return sorted(changes, key=lambda c: (order.get(c.role, len(order)), c.what, c.sign))


Cell = tuple[Access, tuple[Policy, ...]]


def _cells(catalog: Catalog, roles: tuple[str, ...]) -> dict[tuple[str, str, str], Cell]:
    cells = {}
    for row in access_matrix(catalog, roles):
        for command, access in row.cells.items():
            policies = tuple(
                p for p in row.relation.policies if p.name in access.permissive + access.restrictive
            )
            cells[(row.relation.qualified, row.role, command)] = (access, policies)
    return cells


def _allowed(cell: Cell | None) -> bool:
    return (
        cell is not None and not cell[0].kind.denied and cell[0].kind not in (AccessKind.NO_POLICY,)
    )


def _sign(old: Cell | None, new: Cell | None) -> str:
    if not _allowed(old) and _allowed(new):
        return "+"
    if _allowed(old) and not _allowed(new):
        return "-"
    if old is not None and new is not None and _allowed(new) and _effective(old) != _effective(new):
        return "~"
    return ""


def _effective(cell: Cell) -> tuple[object, ...]:
    """What a cell allows: every row (whatever the reason) or which policies, and which
    columns."""
    access, policies = cell
    rows = "every row" if access.kind.every_row else access.kind
    return rows, policies, access.columns


def _basis(access: Access) -> str:
    """Which rows: every row (and why), or those the policies allow."""
    if access.kind is AccessKind.POLICIES:
        return "rows the policies allow"
    return str(access.kind.value)


def _notes(command: str, old: Cell | None, new: Cell) -> list[str]:
    notes = []
    if new[0].columns is not None and new[0].withheld:
        notes.append(f"{command} not on {', '.join(new[0].withheld)}")
    if old is not None and _allowed(old):
        before = {p.name: p for p in old[1]}
        after = {p.name: p for p in new[1]}
        for word, names in (
            ("added", set(after) - set(before)),
            ("dropped", set(before) - set(after)),
            ("changed", {n for n in set(before) & set(after) if before[n] != after[n]}),
        ):
            if names:
                notes.append(f"policy {', '.join(sorted(names))} {word}")
        if old[0].columns != new[0].columns and not new[0].withheld:
            notes.append(f"{command} on every column")
    return notes


def _ordered(commands: Iterable[str]) -> list[str]:
    return sorted(commands, key=COMMANDS.index)


def _function_changes(
    before: Catalog, after: Catalog, roles: tuple[str, ...]
) -> list[AccessChange]:
    old = {f.signature: f for f in before.functions}
    new = {f.signature: f for f in after.functions}
    overloaded = _repeated(
        f"{f.schema}.{f.name}"
        for f in {f.signature: f for f in [*before.functions, *after.functions]}.values()
    )
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    for signature in sorted(set(old) | set(new)):
        function = new.get(signature) or old[signature]
        was = set(old[signature].executable_by) if signature in old else set()
        now = set(new[signature].executable_by) if signature in new else set()
        name = f"{function.schema}.{function.name}"
        shown = signature if name in overloaded else name
        for role in roles:
            sign = "+" if role in now - was else "-" if role in was - now else ""
            if sign:
                definer = sign == "+" and function.security_definer
                grouped.setdefault((role, sign, definer), []).append(shown)
    return [
        AccessChange(
            role, sign, f"EXECUTE {', '.join(functions)}", "security definer" if definer else ""
        )
        for (role, sign, definer), functions in grouped.items()
    ]


def _repeated(names: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        (repeated if name in seen else seen).add(name)
    return repeated
