"""A damaged, lost, replaced or contended keystore home: refused in one line, never
silently recreated or repaired, and ``kmskit audit verify`` notices.

Every case runs the real console script: what a user types, what a script sees.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults._faults import as_nobody, one_line, run

KEYSTORE_ERROR = "KeystoreError"
AUDIT_ERROR = "AuditLogError"


def _home(work: Path, name: str = "home") -> Path:
    home = work / name
    result = run(["kms", "create-key", "--home", home])
    assert result.returncode == 0, result.stderr
    return home


def _snapshot(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.is_file()}


def _audit_count(home: Path) -> int:
    conn = sqlite3.connect(home / "keystore.db")
    try:
        return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    finally:
        conn.close()


# -- a lost database is never silently recreated ---------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_lost_database_is_refused_and_nothing_changes(how: str, work: Path) -> None:
    home = _home(work)
    db = home / "keystore.db"
    for companion in ("keystore.db-wal", "keystore.db-shm"):
        (home / companion).unlink(missing_ok=True)
    if how == "deleted":
        db.unlink()
    else:
        db.write_bytes(b"")
    before = _snapshot(home)
    for command in (["kms", "list-keys"], ["kms", "create-key"], ["init"]):
        message = one_line(run([*command, "--home", home]), 1, KEYSTORE_ERROR)
        assert "master.key" in message
        assert _snapshot(home) == before, command
    one_line(run(["audit", "verify", "--home", home]), 1, KEYSTORE_ERROR)
    assert _snapshot(home) == before


def test_missing_master_key_is_refused_and_nothing_changes(work: Path) -> None:
    home = _home(work)
    (home / "master.key").unlink()
    before = _snapshot(home)
    message = one_line(run(["kms", "list-keys", "--home", home]), 1, KEYSTORE_ERROR)
    assert "master.key" in message
    assert _snapshot(home) == before
    assert not (home / "master.key").exists()


# -- the audit anchor --------------------------------------------------------------------------


def test_truncated_log_is_detected(work: Path) -> None:
    home = _home(work)
    assert run(["kms", "list-keys", "--home", home]).returncode == 0
    count = _audit_count(home)
    conn = sqlite3.connect(home / "keystore.db")
    conn.execute("DELETE FROM audit WHERE seq = ?", (count,))  # the newest record, unseen
    conn.commit()
    conn.close()
    assert "truncated" in one_line(run(["audit", "verify", "--home", home]), 1, AUDIT_ERROR)
    assert "truncated" in one_line(run(["kms", "list-keys", "--home", home]), 1, AUDIT_ERROR)


def test_database_replaced_by_an_older_copy_is_detected(work: Path) -> None:
    home = _home(work)
    backup = work / "old.db"
    shutil.copy(home / "keystore.db", backup)  # WAL checkpointed on close: a full copy
    assert run(["kms", "create-key", "--home", home]).returncode == 0
    for companion in ("keystore.db-wal", "keystore.db-shm"):
        (home / companion).unlink(missing_ok=True)
    shutil.copy(backup, home / "keystore.db")
    one_line(run(["audit", "verify", "--home", home]), 1, AUDIT_ERROR)
    one_line(run(["kms", "list-keys", "--home", home]), 1, AUDIT_ERROR)


def test_database_of_another_home_is_detected(work: Path) -> None:
    home, other = _home(work, "home"), _home(work, "other")
    for _ in range(3):
        assert run(["kms", "create-key", "--home", other]).returncode == 0
    for companion in ("keystore.db-wal", "keystore.db-shm"):
        (home / companion).unlink(missing_ok=True)
    shutil.copy(other / "keystore.db", home / "keystore.db")
    one_line(run(["audit", "verify", "--home", home]), 1, AUDIT_ERROR)


def test_deleted_anchor_is_detected(work: Path) -> None:
    home = _home(work)
    (home / "audit.anchor").unlink()
    assert "missing" in one_line(run(["audit", "verify", "--home", home]), 1, AUDIT_ERROR)
    one_line(run(["kms", "list-keys", "--home", home]), 1, AUDIT_ERROR)


def test_forged_anchor_is_refused(work: Path) -> None:
    """An anchor that kmskit did not write (for a log rewritten to match) fails its MAC."""
    home = _home(work)
    lines = []
    for line in (home / "audit.anchor").read_text().splitlines():
        doc = json.loads(line)
        doc["HeadHash"] = os.urandom(32).hex()
        lines.append(json.dumps(doc).ljust(len(line)))
    (home / "audit.anchor").write_text("\n".join(lines) + "\n")
    assert "MAC" in one_line(run(["kms", "list-keys", "--home", home]), 1, AUDIT_ERROR)
    one_line(run(["audit", "verify", "--home", home]), 1, AUDIT_ERROR)


def test_anchor_survives_a_torn_slot(work: Path) -> None:
    """A crash tearing the slot being written leaves the other: no false alarm."""
    home = _home(work)
    data = bytearray((home / "audit.anchor").read_bytes())
    data[10:40] = b"\x00" * 30  # the first slot, torn
    (home / "audit.anchor").write_bytes(bytes(data))
    assert run(["kms", "list-keys", "--home", home]).returncode == 0
    assert run(["audit", "verify", "--home", home]).returncode == 0


def test_verify_passes_on_a_healthy_home(work: Path) -> None:
    home = _home(work)
    result = run(["audit", "verify", "--home", home])
    assert result.returncode == 0, result.stderr
    assert b"Audit log OK" in result.stdout


# -- first use, damaged databases ------------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_first_use_never_fails(work: Path) -> None:
    home = work / "new-home"

    def create(_: int) -> subprocess.CompletedProcess[bytes]:
        return run(["kms", "create-key", "--home", home], timeout=300)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(create, range(20)))
    failures = [r.stderr.decode() for r in results if r.returncode != 0]
    assert failures == []
    verified = run(["audit", "verify", "--home", home])
    assert verified.returncode == 0, verified.stderr
    keys = json.loads(run(["kms", "list-keys", "--home", home]).stdout)["Keys"]
    assert len(keys) == 20


def test_corrupt_pages_are_one_line(work: Path) -> None:
    home = _home(work)
    for _ in range(5):
        assert run(["kms", "create-key", "--home", home]).returncode == 0
    db = home / "keystore.db"
    data = bytearray(db.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:] = os.urandom(len(data) - 4096)  # every page after the first
    db.write_bytes(bytes(data))
    one_line(run(["kms", "list-keys", "--home", home]), 1, KEYSTORE_ERROR)
    one_line(run(["audit", "verify", "--home", home]), 1, KEYSTORE_ERROR)


def test_unknown_key_state_is_one_line(work: Path) -> None:
    home = _home(work)
    conn = sqlite3.connect(home / "keystore.db")
    key_id = conn.execute("SELECT key_id FROM keys").fetchone()[0]
    conn.execute("UPDATE keys SET key_state = 'Frozen'")
    conn.commit()
    conn.close()
    message = one_line(
        run(["kms", "describe-key", "--key-id", key_id, "--home", home]), 1, KEYSTORE_ERROR
    )
    assert key_id in message


def test_non_utf8_arguments_are_refused_and_audited(work: Path) -> None:
    home = _home(work)
    bad = os.fsdecode(b"\xff\xfe")
    cases = [
        ["kms", "create-key", "--description", bad],
        ["kms", "create-alias", "--alias-name", "alias/" + bad, "--target-key-id", "x"],
        ["kms", "create-key", "--tags", f"TagKey={bad},TagValue=v"],
    ]
    for args in cases:
        one_line(run([*args, "--home", home]), 2, "ValidationException")
    records = [
        json.loads(line) for line in run(["audit", "list", "--home", home]).stdout.splitlines()
    ]
    refused = [r for r in records if r["Outcome"] == "ValidationException"]
    assert len(refused) == len(cases)
    assert all("not valid UTF-8" in r["ErrorMessage"] for r in refused)
    assert run(["audit", "verify", "--home", home]).returncode == 0


def test_non_utf8_sm2_id_is_a_validation_error(work: Path) -> None:
    from kmskit.offline.keys import generate_private_key
    from kmskit.offline.specs import KeySpec

    (work / "k.pem").write_text(generate_private_key(KeySpec.SM2).pkcs8_pem())
    (work / "m").write_bytes(b"m")
    result = run(
        [
            "offline",
            "sign",
            "--private-key",
            "k.pem",
            "--message",
            "m",
            "--signing-algorithm",
            "SM2DSA",
            "--sm2-id",
            os.fsdecode(b"\xff"),
        ]
    )
    assert "UTF-8" in one_line(result, 2, "ValidationException")


# -- permissions, as an unprivileged user ----------------------------------------------------


def _nobody_home(shared: Path) -> tuple[list[str], Path]:
    prefix = as_nobody()
    home = shared / "home"
    if os.geteuid() == 0:
        os.chown(shared, 65534, 65534)  # nobody's own directory, as a user's home would be
    result = run(["kms", "create-key", "--home", home], prefix=prefix)
    assert result.returncode == 0, result.stderr
    return prefix, home


def test_unreadable_home_is_one_line_and_kept(shared: Path) -> None:
    prefix, home = _nobody_home(shared)
    home.chmod(0)
    try:
        one_line(run(["kms", "list-keys", "--home", home], prefix=prefix), 1, KEYSTORE_ERROR)
        assert stat.S_IMODE(home.stat().st_mode) == 0, "the home's mode was changed back"
    finally:
        home.chmod(0o700)


def test_read_only_database_is_one_line_and_kept(shared: Path) -> None:
    prefix, home = _nobody_home(shared)
    db = home / "keystore.db"
    db.chmod(0o400)
    for companion in ("keystore.db-wal", "keystore.db-shm"):
        (home / companion).unlink(missing_ok=True)
    before = db.read_bytes()
    one_line(run(["kms", "create-key", "--home", home], prefix=prefix), 1, KEYSTORE_ERROR)
    assert stat.S_IMODE(db.stat().st_mode) == 0o400, "the database's mode was changed back"
    assert db.read_bytes() == before
