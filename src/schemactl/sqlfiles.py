"""SQL that the tool itself runs, kept as .sql files inside the package."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """Return the text of ``schemactl/sql/<name>.sql``."""
    return resources.files("schemactl").joinpath("sql", f"{name}.sql").read_text("utf-8")
