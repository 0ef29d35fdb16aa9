"""How `apply` behaves behind other sessions' locks: `lock_timeout` and
`statement_timeout` for each migration's transaction, how many times a migration that hit
the lock timeout is retried and after how long (doubling each time).

Each setting comes from the command-line option, else its environment variable, else
`[tool.schemactl.apply]` in pyproject.toml, else the default."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from schemactl.errors import SchemactlError

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$")
UNIT_MS = {"ms": 1, "s": 1000, "min": 60_000, None: 1000}
MAX_RETRY_DELAY_MS = 60_000


@dataclass(frozen=True)
class ApplyTimeouts:
    lock_timeout_ms: int = 5_000
    statement_timeout_ms: int = 0  # no limit: a migration may rightly run long
    lock_retries: int = 3
    retry_delay_ms: int = 1_000

    def delay_ms(self, retry: int) -> int:
        """The wait before retry number ``retry`` (1-based), doubling from retry_delay."""
        return min(self.retry_delay_ms << (retry - 1), MAX_RETRY_DELAY_MS)

    @property
    def give_up_after_ms(self) -> int:
        """How long a migration waits behind a lock that is never released."""
        waits = self.lock_timeout_ms * (self.lock_retries + 1)
        return waits + sum(self.delay_ms(r) for r in range(1, self.lock_retries + 1))


@dataclass(frozen=True)
class Setting:
    key: str  # in [tool.schemactl.apply]
    option: str
    envvar: str
    is_duration: bool


SETTINGS = (
    Setting("lock_timeout", "--lock-timeout", "SCHEMACTL_LOCK_TIMEOUT", True),
    Setting("statement_timeout", "--statement-timeout", "SCHEMACTL_STATEMENT_TIMEOUT", True),
    Setting("lock_retries", "--lock-retries", "SCHEMACTL_LOCK_RETRIES", False),
    Setting("retry_delay", "--lock-retry-delay", "SCHEMACTL_LOCK_RETRY_DELAY", True),
)


def parse_duration(text: str, where: str) -> int:
    """Milliseconds from `500ms`, `5s`, `2min` or a bare number of seconds."""
    match = DURATION.match(text)
    if not match:
        raise SchemactlError(
            f"{where}: {text!r} is not a duration",
            hint="write e.g. 500ms, 5s or 2min (0 for no limit)",
        )
    return round(float(match.group(1)) * UNIT_MS[match.group(2)])


def parse_count(text: str, where: str) -> int:
    if not text.strip().isdigit():
        raise SchemactlError(
            f"{where}: {text!r} is not a whole number", hint="e.g. 3 (0: no retry)"
        )
    return int(text)


def resolve_timeouts(
    options: Mapping[str, str | None],
    config: Mapping[str, object],
    environ: Mapping[str, str] | None = None,
) -> ApplyTimeouts:
    """The settings from ``options`` (keyed like [tool.schemactl.apply]), the environment
    and the project's ``config`` (its [tool.schemactl.apply] table), in that order."""
    environ = os.environ if environ is None else environ
    unknown = sorted(set(config) - {s.key for s in SETTINGS})
    if unknown:
        raise SchemactlError(
            f"[tool.schemactl.apply] has unknown setting(s): {', '.join(unknown)}",
            hint="known: " + ", ".join(s.key for s in SETTINGS),
        )
    values: dict[str, int] = {}
    for setting in SETTINGS:
        given = options.get(setting.key)
        if given is not None:
            text, where = given, setting.option
        elif environ.get(setting.envvar):
            text, where = environ[setting.envvar], setting.envvar
        elif setting.key in config:
            text, where = str(config[setting.key]), f"[tool.schemactl.apply] {setting.key}"
        else:
            continue
        parse = parse_duration if setting.is_duration else parse_count
        values[setting.key] = parse(text, where)
    defaults = ApplyTimeouts()
    return ApplyTimeouts(
        lock_timeout_ms=values.get("lock_timeout", defaults.lock_timeout_ms),
        statement_timeout_ms=values.get("statement_timeout", defaults.statement_timeout_ms),
        lock_retries=values.get("lock_retries", defaults.lock_retries),
        retry_delay_ms=values.get("retry_delay", defaults.retry_delay_ms),
    )


def format_ms(ms: int | float) -> str:
    """`250ms`, `5s`, `1.5s`, `2min 5s`."""
    if ms < 1000:
        return f"{round(ms)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}min {rest}s" if rest else f"{minutes}min"
