"""The store's secret key: a file beside the store, readable by its owner only.

The key is 32 random bytes, kept as hex in `<store file name>.key` (for example
`data/dashboard.duckdb.key`). It never enters the store, so a copy of the store, a backup
or someone who can only change the store file cannot make a chain value or a pseudonym.
Each use takes its own subkey, HMAC-SHA256(key, purpose), so one use's values say nothing
about another's. Back the key file up apart from the store: without it the audit trail
cannot be verified or written to.

This module only reads and creates the file. Whether a missing key may be created is the
caller's decision (see analytics.records.audit and audit_keying: only a store whose trail is
empty, or a trail from before keyed chaining that still verifies, gets a new key).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32
# The purposes the key serves, each with its own subkey.
AUDIT_CHAIN = b"audit-chain"
AUDIT_TAIL = b"audit-tail"
AUDIT_TEXT = b"audit-text"
RECORD_STATE = b"record-state"
SESSION_TOKEN = b"session-token"
PSEUDONYM = b"pseudonym"

log = logging.getLogger(__name__)


class KeyFileProblem(RuntimeError):
    """The key file is missing, unreadable, malformed or not safely owned; the message
    names the file and is safe to show an operator."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


class KeyMissing(KeyFileProblem):
    """There is no key file beside the store."""


def key_path(db_path: Path | str) -> Path:
    """Where the key of the store at db_path is kept: beside it, named after it."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.key")


def load_key(db_path: Path | str) -> bytes:
    """The store's key. KeyMissing if there is no key file (it is never made here), and
    KeyFileProblem if it is malformed or owned by another user. A key file that others
    could read is tightened to 0600, with a warning in the log."""
    path = key_path(db_path)
    try:
        # O_NOFOLLOW: the key is a file of its own, never a link to somewhere else.
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyMissing(
            path,
            f"The key file {path} is missing. Restore it from its backup (it is kept apart "
            "from the store's backups); the audit trail cannot be verified or written without it.",
        ) from None
    except OSError as error:
        raise KeyFileProblem(path, f"The key file {path} cannot be read: {error}.") from None
    with os.fdopen(descriptor, "rb") as file:
        _ensure_private(path, file.fileno())
        text = file.read(4 * KEY_BYTES).strip()
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileProblem(path, f"The key file {path} does not hold a key of {KEY_BYTES} bytes.")
    return key


def create_key(db_path: Path | str) -> bytes:
    """Make the store's key: 32 random bytes, as hex, in a new file of mode 0600.

    The file appears whole or not at all (written to a private temporary file, then linked
    into place), and an existing key file is never replaced: FileExistsError then.
    """
    path = key_path(db_path)
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key.hex().encode("ascii") + b"\n")
            file.flush()
            os.fsync(file.fileno())
        # link, unlike rename, fails if the name exists: two processes cannot both win.
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return key


def derived_key(db_path: Path | str, purpose: bytes | str) -> bytes:
    """The subkey for one purpose (AUDIT_CHAIN, AUDIT_TAIL, PSEUDONYM): HMAC-SHA256(key, purpose).
    KeyMissing, as load_key, if the store has no key file."""
    return derive_key(load_key(db_path), purpose)


def session_token_key(store) -> bytes:
    """The subkey under which the store keeps session tokens' digests (a Store's)."""
    return derived_key(store.path, SESSION_TOKEN)


def derive_key(key: bytes, purpose: bytes | str) -> bytes:
    """The subkey for one purpose from a key already loaded."""
    if isinstance(purpose, str):
        purpose = purpose.encode("utf-8")
    return hmac.new(key, purpose, hashlib.sha256).digest()


def _ensure_private(path: Path, descriptor: int) -> None:
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        raise KeyFileProblem(path, f"The key file {path} is not a regular file.")
    if status.st_uid != os.getuid():
        # Someone else could replace our key at will: refuse rather than trust it.
        raise KeyFileProblem(
            path, f"The key file {path} belongs to another user; it must be this user's own."
        )
    if status.st_mode & 0o077:
        # Tightened, not refused: a key restored from a backup by a plain copy often comes
        # back 0644, and refusing would stop the school's app for a harmless cause.
        os.fchmod(descriptor, 0o600)
        log.warning(
            "The key file %s was readable by others (mode %o); it is now 0600. If others "
            "could have copied it, consider the key exposed.",
            path,
            stat.S_IMODE(status.st_mode),
        )
