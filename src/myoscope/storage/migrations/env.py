"""Alembic environment of the diary database.

Myoscope runs Alembic programmatically (:mod:`myoscope.storage.migrate`) and hands over an open
connection in ``config.attributes["connection"]``; there is no ``alembic.ini``. Batch mode is on,
so that SQLite, which cannot alter most of a table in place, gets its tables copied instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from myoscope.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if context.is_offline_mode() or not isinstance(connection, Connection):
    raise RuntimeError(
        "The Myoscope migrations run through myoscope.storage (open_repository or "
        "upgrade_database), which hands Alembic an open connection; 'alembic' on its own is "
        "not supported"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
