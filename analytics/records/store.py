"""The DuckDB store: one connection per process, a cursor per query, one lock for writes."""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

# How every connection to a store is opened (the app, the command line, backup, restore).
OFFLINE = {"autoinstall_known_extensions": False}
# Permission bits no file or folder of this process may give the group or others.
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
# DuckDB names the process holding a store's lock: "... is held in /usr/bin/python (PID 42)".
_LOCK_HOLDER = re.compile(r"Could not set lock on file.*?\(PID (\d+)\)", re.DOTALL)


# Called with the store after every commit, under its write lock. This module imports
# nothing of the project's: the records package adds what must follow a commit.
_AFTER_COMMIT: list[Callable[[Store], None]] = []


# Called with the store and the writer's cursor just before every commit, under the write
# lock; raising rolls the transaction back (the records package vouches for what it wrote).
_BEFORE_COMMIT: list[Callable[[Store, duckdb.DuckDBPyConnection], None]] = []


def run_before_every_commit(hook: Callable[[Store, duckdb.DuckDBPyConnection], None]) -> None:
    """Have hook(store, cursor) called inside every transaction of every store in this
    process, just before it commits, once."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)


def run_after_every_commit(hook: Callable[[Store], None]) -> None:
    """Have hook(store) called after every commit of every store in this process, once."""
    if hook not in _AFTER_COMMIT:
        _AFTER_COMMIT.append(hook)


class StoreInUse(RuntimeError):
    """Another process holds the store file; the message says what to do."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        holder = f" (PID {pid})" if pid is not None else ""
        super().__init__(f"The store is in use by another process{holder}; stop it first.")


def wal_path(db_path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a store file."""
    return Path(f"{db_path}.wal")


def rewrite_path(db_path: Path) -> Path:
    """Where Store.rewrite builds the fresh copy, beside the store (same file system)."""
    return Path(f"{db_path}.rewrite")


def keep_new_files_private() -> None:
    """From now on, every file and folder this process creates is readable by its own user
    only (the umask gains 077; nothing it already forbids is allowed again).

    Process-wide on purpose: DuckDB creates files itself at moments no caller sees (the
    write-ahead log again after every checkpoint, spill files under a big query, attached
    backups), from any thread, and a umask set only around our own calls would race with
    those. A process holding the school's records has no file for others to read.
    """
    current = os.umask(PRIVATE_UMASK)
    os.umask(current | PRIVATE_UMASK)


def make_private_folder(folder: Path) -> Path:
    """Create folder (and any missing parents) readable by this user only; an existing
    folder is left as it is."""
    keep_new_files_private()
    folder = Path(folder)
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    return folder


def write_private_file(path: Path, data: bytes) -> Path:
    """Write data to path as a new file of mode 0600 that appears whole or not at all.

    The bytes go to a temporary file beside path (created 0600 with O_EXCL), are flushed
    to disk, and then replace path: a full disk leaves any earlier file as it was, and a
    file that existed with a looser mode, or a link, is replaced rather than written
    through.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def describe_failure(error: BaseException) -> str:
    """The cause of a failed write in plain words, e.g. "No space left on device".

    DuckDB reports an operating-system error inside its own sentence ('Failed to commit:
    Could not write file "/x/store.duckdb.wal": No space left on device'); the cause is the
    part after the file name. Any other error is told by its first line.
    """
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    quoted_file = first.rfind('": ')
    if "Could not" in first and quoted_file != -1:
        return first[quoted_file + 3 :].strip()
    return first


# Every Store open in this process, by resolved path: a rewrite replaces the file and must
# be the only user of DuckDB's database instance (connections to one path share it).
_open_stores: dict[Path, int] = {}
_open_stores_lock = threading.Lock()


class _SwapGuard:
    """Any number of readers at once, or one swap of the connection alone.

    A reader that already reads in this thread goes on without waiting (a read inside
    store.cursor()); new readers wait while a swap is asked for, so a swap is not starved.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._swapping = False
        self._depth = threading.local()

    @contextmanager
    def reading(self) -> Iterator[None]:
        depth = getattr(self._depth, "value", 0)
        if depth == 0:
            with self._condition:
                self._condition.wait_for(lambda: not self._swapping)
                self._readers += 1
        self._depth.value = depth + 1
        try:
            yield
        finally:
            self._depth.value = depth
            if depth == 0:
                with self._condition:
                    self._readers -= 1
                    self._condition.notify_all()

    @contextmanager
    def swapping(self) -> Iterator[None]:
        if getattr(self._depth, "value", 0):
            raise RuntimeError("the connection cannot be swapped from inside a read")
        with self._condition:
            self._condition.wait_for(lambda: not self._swapping)
            self._swapping = True
            self._condition.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._condition:
                self._swapping = False
                self._condition.notify_all()


class Store:
    """A DuckDB file opened once, shared by every session of the process.

    A bare connection shared across threads returns wrong (empty) results under load, so
    every read takes its own cursor. Two writers updating one row conflict, so every write
    holds one process-wide lock and runs in one transaction. Every use of the connection
    also holds a share of a guard that Store.rewrite takes whole, so the file can be
    swapped for a fresh copy under running readers.

    The file, its write-ahead log and any folder made for it are readable by the process's
    own user only (0600, 0700). A second process opening a held store gets StoreInUse.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        make_private_folder(self.path.parent)
        self._connection = self._connect()
        self._write_lock = threading.Lock()
        self._guard = _SwapGuard()
        self.closed = False
        # Counts committed writes, so results computed before a write can be told apart.
        self.version = 0
        # Holding the file's lock, nothing else can be rewriting it: a copy left by a
        # rewrite that was killed holds personal data, and is not needed.
        _remove_files(rewrite_path(self.path), wal_path(rewrite_path(self.path)))
        # A store made before files were private may still be readable by others.
        for existing in (self.path, wal_path(self.path)):
            _make_private(existing)
        with _open_stores_lock:
            key = self.path.resolve()
            _open_stores[key] = _open_stores.get(key, 0) + 1

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            # Never fetch an extension: replaying a schema change from the write-ahead log
            # after a crash would otherwise try to download one, and a school's server may
            # be offline. The functions built into the Python package serve instead.
            return duckdb.connect(str(self.path), config=OFFLINE)
        except duckdb.IOException as error:
            holder = _LOCK_HOLDER.search(str(error))
            if holder is not None or "Could not set lock" in str(error):
                raise StoreInUse(int(holder.group(1)) if holder else None) from None
            raise

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for reads that need several statements."""
        with self._guard.reading(), self._connection.cursor() as cursor:
            yield cursor

    def read(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> pd.DataFrame:
        """Run one query on a fresh cursor and return its (small) result as a DataFrame."""
        with self._guard.reading(), self._connection.cursor() as cursor:
            return cursor.execute(sql, params).df()

    def read_rows(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> list[tuple]:
        """Run one query on a fresh cursor and return its rows as tuples."""
        with self._guard.reading(), self._connection.cursor() as cursor:
            return cursor.execute(sql, params).fetchall()

    def read_value(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        """Run one query on a fresh cursor and return the first column of its first row."""
        rows = self.read_rows(sql, params)
        return rows[0][0] if rows else None

    @contextmanager
    def transaction(self, *, bookkeeping: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the write lock and yield a cursor inside one transaction.

        Everything written through the cursor commits together, or not at all if the
        block raises. A bookkeeping write (a session's last-seen time) changes nothing any
        figure is made from, so it leaves the version, and every cached figure, as it is.
        """
        with self._write_lock, self._guard.reading(), self._connection.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
                for hook in _BEFORE_COMMIT:
                    hook(self, cursor)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
            if not bookkeeping:
                self.version += 1
            # Still under the write lock, so that what follows a commit runs in commit order
            # (the audit trail's tail file, which the records package sets up).
            for hook in _AFTER_COMMIT:
                hook(self)

    def checkpoint(self) -> None:
        """Write everything in the write-ahead log into the database file."""
        with self._write_lock, self._guard.reading(), self._connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")

    def limit_memory(self, megabytes: int) -> None:
        """Cap the memory DuckDB's buffers may take in this process; beyond it DuckDB writes
        to disk. An uncommitted transaction's rows (a large import's) stay in memory up to
        this limit, which is otherwise 80% of the machine's."""
        with self._guard.reading(), self._connection.cursor() as cursor:
            cursor.execute("SET GLOBAL memory_limit = ?", [f"{int(megabytes)}MB"])

    def rewrite(self) -> None:
        """Make the store file a fresh copy of its contents, so that nothing deleted or
        overwritten survives in it. Call it outside any transaction or read.

        DuckDB does not overwrite the blocks it frees: text removed from a table can still
        be read in the raw file. Holding the write lock and, once running readers finish,
        the connection alone, this checkpoints, copies every table, view, macro and
        sequence into a new file beside the store (0600), flushes it to disk, renames it
        over the store, closes the old connection and opens the new file as before.
        Killed at any moment, the path holds either the old file or the whole new one,
        never neither; a copy left half made is removed at the next open.

        The old file's blocks go back to the file system, which does not overwrite them
        either: keep the server's disk encrypted.
        """
        with self._write_lock, self._guard.swapping():
            with _open_stores_lock:
                others = _open_stores.get(self.path.resolve(), 0) - 1
            if others:
                # Connections to one path share DuckDB's database: swapping the file under
                # another Store of this process would leave it writing to the old one.
                raise RuntimeError(f"{others} other Store object(s) hold {self.path} open")
            fresh = rewrite_path(self.path)
            _remove_files(fresh, wal_path(fresh))
            try:
                self._copy_into(fresh)
                if wal_path(self.path).exists() or wal_path(fresh).exists():
                    # Checkpointed and detached, neither should have a log; one that does
                    # holds something the copy may lack, so the old file stays.
                    raise RuntimeError(f"{self.path} kept a write-ahead log; not rewritten")
                # Renamed while still open, so the path is never free for another process
                # to open the old file in between (a store's lock is on the file itself).
                os.replace(fresh, self.path)
                _flush_to_disk(self.path.parent)
            finally:
                _remove_files(fresh, wal_path(fresh))
            self._connection.close()
            self._connection = self._connect()

    def _copy_into(self, fresh: Path) -> None:
        """Checkpoint, and copy the whole store into the new file fresh, flushed to disk."""
        connection = self._connection
        connection.execute("CHECKPOINT")
        database = connection.execute("SELECT current_database()").fetchall()[0][0]
        connection.execute("ATTACH ? AS rewrite_target", [str(fresh)])
        try:
            connection.execute(
                "COPY FROM DATABASE " + quote_identifier(database) + " TO rewrite_target"
            )
        finally:
            connection.execute("DETACH rewrite_target")
        _flush_to_disk(fresh)

    def close(self) -> None:
        """Checkpoint and close the connection; a failure to checkpoint (a full disk) is
        raised, after the connection is closed, and the write-ahead log keeps every commit."""
        if self.closed:
            return
        self.closed = True
        with _open_stores_lock:
            key = self.path.resolve()
            _open_stores[key] = _open_stores.get(key, 1) - 1
            if not _open_stores[key]:
                del _open_stores[key]
        with self._write_lock, self._guard.swapping():
            try:
                self._connection.execute("CHECKPOINT")
            finally:
                self._connection.close()


def quote_identifier(name: str) -> str:
    """A name quoted as an SQL identifier, for the few places DuckDB takes no bound parameter
    (a table or database name): only the store's own tables and databases come here."""
    return '"' + name.replace('"', '""') + '"'


def _make_private(path: Path) -> None:
    """Take group and others' access away from a file of ours (a store made before)."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISREG(status.st_mode) and status.st_uid == os.getuid() and status.st_mode & 0o077:
        os.chmod(path, stat.S_IMODE(status.st_mode) & ~PRIVATE_UMASK)


def _remove_files(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _flush_to_disk(path: Path) -> None:
    """fsync a file, or a folder (so a rename in it lasts)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
