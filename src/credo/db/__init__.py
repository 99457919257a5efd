"""Storage: one SQLAlchemy MetaData for every domain's tables, engines, and migrations."""
