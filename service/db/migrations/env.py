"""Alembic environment: runs against the connection handed over by ``service.db.migrate``."""

from __future__ import annotations

from alembic import context

from service.categories import models as _categories_models  # noqa: F401
from service.certificates import models as _certificates_models  # noqa: F401
from service.complaints import models as _complaints_models  # noqa: F401
from service.db import models  # noqa: F401  (registers the tables)
from service.db.base import Base
from service.files import models as _files_models  # noqa: F401
from service.recalls import models as _recalls_models  # noqa: F401
from service.webhooks import models as _webhooks_models  # noqa: F401

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
