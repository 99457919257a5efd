"""Principals, roles and API keys (hashed at rest), least privilege per role."""
