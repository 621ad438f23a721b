"""Alembic environment: runs against the connection handed over by ``service.db.migrate``."""

from __future__ import annotations

from alembic import context

from service.db import models  # noqa: F401  (registers the tables)
from service.db.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through service.db.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only ALTER through table rebuilds
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
