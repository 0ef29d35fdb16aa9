"""The OS user PostgreSQL's processes run as: `initdb` refuses root, so as root the
server runs as `postgres` (or `nobody`), and paths it needs must be reachable by it."""

from __future__ import annotations

import os
import pwd
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from schemactl.errors import SchemactlError


class UserAndGroup(TypedDict, total=False):
    """subprocess' `user` and `group` arguments."""

    user: int
    group: int


@dataclass(frozen=True)
class RunAs:
    """The OS user server processes run as (None: the current user)."""

    name: str | None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_current_process(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls(None)
        for candidate in ("postgres", "nobody"):
            with suppress(KeyError):
                entry = pwd.getpwnam(candidate)
                return cls(candidate, entry.pw_uid, entry.pw_gid)
        raise SchemactlError(
            "running as root, and no unprivileged user (postgres, nobody) exists to run "
            "PostgreSQL as",
            hint="create one (useradd postgres) or run schemactl as a normal user",
        )

    def own(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid if self.gid is not None else -1)

    def can_reach(self, path: Path) -> bool:
        """Whether this user can traverse every directory down to ``path``."""
        if self.uid is None:
            return True
        for directory in [*reversed(path.resolve().parents), path.resolve()]:
            if not directory.exists():
                break
            st = directory.stat()
            if st.st_uid == self.uid:
                allowed = st.st_mode & 0o100
            elif st.st_gid == self.gid:
                allowed = st.st_mode & 0o010
            else:
                allowed = st.st_mode & 0o001
            if not allowed:
                return False
        return True

    def subprocess_kwargs(self) -> UserAndGroup:
        if self.uid is None or self.gid is None:
            return {}
        return {"user": self.uid, "group": self.gid}
