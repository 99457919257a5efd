"""Furnisher quality (G-49): rates over a rolling window, holds and releases."""
