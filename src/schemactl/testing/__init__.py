"""pytest plugin and helpers for SQL-level tests of a schemactl project (docs/design.md: Tests)."""

from schemactl.testing.requests import (
    anon_claims,
    request_as,
    service_role_claims,
    user_claims,
)

__all__ = ["anon_claims", "request_as", "service_role_claims", "user_claims"]
