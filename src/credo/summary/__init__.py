"""Maintained counts of the registry, kept current from the change feed (the console's)."""
