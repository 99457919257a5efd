"""Notices to subjects, furnishers and relying parties: an outbox and pluggable channels."""
