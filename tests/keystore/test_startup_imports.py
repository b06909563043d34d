"""DescribeKey through the library loads only what it needs.

Every Keystore carries every operation family (keystore/keystore.py), so each family must
load its results, its cryptography and its helpers when one of its operations runs, not
when the Keystore class is built: ``kmskit kms describe-key`` (and every other command that
only reads a row) pays for the import of each of them. A fresh interpreter runs DescribeKey
as both front ends do (the operation table, authorized and audited) and writes
``sys.modules`` out; a module pulled in by any path, direct or indirect, fails the test.
The probe also asserts what it must load (the policy engine, the audit log), so it cannot
pass by doing less. Timings are in bench/bench_startup.py, not here.

The same goes for the standard library and cryptography (issue 10: ``kmskit kms
describe-key`` within 6x ``python -c pass``): ``dataclasses`` (it imports ``inspect``),
``pathlib`` (``urllib.parse``, ``ipaddress``), ``uuid`` (``platform``), ``secrets``,
``hmac`` and ``hashlib`` (OpenSSL's ``_hashlib``, ``random``), ``threading`` and
cryptography's cipher and KDF packages each cost a share of that, and none is needed: both
the library call and the command-line fast path are checked for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kmskit.keystore import open_audit_log, open_keystore
from tests._module_probe import MODULES_AT_EXIT

_PROBE = (
    MODULES_AT_EXIT
    + """
import json
from kmskit.keystore import open_keystore
from kmskit.keystore.api import call, response
from kmskit.keystore.api_table import operation_named
from kmskit.keystore.policy_principals import account_root_arn
with open_keystore(sys.argv[2]) as ks:
    root = account_root_arn(ks.config.account_id, ks.config.partition)
    with ks.as_caller(principal=root):
        result = call(ks, operation_named(sys.argv[3]), json.loads(sys.argv[4]))
        print(json.dumps(response(result), default=str))
"""
)


def _run_probe(
    home: Path, operation: str, request: dict[str, str], tmp_path: Path
) -> tuple[dict[str, object], set[str]]:
    """Run one operation in a fresh interpreter: its response and the modules it loaded."""
    dump = tmp_path / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(dump), str(home), operation, json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), set(dump.read_text().split("\n"))


# What DescribeKey never needs: other operations' results, key parsing and the offline
# cryptography, the blob format and its ciphers, X.509/ASN.1, the atomic-output machinery.
NOT_NEEDED = (
    "kmskit.keystore.results_access_keys",
    "kmskit.keystore.results_asymmetric",
    "kmskit.keystore.results_authorization",
    "kmskit.keystore.results_encryption",
    "kmskit.keystore.results_key_model",
    "kmskit.keystore.results_material",
    "kmskit.keystore.api_asymmetric",  # the other families of the operation table
    "kmskit.keystore.api_authorization",
    "kmskit.keystore.api_material",
    "kmskit.keystore._aead",
    "kmskit.keystore._material_rows",
    "kmskit.keystore._csr_der",
    "kmskit.keystore.blob",
    "kmskit.offline.agreement",
    "kmskit.offline.encryption",
    "kmskit.offline.hashing",
    "kmskit.offline.key_import",
    "kmskit.offline.keys",
    "kmskit.offline.output_file",
    "kmskit.offline.signing",
    "kmskit.offline.sm2",
    "asn1crypto",
    "cryptography.x509",
    "cryptography.hazmat.primitives.asymmetric",
    "cryptography.hazmat.primitives.serialization",
)
# ... nor these, which it once loaded (what replaced each: keystore.home, _keys.key_id_bytes,
# os.urandom, cryptography's hashes and HMAC.verify, offline._record, keystore._pyca_sealing).
SLOW_TO_IMPORT = (
    "dataclasses",
    "inspect",
    "pathlib",
    "urllib",
    "ipaddress",
    "uuid",
    "platform",
    "secrets",
    "random",
    "hmac",
    "hashlib",
    "_hashlib",
    "threading",
    "unicodedata",
    "click",
    "cryptography.hazmat.primitives.ciphers",
    "cryptography.hazmat.primitives.kdf",
)
NOT_NEEDED += SLOW_TO_IMPORT
_PACKAGES = tuple(f"{name}." for name in NOT_NEEDED)
# What it must load: the keystore, the key-policy check and the audit log.
NEEDED = (
    "kmskit.keystore.keystore",
    "kmskit.keystore.results",
    "kmskit.keystore.policy_evaluation",
    "kmskit.keystore.audit",
    "kmskit.keystore.audit_anchor",
)


def test_describe_key_loads_no_other_operation_family(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_keystore(home) as ks:
        key = ks.create_key(description="probe")

    answer, modules = _run_probe(home, "DescribeKey", {"KeyId": key.key_id}, tmp_path)

    assert answer == key.to_response()  # the same KeyMetadata, in the same shape
    assert [m for m in NEEDED if m not in modules] == []
    loaded = sorted(m for m in modules if m in NOT_NEEDED or m.startswith(_PACKAGES))
    assert loaded == [], f"DescribeKey imported {loaded}"
    with open_audit_log(home) as log:  # authorized and audited, as every call is
        last = list(log.records())[-1]
    assert (last.operation, last.outcome) == ("DescribeKey", "Success")
    assert last.authorization is not None and last.authorization[0]["Action"] == "kms:DescribeKey"


def test_probe_sees_the_modules_an_operation_loads(tmp_path: Path) -> None:
    """The same probe running GenerateDataKey does see that family's modules, so the test
    above can fail."""
    home = tmp_path / "home"
    with open_keystore(home) as ks:
        key = ks.create_key()
    request = {"KeyId": key.key_id, "KeySpec": "AES_256"}
    answer, modules = _run_probe(home, "GenerateDataKey", request, tmp_path)
    assert answer["KeyId"] == key.arn
    assert {"kmskit.keystore.results_encryption", "kmskit.keystore.blob"} <= modules


_CLI_PROBE = (
    MODULES_AT_EXIT
    + """
sys.argv = ["kmskit", "kms", "describe-key", "--key-id", sys.argv[3], "--home", sys.argv[2]]
from kmskit.cli.entry import run
run()
"""
)


def test_kmskit_kms_describe_key_loads_nothing_slow(tmp_path: Path) -> None:
    """``kmskit kms describe-key`` as the console script runs it: the click-free fast path
    (kmskit.cli.kms_fast_path), authorized and audited like every call."""
    home = tmp_path / "home"
    with open_keystore(home) as ks:
        key = ks.create_key(description="probe")
    dump = tmp_path / "modules.txt"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AWS_DEFAULT_OUTPUT", "KMSKIT_PRINCIPAL", "AWS_REGION")
    }
    proc = subprocess.run(
        [sys.executable, "-c", _CLI_PROBE, str(dump), str(home), key.key_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    modules = set(dump.read_text().split("\n"))

    assert json.loads(proc.stdout) == key.to_response()
    assert "kmskit.cli.kms_fast_path" in modules
    assert [m for m in NEEDED if m not in modules] == []
    loaded = sorted(m for m in modules if m in NOT_NEEDED or m.startswith(_PACKAGES))
    assert loaded == [], f"kmskit kms describe-key imported {loaded}"
    with open_audit_log(home) as log:
        last = list(log.records())[-1]
    assert (last.operation, last.outcome) == ("DescribeKey", "Success")
    assert last.authorization is not None and last.authorization[0]["Action"] == "kms:DescribeKey"
