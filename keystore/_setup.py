"""Creating a home (``init_home``) and opening one (``open_keystore``).

spec: docs/keystore.md#home, docs/keystore.md#master-key-and-sealing
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator

from kmskit.keystore._db import connect, read_meta, transaction, write_meta
from kmskit.keystore._time import Clock, now, system_clock
from kmskit.keystore.audit import AuditLog, append_record, format_time
from kmskit.keystore.audit_anchor import (
    ANCHOR_NAME,
    anchor_of,
    check_anchor,
    read_anchor,
    update_anchor,
    write_anchor,
)
from kmskit.keystore.home import DB_NAME, MASTER_KEY_NAME, HomeConfig, home_dir, make_home_dir
from kmskit.keystore.keystore import Keystore
from kmskit.keystore.sealing import MasterKey, create_master_key, open_master_key
from kmskit.offline.errors import AuditLogError, KeystoreError

__all__ = ["init_home", "open_audit_log", "open_keystore"]

Rng = Callable[[int], bytes]
# The default rng is os.urandom, which is what secrets.token_bytes returns; importing
# secrets would load hmac (OpenSSL's _hashlib) and random into every command.
_CONFIG_FIELDS = ("partition", "region", "account_id", "naming", "sealing")
# Set in meta once the home has an audit anchor: from then on a missing anchor is an alarm.
_ANCHORED = "audit_anchor"


def init_home(
    home: str | os.PathLike[str] | None = None,
    *,
    passphrase: str | None = None,
    partition: str = "aws",
    region: str = "us-east-1",
    account_id: str = "111122223333",
    naming: str = "aws",
    clock: Clock = system_clock,
    rng: Rng = os.urandom,
) -> HomeConfig:
    """Create a keystore home: the 0700 directory, the database, and the master key (a
    ``master.key`` file, or scrypt from ``passphrase`` when given).

    Raises :class:`KeystoreError` if the home is already initialised or cannot be written,
    and :class:`ValidationException` for a bad setting or an empty passphrase.
    """
    config = HomeConfig(
        partition=partition,
        region=region,
        account_id=account_id,
        naming=naming,
        sealing="key-file" if passphrase is None else "passphrase",
    )
    path = home_dir(home)
    make_home_dir(path)
    with _database_errors(path):
        if not _exists(os.path.join(path, DB_NAME)) or _is_empty(os.path.join(path, DB_NAME)):
            _refuse_lost_database(path)
        conn = connect(os.path.join(path, DB_NAME))
    try:
        created = _initialise(conn, path, config, passphrase, clock, rng)
        if created is None:
            raise KeystoreError(f"{path} is already an initialised keystore home")
        created.close()
    finally:
        conn.close()
    return config


def open_keystore(
    home: str | os.PathLike[str] | None = None,
    *,
    passphrase: str | None = None,
    create: bool = True,
    clock: Clock = system_clock,
    rng: Rng = os.urandom,
) -> Keystore:
    """Open the keystore in ``home`` (else ``$KMSKIT_HOME``, else ``~/.kmskit``), creating it
    with default settings on first use when ``create`` (key-file sealing unless a
    ``passphrase`` is given). Keys whose deletion window has passed are deleted.

    ``passphrase`` is ignored by key-file homes. Raises :class:`PassphraseRequiredError`
    (passphrase home, none given), :class:`IncorrectPassphraseError` (wrong passphrase or
    key file), and :class:`KeystoreError` (no home and not ``create``; not a keystore;
    unreadable).
    """
    path = home_dir(home)
    with _database_errors(path):
        return _open_keystore(path, passphrase, create, clock, rng)


def _open_keystore(
    path: str, passphrase: str | None, create: bool, clock: Clock, rng: Rng
) -> Keystore:
    db_path = os.path.join(path, DB_NAME)
    if not _exists(db_path) or _is_empty(db_path):
        _refuse_lost_database(path)
        if not create:
            raise KeystoreError(f"no keystore at {path} (run kmskit init)")
        make_home_dir(path)
    conn = connect(db_path)
    try:
        meta = read_meta(conn)
        master: MasterKey | None = None
        if "sealing" not in meta:
            if not create:
                _refuse_lost_database(path)
                raise KeystoreError(f"no keystore at {path} (run kmskit init)")
            config = HomeConfig(sealing="key-file" if passphrase is None else "passphrase")
            master = _initialise(conn, path, config, passphrase, clock, rng)
            meta = read_meta(conn)  # another process may have initialised it first
        config = _config(meta)
        if master is None:
            master = open_master_key(path, meta, passphrase=passphrase)
        try:
            _check_anchored(conn, path, meta, master)
        except BaseException:
            master.close()
            raise
        conn.after_commit = functools.partial(update_anchor, conn, path, master)  # type: ignore[attr-defined]
        store = Keystore(path, config, conn, master, clock=clock, rng=rng)
    except BaseException:
        conn.close()
        raise
    try:
        store.purge_expired_keys()
        store.run_due_work()
    except BaseException:
        store.close()
        raise
    return store


def _initialise(
    conn: sqlite3.Connection,
    path: str,
    config: HomeConfig,
    passphrase: str | None,
    clock: Clock,
    rng: Rng,
) -> MasterKey | None:
    """Write the master key and settings in one transaction; None if the home turned out
    to be initialised already (by an earlier run or a concurrent process)."""
    with transaction(conn):
        if "sealing" in read_meta(conn):
            return None
        # Checked under the write lock: a concurrent first use has committed by now, so a
        # master key here belongs to a database that is gone, not to one being made.
        _refuse_lost_database(path)
        master, sealing_meta = create_master_key(path, passphrase=passphrase, rng=rng)
        try:
            settings = {name: getattr(config, name) for name in _CONFIG_FIELDS}
            write_meta(conn, {**settings, **sealing_meta, _ANCHORED: 1})
            pascal = {"".join(w.title() for w in k.split("_")): v for k, v in settings.items()}
            append_record(
                conn,
                time=format_time(now(clock)),
                operation="InitHome",
                key_arn=None,
                encryption_context=None,
                outcome="Success",
                parameters=pascal,
            )
            # Before the commit: if it never happens, master.key and this anchor without a
            # database are refused (_refuse_lost_database) rather than half-trusted.
            write_anchor(path, anchor_of(conn), master)
        except BaseException:
            master.close()
            raise
    return master


@contextlib.contextmanager
def _database_errors(path: str) -> Iterator[None]:
    """A damaged database (``database disk image is malformed``), one that cannot be written
    (``attempt to write a readonly database``) or a home we may not read is a KeystoreError:
    one line, exit 1, never a bug report."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise KeystoreError(f"the keystore database in {path} cannot be used: {exc}") from None
    except PermissionError as exc:
        raise KeystoreError(f"cannot open the keystore in {path}: {exc.strerror}") from None


def _exists(path: str) -> bool:
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise KeystoreError(f"cannot open the keystore at {path}: {exc.strerror}") from None
    return True


def _is_empty(db_path: str) -> bool:
    """An empty database file with no write-ahead log beside it (a concurrent first use
    keeps its new schema in ``-wal`` until a checkpoint: that one is not empty)."""
    wal = db_path + "-wal"
    try:
        return os.stat(db_path).st_size == 0 and (not _exists(wal) or os.stat(wal).st_size == 0)
    except FileNotFoundError:
        return True


def _refuse_lost_database(path: str) -> None:
    """Refuse to make a new database beside the master key or audit anchor of a lost one:
    that would silently start an empty keystore (every key gone) whose fresh audit log
    verifies. Nothing is changed; restore the database from a backup."""
    left = [name for name in (MASTER_KEY_NAME, ANCHOR_NAME) if _exists(os.path.join(path, name))]
    if left:
        raise KeystoreError(
            f"{os.path.join(path, DB_NAME)} is missing or empty but {' and '.join(left)} is"
            " there: refusing to start a new keystore over a lost one (restore the database"
            " from a backup; a home that never held a key can simply be removed)"
        )


def _check_anchored(
    conn: sqlite3.Connection, path: str, meta: dict[str, object], master: MasterKey
) -> None:
    """The database must extend the audit anchor (audit_anchor.py). A home made before
    anchors existed gets one now."""
    anchor = read_anchor(path, mac=master)
    if anchor is None:
        if meta.get(_ANCHORED):
            raise AuditLogError(
                f"{os.path.join(path, ANCHOR_NAME)} is missing: the audit log cannot be trusted"
            )
        # Anchor first, flag second: a crash between leaves an anchor, never a flag without one.
        update_anchor(conn, path, master)
        with transaction(conn):
            write_meta(conn, {_ANCHORED: 1})
        return
    problem = check_anchor(conn, anchor)
    if problem is not None:
        raise AuditLogError(f"{path}: {problem}")


def _config(meta: dict[str, object]) -> HomeConfig:
    values = {name: meta.get(name) for name in _CONFIG_FIELDS}
    if not all(isinstance(v, str) for v in values.values()):
        raise KeystoreError("the keystore's settings are damaged")
    try:
        return HomeConfig(**values)  # type: ignore[arg-type]
    except ValueError:
        raise KeystoreError("the keystore's settings are damaged") from None


@contextlib.contextmanager
def open_audit_log(home: str | os.PathLike[str] | None = None) -> Iterator[AuditLog]:
    """Open only the audit log of ``home``, for reading and verifying.

    It needs neither the master key nor the passphrase: the log holds no secret, and an
    auditor should be able to check it without the power to decrypt anything. Raises
    :class:`KeystoreError` if there is no keystore there.
    """
    path = home_dir(home)
    db_path = os.path.join(path, DB_NAME)
    with _database_errors(path):
        if not _exists(db_path) or _is_empty(db_path):
            _refuse_lost_database(path)
            raise KeystoreError(f"no keystore at {path} (run kmskit init)")
        conn = connect(db_path)
    try:
        with _database_errors(path):  # also around the caller's reads (a damaged page)
            meta = read_meta(conn)
            if "sealing" not in meta:
                _refuse_lost_database(path)
                raise KeystoreError(f"no keystore at {path} (run kmskit init)")
            anchor = read_anchor(path)
            if anchor is None and meta.get(_ANCHORED):
                problem: str | None = f"{ANCHOR_NAME} is missing"
            else:
                problem = None if anchor is None else check_anchor(conn, anchor)
            yield AuditLog(lambda: conn, anchor_problem=problem)
    finally:
        conn.close()
