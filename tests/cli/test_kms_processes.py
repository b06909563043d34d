"""Issue 4's "Done when", tried as a new user would: one ``kmskit`` process per step, one home.

Every step is a fresh process of the installed console script with ``KMSKIT_HOME`` set, so
nothing survives between steps but the files in the home. Also here: an ``aws kms`` shell
script that runs unchanged once ``aws kms`` is replaced by ``kmskit kms`` (and, as an oracle,
the very same script under the real AWS CLI against moto's KMS), and killing a loop of
create-key calls.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli._runner import error_message

_DROP = ("KMSKIT_PASSPHRASE", "KMSKIT_DEBUG", "AWS_DEFAULT_OUTPUT", "AWS_PROFILE")


def _script() -> str:
    script = Path(sys.executable).with_name("kmskit")
    if not script.exists():
        pytest.fail("the kmskit console script is not installed (run `make test`)")
    return str(script)


class User:
    """Runs ``kmskit`` as separate processes in ``cwd``, all on the same home."""

    def __init__(self, home: Path, cwd: Path) -> None:
        self.script = _script()
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if k not in _DROP}
        self.env["KMSKIT_HOME"] = str(home)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.script, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ok(self, *args: str) -> str:
        proc = self.run(*args)
        assert (proc.returncode, proc.stderr) == (0, ""), (args, proc.stderr)
        return proc.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args))

    def fails(self, code: int, error: str, *args: str) -> str:
        proc = self.run(*args)
        assert proc.returncode == code, (args, proc.returncode, proc.stderr)
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        error_message(lines[0], error)  # "NAME: ...", or kmskit kms's AWS CLI line
        return lines[0]


@pytest.fixture
def user(tmp_path: Path) -> User:
    (tmp_path / "work").mkdir()
    return User(tmp_path / "home", tmp_path / "work")


def test_done_when_across_processes(user: User, tmp_path: Path) -> None:
    home = tmp_path / "home"
    key_id = user.ok(
        "kms",
        "create-key",
        "--description",
        "backups",
        "--query",
        "KeyMetadata.KeyId",
        "--output",
        "text",
    ).strip()
    user.ok("kms", "create-alias", "--alias-name", "alias/backups", "--target-key-id", key_id)

    data_key = user.json(
        "kms",
        "generate-data-key",
        "--key-id",
        "alias/backups",
        "--key-spec",
        "AES_256",
        "--encryption-context",
        "purpose=backup,owner=ops",
    )
    (user.cwd / "dk.bin").write_bytes(base64.b64decode(data_key["CiphertextBlob"]))
    decrypt = ["kms", "decrypt", "--ciphertext-blob", "fileb://dk.bin"]
    context = ["--encryption-context", '{"owner": "ops", "purpose": "backup"}']
    opened = user.json(*decrypt, *context)
    assert opened["Plaintext"] == data_key["Plaintext"]
    assert opened["KeyId"] == data_key["KeyId"]

    user.fails(
        254,
        "InvalidCiphertextException",
        *decrypt,
        "--encryption-context",
        "purpose=backup,owner=dev",
    )
    user.fails(254, "InvalidCiphertextException", *decrypt)

    user.ok("kms", "disable-key", "--key-id", "alias/backups")
    user.fails(254, "DisabledException", *decrypt, *context)
    schedule = user.json(
        "kms", "schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7"
    )
    assert schedule["KeyState"] == "PendingDeletion"
    user.fails(254, "KMSInvalidStateException", *decrypt, *context)
    user.ok("kms", "cancel-key-deletion", "--key-id", key_id)
    user.fails(254, "DisabledException", *decrypt, *context)
    user.ok("kms", "enable-key", "--key-id", key_id)
    assert user.json(*decrypt, *context)["Plaintext"] == data_key["Plaintext"]

    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    verified = user.ok("audit", "verify")
    assert verified.startswith("Audit log OK: ")
    records = [json.loads(line) for line in user.ok("audit", "list").splitlines()]
    assert "InvalidCiphertextException" in {r["Outcome"] for r in records}
    victim = next(r["Sequence"] for r in records if r["Operation"] == "DisableKey")
    with sqlite3.connect(home / "keystore.db") as db:
        db.execute(
            "UPDATE audit SET record = replace(record, 'DisableKey', 'EnableKey') WHERE seq = ?",
            (victim,),
        )
    db.close()
    line = user.fails(1, "AuditLogError", "audit", "verify")
    assert f"record {victim}:" in line


# -- an aws kms script ------------------------------------------------------------------------

# Written for `aws kms` (v1 or v2: every blob goes in as fileb://), and runnable as it is.
AWS_SCRIPT = r"""
set -euo pipefail
KEY_ID=$(aws kms create-key --description "orders service" \
    --tags TagKey=team,TagValue=orders TagKey=env,TagValue=test \
    --query KeyMetadata.KeyId --output text)
aws kms create-alias --alias-name alias/orders --target-key-id "$KEY_ID"
TARGET=$(aws kms list-aliases --output text \
    --query "Aliases[?AliasName=='alias/orders'].TargetKeyId")
[ "$TARGET" = "$KEY_ID" ] && echo "alias ok"

printf 'card 4111-1111-1111-1111\n' > secret.txt
aws kms encrypt --key-id alias/orders --plaintext fileb://secret.txt \
    --encryption-context order=42,purpose=payment \
    --query CiphertextBlob --output text | base64 -d > secret.enc
aws kms decrypt --ciphertext-blob fileb://secret.enc \
    --encryption-context purpose=payment,order=42 \
    --query Plaintext --output text | base64 -d > secret.out
cmp secret.txt secret.out && echo "roundtrip ok"
if aws kms decrypt --ciphertext-blob fileb://secret.enc \
        --encryption-context order=43,purpose=payment > /dev/null 2> err.txt; then
    echo "decrypted with the wrong context"; exit 1
fi
grep -o InvalidCiphertextException err.txt | head -n 1

read -r DATA_KEY WRAPPED < <(aws kms generate-data-key --key-id alias/orders \
    --key-spec AES_256 --encryption-context '{"bucket": "invoices"}' \
    --query '[Plaintext, CiphertextBlob]' --output text)
echo "$WRAPPED" | base64 -d > datakey.enc
UNWRAPPED=$(aws kms decrypt --ciphertext-blob fileb://datakey.enc \
    --encryption-context bucket=invoices --query Plaintext --output text)
[ "$UNWRAPPED" = "$DATA_KEY" ] && echo "data key ok"
printf '%s' "$DATA_KEY" | base64 -d | wc -c | tr -d ' '
aws kms list-resource-tags --key-id "$KEY_ID" --query 'Tags[?TagKey==`team`].TagValue' --output text
"""
EXPECTED = "alias ok\nroundtrip ok\nInvalidCiphertextException\ndata key ok\n32\norders\n"


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    return subprocess.run(
        [bash, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_aws_kms_script_runs_with_kmskit_kms(user: User) -> None:
    script = AWS_SCRIPT.replace("aws kms", f"{shlex.quote(user.script)} kms")
    proc = _bash(script, user.cwd, user.env)
    assert (proc.returncode, proc.stdout) == (0, EXPECTED), proc.stderr
    assert proc.stderr == ""


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    import logging

    request_log = logging.getLogger("werkzeug")
    was = request_log.disabled
    request_log.disabled = True
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        request_log.disabled = was


@pytest.mark.interop
@pytest.mark.slow
def test_the_same_script_under_the_aws_cli(moto_endpoint: str, tmp_path: Path) -> None:
    """The oracle: the script is a real aws kms script (AWS CLI against moto's KMS)."""
    if shutil.which("aws") is None:
        pytest.skip("the aws CLI is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    proc = _bash(AWS_SCRIPT, tmp_path, env)
    assert (proc.returncode, proc.stdout) == (0, EXPECTED), proc.stderr


# -- a crash in the middle of a loop ------------------------------------------------------------


def test_killing_a_create_key_loop_loses_no_returned_key(user: User) -> None:
    """Every key whose create-key printed its id is in the store after a SIGKILL."""
    loop = (
        f"while true; do {shlex.quote(user.script)} kms create-key"
        " --query KeyMetadata.KeyId --output text >> ids.txt; done"
    )
    bash = shutil.which("bash") or pytest.skip("no bash")
    proc = subprocess.Popen(
        [bash, "-c", loop],
        cwd=user.cwd,
        env=user.env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        ids = user.cwd / "ids.txt"
        while time.monotonic() < deadline:
            if ids.exists() and len(ids.read_text().splitlines()) >= 4:
                break
            time.sleep(0.05)
        time.sleep(0.13)  # land somewhere inside a create-key
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    returned = [line for line in ids.read_text().splitlines() if len(line) == 36]
    assert len(returned) >= 4
    listed = {k["KeyId"] for k in user.json("kms", "list-keys")["Keys"]}
    assert set(returned) <= listed
    assert user.ok("audit", "verify").startswith("Audit log OK: ")
