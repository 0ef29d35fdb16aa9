"""The real Supabase CLI in tests: the skip reason when it is missing, and connection
URLs in the form its parser accepts."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

SUPABASE_CLI = "the Supabase CLI is not on PATH (npm install supabase@3.1.0; .ci/run installs it)"


def cli_url(url: str) -> str:
    """The CLI's parser wants a socket server's user in the query, not before `@`."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.username:
        query["user"] = parts.username
    host = parts.netloc.rpartition("@")[2]
    return f"postgresql://{host}{parts.path}?{urlencode(query)}"
