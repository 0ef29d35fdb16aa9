"""The repository explains itself: design decisions are in docs/design.md, and nothing
points at a document the repository does not contain. Migrations already committed are
history (applied files must not change), so they are not checked."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"migrations", ".git", ".schemactl", "node_modules", "__pycache__", ".pytest_cache"}
TEXT_SUFFIXES = {".py", ".sql", ".j2", ".md", ".toml", ".yml", ".yaml", ".ts", ".json", ""}
# split so that this file does not match itself
EXTERNAL_SPEC = re.compile("SPEC" + r" §|" + "mission" + r"/|\b" + "[Ii]ssue" + r" \d|§\d")
DESIGN_LINK = re.compile(r"design\.md#([a-z0-9-]+)")
DESIGN_NAMED = re.compile(r"docs/design\.md[:,] ((?:[A-Z][\w -]*?)(?:, [A-Z][\w -]*?)*)[).;\n]")


def _repository_files() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*"))
        if path.is_file()
        and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
        and path.suffix in TEXT_SUFFIXES
    ]


def _sections() -> set[str]:
    text = (ROOT / "docs" / "design.md").read_text("utf-8")
    return {
        line.removeprefix("## ").strip() for line in text.splitlines() if line.startswith("## ")
    }


def _unwrapped(text: str) -> str:
    """Comments and docstrings as running text: line breaks and comment markers removed."""
    return " ".join(re.sub(r"\n\s*(?:--|#)?\s*", " ", text).split())


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def test_no_reference_to_an_outside_specification() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _repository_files()
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1)
        if EXTERNAL_SPEC.search(line)
    ]
    assert offenders == []


def test_every_design_reference_names_a_section_of_design_md() -> None:
    sections = _sections()
    anchors = {_anchor(title) for title in sections}
    broken = []
    for path in _repository_files():
        text = path.read_text("utf-8", errors="replace")
        broken += [
            f"{path.relative_to(ROOT)}: #{a}" for a in DESIGN_LINK.findall(text) if a not in anchors
        ]
        for names in DESIGN_NAMED.findall(_unwrapped(text)):
            broken += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names.split(", ")
                if name not in sections
            ]
    assert broken == []
