"""Governance of the catalogue: simulate a proposed catalogue on the live registry before it
goes live, and let it go live only with an approved, current simulation (G-48, G-25, G-08)."""
