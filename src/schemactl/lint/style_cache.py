"""sqlfluff's verdict per file, remembered under `.schemactl/lint-cache/` (like ruff's or
mypy's caches), so `schemactl lint` re-parses only what changed.

A verdict's key covers everything it depends on: the file's path and text; for a
template, every file below the Jinja loader path (the macros it may import); the
sqlfluff configuration; sqlfluff's version; and this package's style code. Delete the
directory to start afresh; a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import astuple
from pathlib import Path
from typing import Any

import sqlfluff

from schemactl.lint.findings import Finding, Note

CACHE_DIR = "lint-cache"
STYLE_CODE = ("style.py", "style_cache.py", "findings.py")


class StyleCache:
    def __init__(
        self, directory: Path, configuration: dict[str, Any], loader_paths: Iterable[str]
    ) -> None:
        self._directory = directory
        self._loader_paths = [Path(p) for p in loader_paths]
        self._templates_digest: str | None = None
        here = Path(__file__).parent
        digest = hashlib.sha256()
        for part in (
            sqlfluff.__version__,
            json.dumps(configuration, sort_keys=True, default=str),
            *((here / name).read_text("utf-8") for name in STYLE_CODE),
        ):
            digest.update(part.encode("utf-8") + b"\0")
        self._base = digest.hexdigest()

    def key(self, relative: str, text: str) -> str:
        digest = hashlib.sha256(f"{self._base}\0{relative}\0{text}".encode())
        if relative.endswith(".j2"):
            digest.update(self._templates().encode())
        return digest.hexdigest()

    def get(self, key: str) -> tuple[list[Finding], list[Note]] | None:
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
            return (
                [Finding(*item) for item in data["findings"]],
                [Note(*item) for item in data["notes"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, findings: list[Finding], notes: list[Note]) -> None:
        path = self._path(key)
        data = {"findings": [astuple(f) for f in findings], "notes": [astuple(n) for n in notes]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            partial.replace(path)
        except OSError:
            return

    def _path(self, key: str) -> Path:
        return self._directory / key[:2] / f"{key}.json"

    def _templates(self) -> str:
        """One digest of every file a template may import."""
        if self._templates_digest is None:
            digest = hashlib.sha256()
            for root in self._loader_paths:
                files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
                for file in files:
                    digest.update(file.as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
            self._templates_digest = digest.hexdigest()
        return self._templates_digest
