"""Which extension versions a migration states.

An extension created without a version gets the server's default one and follows the
server: its version is never written, so a newer server (Supabase upgrades them) is no
change. A version is pinned when it differs from the server's default: `create
extension citext with version '1.5'` in schema/ is created at 1.5 by the migration, and
a pinned version that changes (pg_trgm 1.3 -> 1.4) is `alter extension … update to`.
Between two databases of one server (diff, diff --check), a version the migrations
pinned and schema/ no longer pins goes back to the server's default; on a live
database (drift), whose server may ship other defaults, only schema/'s pins count.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from schemactl.diff.inspected import Inspection


def with_stated_versions(
    before: Inspection, after: Inspection, defaults: Mapping[str, str], *, live: bool = False
) -> tuple[Inspection, Inspection]:
    """Copies of two `results` inspectors whose extensions carry a version only where a
    migration states it (see the module docstring); ``defaults``: name -> default
    version on the server of ``after``."""

    def pinned(name: str) -> bool:
        wanted = after.extensions.get(name)
        if wanted is not None and wanted.version != defaults.get(wanted.name):
            return True
        had = before.extensions.get(name)
        return (
            not live
            and wanted is not None
            and had is not None
            and had.version != defaults.get(had.name)
        )

    narrowed = []
    for inspected in (before, after):
        extensions = type(inspected.extensions)(
            (key, item if pinned(key) else item.unversioned_copy())
            for key, item in inspected.extensions.items()
        )
        clone = copy.copy(inspected)
        clone.extensions = extensions
        narrowed.append(clone)
    return narrowed[0], narrowed[1]
