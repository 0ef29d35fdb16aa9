"""schemactl: database-as-code for Supabase projects."""

from schemactl.errors import SchemactlError

__all__ = ["SchemactlError"]
__version__ = "0.1.0"
