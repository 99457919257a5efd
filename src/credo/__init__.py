"""Credo: a credit-information registry with its safeguards built in."""

__version__ = "0.1.0"
