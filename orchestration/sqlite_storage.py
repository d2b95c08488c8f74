"""Dagster's SQLite storage, with the event log kept open between events.

Dagster's own SQLite event log opens a new SQLAlchemy engine and connection for every event
it stores (two or three when the event is an asset materialisation or check result, which
are copied to the cross-run index), commits with a full sync of the write-ahead log, and
closes the connection again; closing the last connection of a WAL database checkpoints it.
A `leadledger run` stores about 1,800 events (every dbt model and test is one), so at any
scale about 10 s of each run went to opening, syncing and checkpointing SQLite files.

This storage is the same SQLite storage, same files and layout (``base_dir`` is
``DAGSTER_HOME``: run history in ``history/``, event logs in ``history/runs/``), changed only
in how the event log connects: each database file keeps one open connection (the few most
recently used files only); commits use SQLite's ``synchronous=NORMAL``, the setting SQLite
recommends with WAL (a crash of the process loses nothing; a power cut can lose the last
events written, never corrupt the file); and whether a table exists is asked once, not
before every asset event. The UI and other processes read the same files as before.
`dagster.yaml` selects it; for a shared deployment use PostgreSQL.

The repository's `dagster.yaml` names the folder as ``{env: DAGSTER_HOME}``; the copy the CLI
writes into that folder names it literally (:func:`instance_yaml`), so whoever opens the
folder later (``InstanceRef.from_dir``, with another DAGSTER_HOME set or none) reads the run
history in it, as with Dagster's default storage.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

OPEN_FILES = 4  # the index and the current run's file, plus a few a UI is reading
_HOME_FROM_ENVIRONMENT = re.compile(r"base_dir:[ \t]*\n[ \t]*env:[ \t]*DAGSTER_HOME[ \t]*$", re.M)


def instance_yaml(config: str, home: Path) -> str:
    """The instance configuration ``config`` (a dagster.yaml) for the folder ``home``: the
    storage's ``base_dir: {env: DAGSTER_HOME}`` becomes ``home`` itself; the rest is kept."""
    return _HOME_FROM_ENVIRONMENT.sub(f"base_dir: {json.dumps(str(home.resolve()))}", config)


def _sync_normal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log whose database files stay open between events (see the module)."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,
                max_overflow=0,
                connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                    # one connection per file, used under the storage's lock by any thread
                    "check_same_thread": False,
                },
            )
            db.event.listen(engine, "connect", _sync_normal)
            while len(self._engines) >= OPEN_FILES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                # creating the schema inspects it on a second connection: a passing engine
                setup = create_engine(
                    self.conn_string_for_shard(shard),
                    poolclass=NullPool,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                self._initdb(setup)
                setup.dispose()
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before writing each asset event's tags, on a new engine each time;
        # a table, once there, stays (only migrations add tables)
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


class LeadledgerSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, schedules) with :class:`OpenSqliteEventLogStorage`."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = OpenSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> LeadledgerSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
