"""Fixture projects for the lint tests: tests/fixtures/lint/<case>/<variant>/ copied next
to tests/fixtures/lint/pyproject.toml (so a project is what `schemactl` expects)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from schemactl.config import Project, load_project

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lint"


@pytest.fixture
def fixture_project(tmp_path: Path) -> Callable[[str, str], Project]:
    def make(case: str, variant: str) -> Project:
        root = tmp_path / case / variant
        shutil.copytree(FIXTURES / case / variant, root)
        config = (FIXTURES / "pyproject.toml").read_text("utf-8")
        extra = root / "pyproject.extra.toml"  # the case's own settings, e.g. for SC014
        if extra.is_file():
            config += "\n" + extra.read_text("utf-8")
            extra.unlink()
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
        return load_project(root)

    return make


@pytest.fixture
def lint_project(tmp_path: Path) -> Callable[..., Project]:
    """A project from ``{relative path: text}``; ``settings`` are lines for
    ``[tool.schemactl]``, ``pyproject_extra`` more tables for pyproject.toml."""

    def make(files: dict[str, str], pyproject_extra: str = "", settings: str = "") -> Project:
        root = tmp_path / f"project{len(list(tmp_path.iterdir()))}"
        root.mkdir()
        config = (FIXTURES / "pyproject.toml").read_text("utf-8").replace(
            "[tool.schemactl]\n", f"[tool.schemactl]\n{settings}", 1
        ) + pyproject_extra
        (root / "pyproject.toml").write_text(config, encoding="utf-8")
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return load_project(root)

    return make
