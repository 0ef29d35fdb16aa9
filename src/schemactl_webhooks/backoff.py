"""When a failed delivery is tried again: exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

MAX_DELAY = timedelta(hours=1)


def retry_delay(attempts: int, base: float, max_attempts: int) -> timedelta | None:
    """Delay after the attempts-th failed attempt: base * 2^(attempts - 1), capped at an
    hour, of which a random half is kept ("equal jitter"); None after the last attempt."""
    if attempts >= max_attempts:
        return None
    full = min(base * 2 ** min(attempts - 1, 30), MAX_DELAY.total_seconds())
    return timedelta(seconds=full / 2 + random.uniform(0, full / 2))
