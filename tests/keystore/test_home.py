"""The home: where it is, file modes, master key modes, and refusing what is not a keystore."""

from __future__ import annotations

import os
import sqlite3
import stat
import unicodedata
from pathlib import Path

import pytest

from kmskit.keystore import init_home, open_keystore, resolve_home
from kmskit.keystore.home import home_dir
from kmskit.offline.errors import (
    IncorrectPassphraseError,
    KeystoreError,
    PassphraseRequiredError,
    ValidationException,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KMSKIT_HOME", str(tmp_path / "env"))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert resolve_home(tmp_path / "explicit") == tmp_path / "explicit"
    assert resolve_home() == tmp_path / "env"
    monkeypatch.delenv("KMSKIT_HOME")
    assert resolve_home() == tmp_path / "user" / ".kmskit"
    assert resolve_home("~/elsewhere") == tmp_path / "user" / "elsewhere"


@pytest.mark.parametrize(
    "given", ["rel", "a/./b//c/", "./x/", "~", "~/k", "/abs//d/.", "//net/x", "///three", "/"]
)
def test_home_dir_spells_a_home_as_pathlib_does(
    given: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The keystore handles its paths as strings (start-up: pathlib is not imported on the
    # kms path); resolve_home and every message must still name the same directory.
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    assert home_dir(given) == str(Path(given).expanduser().absolute())
    assert resolve_home(given) == Path(given).expanduser().absolute()


def test_a_home_under_an_unknown_user_is_refused() -> None:
    with pytest.raises(KeystoreError, match="cannot expand '~no-such-user-kmskit/h'"):
        home_dir("~no-such-user-kmskit/h")


def test_files_are_0600_and_the_directory_0700_whatever_the_umask(home: Path) -> None:
    old = os.umask(0)
    try:
        with open_keystore(home) as ks:
            key = ks.create_key()
            ks.encrypt(key.key_id, b"x")
            files = sorted(p.name for p in home.iterdir())
            assert files == [
                "audit.anchor",
                "keystore.db",
                "keystore.db-shm",
                "keystore.db-wal",
                "master.key",
            ]
            for path in home.iterdir():
                assert _mode(path) == 0o600, path
            assert _mode(home) == 0o700
    finally:
        os.umask(old)
    for path in home.iterdir():
        assert _mode(path) == 0o600, path


def test_open_without_create_refuses_a_missing_home(home: Path) -> None:
    with pytest.raises(KeystoreError):
        open_keystore(home, create=False)
    assert not home.exists()


def test_a_foreign_sqlite_file_is_refused(home: Path) -> None:
    home.mkdir()
    conn = sqlite3.connect(home / "keystore.db")
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.raises(KeystoreError):
        open_keystore(home)


def test_a_non_database_file_is_refused(home: Path) -> None:
    home.mkdir()
    (home / "keystore.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(KeystoreError):
        open_keystore(home)


def test_a_newer_schema_is_refused(home: Path) -> None:
    open_keystore(home).close()
    conn = sqlite3.connect(home / "keystore.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(KeystoreError, match="schema version 99"):
        open_keystore(home)


def test_swapped_or_missing_master_key_file(home: Path) -> None:
    with open_keystore(home) as ks:
        key = ks.create_key()
    original = (home / "master.key").read_bytes()
    (home / "master.key").write_bytes(bytes(32))
    with pytest.raises(IncorrectPassphraseError):
        open_keystore(home)
    (home / "master.key").write_bytes(original[:31])
    with pytest.raises(KeystoreError):
        open_keystore(home)
    (home / "master.key").unlink()
    with pytest.raises(KeystoreError):
        open_keystore(home)
    (home / "master.key").write_bytes(original)
    with open_keystore(home, passphrase="ignored in key-file mode") as ks:
        assert ks.describe_key(key.key_id).key_state == "Enabled"


def test_passphrase_home(home: Path) -> None:
    phrase = "caf\u00e9 horse battery"  # é precomposed (NFC)
    config = init_home(home, passphrase=phrase)
    assert config.sealing == "passphrase"
    assert not (home / "master.key").exists()
    with pytest.raises(PassphraseRequiredError):
        open_keystore(home)
    with pytest.raises(IncorrectPassphraseError):
        open_keystore(home, passphrase="cafe horse battery")
    decomposed = unicodedata.normalize("NFD", phrase)
    assert decomposed != phrase
    with open_keystore(home, passphrase=decomposed) as ks:
        key = ks.create_key()
        blob = ks.encrypt(key.key_id, b"sealed by passphrase").ciphertext_blob
    with open_keystore(home, passphrase=phrase) as ks:
        assert bytes(ks.decrypt(blob).plaintext) == b"sealed by passphrase"


def test_first_use_with_a_passphrase_creates_a_passphrase_home(home: Path) -> None:
    with open_keystore(home, passphrase="first use") as ks:
        assert ks.config.sealing == "passphrase"
    with pytest.raises(PassphraseRequiredError):
        open_keystore(home)
    with pytest.raises(ValidationException):
        init_home(home.parent / "other", passphrase="")


def test_closed_keystore_refuses_work(home: Path) -> None:
    ks = open_keystore(home)
    ks.close()
    ks.close()
    with pytest.raises(KeystoreError):
        ks.create_key()
    with pytest.raises(KeystoreError):
        list(ks.audit.records())


def test_a_refused_foreign_database_is_left_untouched(home: Path) -> None:
    home.mkdir()
    db = home / "keystore.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    os.chmod(db, 0o644)
    before = db.read_bytes()
    with pytest.raises(KeystoreError):
        open_keystore(home)
    assert db.read_bytes() == before and _mode(db) == 0o644
    assert sorted(p.name for p in home.iterdir()) == ["keystore.db"]


def test_an_existing_home_directory_keeps_its_mode(tmp_path: Path) -> None:
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)  # noqa: S103 - a shared directory on purpose
    open_keystore(existing).close()
    assert _mode(existing) == 0o755
    assert _mode(existing / "keystore.db") == 0o600
