"""PostgreSQL itself: binaries, throwaway and persistent servers, the cluster cache, containers, databases inside a server, the Supabase stand-in and the built-schema database."""
