"""The store's secret key: made once, private, never replaced, one subkey per purpose."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest

from analytics.records.keys import (
    AUDIT_CHAIN,
    PSEUDONYM,
    KeyFileProblem,
    KeyMissing,
    create_key,
    derived_key,
    key_path,
    load_key,
)
from tests.conftest import needs_root


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "dashboard.duckdb"


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_key_file_sits_beside_the_store_named_after_it(db_path):
    assert key_path(db_path) == db_path.parent / "dashboard.duckdb.key"


def test_a_new_key_is_32_random_bytes_kept_as_hex_readable_by_its_owner_only(db_path):
    old_umask = os.umask(0)  # even a permissive umask cannot widen it
    try:
        key = create_key(db_path)
    finally:
        os.umask(old_umask)
    assert len(key) == 32
    assert key_path(db_path).read_text() == key.hex() + "\n"
    assert mode_of(key_path(db_path)) == 0o600
    assert load_key(db_path) == key
    assert create_key(db_path.with_name("other.duckdb")) != key
    assert sorted(p.name for p in db_path.parent.iterdir()) == [
        "dashboard.duckdb.key",
        "other.duckdb.key",
    ]  # no temporary file left behind


def test_an_existing_key_is_never_replaced(db_path):
    key = create_key(db_path)
    with pytest.raises(FileExistsError):
        create_key(db_path)
    assert load_key(db_path) == key


def test_a_missing_key_is_an_error_naming_the_file_and_is_not_made(db_path):
    with pytest.raises(KeyMissing, match=str(key_path(db_path))):
        load_key(db_path)
    assert not key_path(db_path).exists()


def test_a_key_file_others_could_read_is_tightened_to_0600(db_path, caplog):
    key = create_key(db_path)
    os.chmod(key_path(db_path), 0o644)
    assert load_key(db_path) == key
    assert mode_of(key_path(db_path)) == 0o600
    assert "readable by others" in caplog.text


@pytest.mark.parametrize("content", ["", "not hex at all", "ab" * 16, "ab" * 33])
def test_a_malformed_key_file_is_refused(db_path, content):
    key_path(db_path).write_text(content)
    os.chmod(key_path(db_path), 0o600)
    with pytest.raises(KeyFileProblem, match="does not hold a key"):
        load_key(db_path)


def test_a_key_file_that_is_a_link_is_refused(db_path, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    create_key(elsewhere / "dashboard.duckdb")
    key_path(db_path).symlink_to(key_path(elsewhere / "dashboard.duckdb"))
    with pytest.raises(KeyFileProblem, match="cannot be read"):
        load_key(db_path)


@needs_root
def test_a_key_file_owned_by_another_user_is_refused(db_path):
    create_key(db_path)
    os.chown(key_path(db_path), 65534, 65534)
    with pytest.raises(KeyFileProblem, match="belongs to another user"):
        load_key(db_path)


def test_each_purpose_has_its_own_subkey_and_it_stays_the_same(db_path):
    key = create_key(db_path)
    chain, pseudonym = derived_key(db_path, AUDIT_CHAIN), derived_key(db_path, PSEUDONYM)
    assert len(chain) == len(pseudonym) == 32
    assert len({chain, pseudonym, key}) == 3
    assert derived_key(db_path, AUDIT_CHAIN) == chain == derived_key(db_path, "audit-chain")
    assert chain == hmac.new(key, b"audit-chain", hashlib.sha256).digest()
