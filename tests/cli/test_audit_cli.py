"""``kmskit init`` and ``kmskit audit list|verify``, plus passphrase prompting on a terminal.

The prompt tests run kmskit under a pseudo-terminal (``pty.fork``), so the hidden prompt
reads from a real terminal exactly as it would for a user.
"""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.cli._runner import assert_one_line_error, kmskit, ok

_CLEAN = {"KMSKIT_PASSPHRASE": None, "KMSKIT_HOME": None, "AWS_DEFAULT_OUTPUT": None}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


# -- init -----------------------------------------------------------------------------------


def test_init_settings_appear_in_arns(home: Path) -> None:
    result = ok(
        kmskit(
            "init",
            "--home",
            home,
            "--partition",
            "aws-cn",
            "--region",
            "cn-north-1",
            "--account-id",
            "123456789012",
            "--naming",
            "alibaba",
            env=_CLEAN,
        )
    )
    assert f"Created keystore {home}" in result.out
    assert "arn:aws-cn:kms:cn-north-1:123456789012:key/<key-id>" in result.out
    assert "key file" in result.out
    created = ok(kmskit("kms", "create-key", "--home", home, env=_CLEAN)).json()
    arn = created["KeyMetadata"]["Arn"]
    assert arn.startswith("arn:aws-cn:kms:cn-north-1:123456789012:key/")
    assert created["KeyMetadata"]["AWSAccountId"] == "123456789012"


def test_init_files_are_private(home: Path) -> None:
    ok(kmskit("init", "--home", home, env=_CLEAN))
    ok(kmskit("kms", "create-key", "--home", home, env=_CLEAN))
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    files = sorted(p.name for p in home.iterdir())
    assert {"keystore.db", "master.key"} <= set(files)
    for path in home.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_init_twice_and_bad_settings(home: Path) -> None:
    ok(kmskit("init", "--home", home, env=_CLEAN))
    again = kmskit("init", "--home", home, env=_CLEAN)
    assert "already" in assert_one_line_error(again, 1, "KeystoreError")
    bad = kmskit("init", "--home", home.parent / "other", "--region", "Not A Region", env=_CLEAN)
    assert_one_line_error(bad, 2, "ValidationException")
    naming = kmskit("init", "--home", home.parent / "third", "--naming", "gcp", env=_CLEAN)
    assert_one_line_error(naming, 2, "UsageError")


def test_init_with_passphrase_from_the_environment(home: Path) -> None:
    env = {**_CLEAN, "KMSKIT_PASSPHRASE": "correct horse battery"}
    result = ok(kmskit("init", "--home", home, env=env))
    assert "passphrase (scrypt)" in result.out
    assert not (home / "master.key").exists()
    key_id = ok(kmskit("kms", "create-key", "--home", home, env=env)).json()["KeyMetadata"]["KeyId"]
    again = ok(kmskit("kms", "describe-key", "--key-id", key_id, "--home", home, env=env))
    assert again.json()["KeyMetadata"]["KeyId"] == key_id


def test_audit_needs_no_passphrase(home: Path) -> None:
    """An auditor verifies the log without the power to decrypt anything."""
    ok(kmskit("init", "--home", home, env={**_CLEAN, "KMSKIT_PASSPHRASE": "pass phrase"}))
    with_pass = {**_CLEAN, "KMSKIT_PASSPHRASE": "pass phrase"}
    ok(kmskit("kms", "create-key", "--home", home, env=with_pass))
    locked = kmskit("kms", "list-keys", "--home", home, env=_CLEAN)
    assert_one_line_error(locked, 253, "PassphraseRequiredError")
    assert "Audit log OK" in ok(kmskit("audit", "verify", "--home", home, env=_CLEAN)).out
    assert '"Operation":"CreateKey"' in ok(kmskit("audit", "list", "--home", home, env=_CLEAN)).out


def test_init_passphrase_flag_needs_a_terminal(home: Path) -> None:
    result = kmskit("init", "--home", home, "--passphrase", env=_CLEAN)
    assert "KMSKIT_PASSPHRASE" in assert_one_line_error(result, 2, "PassphraseRequiredError")
    assert not (home / "keystore.db").exists()


# -- audit ----------------------------------------------------------------------------------


def _populate(home: Path) -> str:
    key_id: str = ok(kmskit("kms", "create-key", "--home", home, env=_CLEAN)).json()["KeyMetadata"][
        "KeyId"
    ]
    ok(
        kmskit(
            "kms",
            "encrypt",
            "--home",
            home,
            "--key-id",
            key_id,
            "--plaintext",
            "AQID",
            "--encryption-context",
            "app=audit",
            env=_CLEAN,
        )
    )
    failed = kmskit("kms", "decrypt", "--home", home, "--ciphertext-blob", "AAAA", env=_CLEAN)
    assert failed.code == 254  # the AWS CLI's service error
    return key_id


def test_audit_list_json_lines(home: Path) -> None:
    key_id = _populate(home)
    result = ok(kmskit("audit", "list", "--home", home, env=_CLEAN))
    records = [json.loads(line) for line in result.out.splitlines()]
    operations = [r["Operation"] for r in records]
    assert operations[-3:] == ["CreateKey", "Encrypt", "Decrypt"]
    assert [r["Sequence"] for r in records] == list(range(1, len(records) + 1))
    encrypt = records[-2]
    assert encrypt["KeyArn"].endswith(key_id) and encrypt["EncryptionContext"] == {"app": "audit"}
    assert records[-1]["Outcome"] == "InvalidCiphertextException"
    assert "AQID" not in result.out  # never the plaintext


def test_audit_list_text_and_group_home(home: Path) -> None:
    _populate(home)
    result = ok(kmskit("audit", "--home", home, "list", "--output", "text", env=_CLEAN))
    last = result.out.splitlines()[-1].split("\t")
    assert last[2:5] == ["Decrypt", "-", "InvalidCiphertextException"]
    encrypt = result.out.splitlines()[-2].split("\t")
    assert json.loads(encrypt[5]) == {"app": "audit"}


def test_audit_on_a_missing_home_creates_nothing(home: Path) -> None:
    result = kmskit("audit", "verify", "--home", home, env=_CLEAN)
    assert "kmskit init" in assert_one_line_error(result, 1, "KeystoreError")
    assert not (home / "keystore.db").exists()


def test_audit_verify_detects_an_edited_record(home: Path) -> None:
    _populate(home)
    good = ok(kmskit("audit", "verify", "--home", home, env=_CLEAN))
    assert good.out.startswith("Audit log OK: ") and "head hash " in good.out
    count = int(good.out.split()[3])
    with sqlite3.connect(home / "keystore.db") as db:
        (record,) = db.execute("SELECT record FROM audit WHERE seq = 2").fetchone()
        edited = record.replace('"Outcome":"Success"', '"Outcome":"AccessDenied"')
        assert edited != record
        db.execute("UPDATE audit SET record = ? WHERE seq = 2", (edited,))
    db.close()
    bad = kmskit("audit", "verify", "--home", home, env=_CLEAN)
    message = assert_one_line_error(bad, 1, "AuditLogError")
    assert "record 2" in message
    assert count >= 4


def test_audit_verify_detects_a_deleted_record(home: Path) -> None:
    _populate(home)
    with sqlite3.connect(home / "keystore.db") as db:
        db.execute("DELETE FROM audit WHERE seq = 3")
    db.close()
    bad = kmskit("audit", "verify", "--home", home, env=_CLEAN)
    assert "record 4" in assert_one_line_error(bad, 1, "AuditLogError")


# -- prompting on a terminal ------------------------------------------------------------------


def _kmskit_script() -> str:
    script = Path(sys.executable).with_name("kmskit")
    if not script.exists():
        pytest.fail("the kmskit console script is not installed (run `make test`)")
    return str(script)


def run_on_terminal(
    argv: list[str], env: dict[str, str], answers: list[tuple[str, str]]
) -> tuple[int, str]:
    """Run argv with a pseudo-terminal as its controlling terminal; answer each prompt.

    ``answers`` is a list of (text to wait for, line to type). Returns (exit code, output).
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec, never return
        try:
            os.execve(argv[0], argv, env)  # noqa: S606 - our own argv, no shell
        finally:
            os._exit(127)
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if pending and pending[0][0].encode() in output.split(b"\x00")[-1]:
                _, line = pending.pop(0)
                output += b"\x00"  # a marker: later prompts are searched after it
                os.write(fd, line.encode() + b"\n")
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.replace(b"\x00", b"").decode(errors="replace")


def _terminal_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KMSKIT_PASSPHRASE", "KMSKIT_DEBUG")}
    env["KMSKIT_HOME"] = str(home)
    return env


def test_passphrase_is_asked_twice_at_init_and_once_at_open(home: Path) -> None:
    script = _kmskit_script()
    env = _terminal_env(home)
    code, output = run_on_terminal(
        [script, "init", "--passphrase"],
        env,
        [("New passphrase", "tr0ub4dor&3"), ("Repeat it", "tr0ub4dor&3")],
    )
    assert code == 0, output
    assert "tr0ub4dor" not in output  # hidden input
    assert "passphrase (scrypt)" in output

    code, output = run_on_terminal(
        [script, "kms", "create-key", "--query", "KeyMetadata.KeyState", "--output", "text"],
        env,
        [("Passphrase for", "tr0ub4dor&3")],
    )
    assert code == 0, output
    assert output.rstrip().endswith("Enabled")

    code, output = run_on_terminal([script, "kms", "list-keys"], env, [("Passphrase for", "wrong")])
    assert code == 255 and "IncorrectPassphraseError" in output
