"""The plugin's SQL, kept as .sql files inside the package (`schemactl_v1/sql/`)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """Return the text of ``schemactl_v1/sql/<name>.sql``."""
    return resources.files("schemactl_v1").joinpath("sql", f"{name}.sql").read_text("utf-8")
