"""Test harness: throwaway PostgreSQL and SQLite databases, migrated once per session."""
