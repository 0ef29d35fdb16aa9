"""pytest plugin and helpers for SQL-level tests of a schemactl project (docs/design.md: Tests)."""

from schemactl.pg.roles import acting_as
from schemactl.testing.claims import anon_claims, service_role_claims, user_claims

__all__ = ["acting_as", "anon_claims", "service_role_claims", "user_claims"]
