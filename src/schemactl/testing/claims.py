"""The JWT claims of Supabase API requests, for `acting_as` (docs/design.md: The Supabase stand-in)."""

from __future__ import annotations

import uuid
from typing import Any


def user_claims(user_id: uuid.UUID | str, **extra: Any) -> dict[str, Any]:
    return {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", **extra}


def service_role_claims() -> dict[str, Any]:
    return {"role": "service_role"}


def anon_claims() -> dict[str, Any]:
    return {"role": "anon"}
