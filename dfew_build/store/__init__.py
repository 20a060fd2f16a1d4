"""The store: SQLAlchemy models, engine and session handling, queries and single-row writes."""
