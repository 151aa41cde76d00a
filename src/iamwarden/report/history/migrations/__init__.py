"""Alembic migrations of the history store's schema, run by `store.open_store` on open

`env.py` runs them on the connection the store hands over (`config.attributes["connection"]`);
`versions/` holds one module per schema version, each with `upgrade()` only (a store is
never downgraded: an older iamwarden refuses a newer store instead).
"""

__all__: list[str] = []
