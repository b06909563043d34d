"""Crash safety: a process creating keys in a loop is killed with SIGKILL; every key whose
create returned is still there and the store opens cleanly (docs/keystore.md#home)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kmskit.keystore import open_keystore

_CHILD = """
import sys
from kmskit.keystore import open_keystore

ks = open_keystore(sys.argv[1])
while True:
    key = ks.create_key(tags={"loop": "crash"})
    ks.create_alias("alias/k-" + key.key_id, key.key_id)
    print(key.key_id, flush=True)
"""

ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(home: Path, after: int) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 30
    while len(printed) < after and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        printed.append(line.decode().strip())
    child.send_signal(signal.SIGKILL)
    rest, err = child.communicate(timeout=30)
    printed += rest.decode().split()  # printed before the kill landed
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert len(printed) >= after, err.decode()
    return printed


def test_killed_during_create_key_loop_loses_nothing_that_returned(home: Path) -> None:
    printed: list[str] = []
    for after in (5, 40, 120):
        printed += _run_and_kill(home, after)
        conn = sqlite3.connect(home / "keystore.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
        with open_keystore(home) as ks:
            listed: set[str] = set()
            marker = None
            while True:
                page = ks.list_keys(limit=1000, marker=marker)
                listed |= {k.key_id for k in page.keys}
                if page.next_marker is None:
                    break
                marker = page.next_marker
            assert set(printed) <= listed
            # no half-written key: every listed key is whole and usable
            for key_id in listed:
                blob = ks.encrypt(key_id, b"still here").ciphertext_blob
                assert bytes(ks.decrypt(blob).plaintext) == b"still here"
            assert ks.audit.verify().ok
