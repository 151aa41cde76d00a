"""Alembic's environment: migrate the connection `store.open_store` passes in

Run only by Alembic (`command.upgrade`), never imported by iamwarden itself. Every migration
runs in the caller's transaction, so a store is upgraded entirely or not at all.
"""

from __future__ import annotations

from alembic import context

__all__: list[str] = []

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
context.run_migrations()
