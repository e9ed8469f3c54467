"""The peer of ``api_load.py``: Datasette 1.0 (alpha) serving the same episodes from SQLite.

Datasette (https://datasette.io, Apache-2.0) publishes SQLite databases as JSON and, from 1.0,
has a JSON write API: ``POST /<database>/<table>/-/insert`` with ``{"row": {...}}`` and an API
token (``Authorization: Bearer dstok_...``) returns ``201`` and the stored row. Every write goes
through one write thread per database. Lists are ``GET /<database>/<table>.json`` with column
filters (``started_at__gte``), ``_sort_desc``, ``_size`` (at most 1000) and keyset pagination
(``next`` / ``_next``).

The table has the columns of Myoscope's ``episodes`` table, an integer primary key assigned by
SQLite (returned in the insert response, like Myoscope's id) and an index on
``(patient_id, started_at)`` like Myoscope's. The file is in WAL mode, and every connection
Datasette opens gets ``synchronous=FULL``, which is what Myoscope's SQLite storage uses: both
peers pay the same price to make a write durable.

Run by ``api_load.py`` as ``python benchmarks/_datasette_peer.py DB --port PORT --secret S``:
prints ``TOKEN <token>`` for the actor ``bench`` (allowed ``insert-row``) and serves with
uvicorn in one process, as ``datasette serve`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ACTOR = "bench"
TABLE = "episodes"
COLUMNS = (
    "patient_id",
    "created_at",
    "updated_at",
    "started_at",
    "ended_at",
    "count",
    "count_band",
    "intensity",
    "body_areas",
    "kind",
    "triggers",
    "fell",
    "note",
)
SCHEMA = f"""
CREATE TABLE {TABLE} (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    count INTEGER,
    count_band TEXT,
    intensity INTEGER NOT NULL,
    body_areas TEXT NOT NULL,
    kind TEXT NOT NULL,
    triggers TEXT NOT NULL,
    fell INTEGER NOT NULL,
    note TEXT
);
CREATE INDEX ix_{TABLE}_patient_id_started_at ON {TABLE} (patient_id, started_at);
"""


def database_name(path: Path) -> str:
    """Return the name Datasette gives the database file (its stem)."""
    return path.stem


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def create_database(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Create the peer's database file with the ``episodes`` table and the given rows.

    Parameters
    ----------
    path : Path
        The SQLite file to create (it must not exist).
    rows : iterable of mappings
        Episode rows with every name in ``COLUMNS`` (lists are stored as JSON text, as
        Datasette's insert API stores them).

    Returns
    -------
    int
        How many rows were inserted.
    """
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        placeholders = ", ".join("?" for _ in COLUMNS)
        with connection:
            cursor = connection.executemany(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                ([_cell(row.get(column)) for column in COLUMNS] for row in rows),
            )
        return cursor.rowcount
    finally:
        connection.close()


async def _serve(path: Path, host: str, port: int, secret: str, synchronous: str) -> None:
    import uvicorn
    from datasette import hookimpl  # type: ignore[import-untyped]
    from datasette.app import Datasette  # type: ignore[import-untyped]
    from datasette.plugins import pm  # type: ignore[import-untyped]

    class Durability:
        """Give every connection Myoscope's SQLite durability setting."""

        @hookimpl  # type: ignore[untyped-decorator]
        def prepare_connection(self, conn: sqlite3.Connection) -> None:
            conn.execute(f"PRAGMA synchronous={synchronous}")

    pm.register(Durability(), name="myoscope-bench-durability")
    datasette = Datasette(
        files=[str(path)],
        secret=secret,
        config={"permissions": {"insert-row": {"id": ACTOR}}},
    )
    # As ``datasette serve`` does: run the whole startup sequence before serving.
    startup = getattr(datasette, "_startup_sequence", datasette.invoke_startup)
    await startup()
    token = await datasette.create_token(ACTOR)
    print(f"TOKEN {token}", flush=True)
    config = uvicorn.Config(
        datasette.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1
    )
    await uvicorn.Server(config).serve()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    args = parser.parse_args()
    asyncio.run(_serve(args.database, args.host, args.port, args.secret, args.synchronous))
    return 0


if __name__ == "__main__":
    sys.exit(main())
