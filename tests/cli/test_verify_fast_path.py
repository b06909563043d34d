"""``kmskit offline verify`` answers the same with and without its click-free fast path.

cli/verify_fast_path.py handles plain successful verifications itself and leaves everything
else to the click command. Each case here runs the real ``kmskit`` entry point (fast path
first) and the click command alone (``kmskit.cli.main``) in fresh interpreters and compares
the exit status, stdout and stderr byte for byte. It also checks which path answered:
every case expected to succeed must be taken by the fast path, and every failure must be
left to click, which reports it. Signatures come from peers: ``cryptography`` for the NIST
curves, RSA, Ed25519 and ML-DSA, and the openssl CLI for SM2.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from kmskit.cli.verify_fast_path import try_verify
from tests.cli._keys import KeyPair, make_keys

_CLICK_ONLY = (
    "import sys\nfrom kmskit.cli.main import run\nsys.argv = ['kmskit', *sys.argv[1:]]\nrun()\n"
)
_ENTRY = (
    "import sys\nfrom kmskit.cli.entry import run\nsys.argv = ['kmskit', *sys.argv[1:]]\nrun()\n"
)

MESSAGE = b"release 1.2.3\n"


def _run(code: str, argv: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=cwd, env=env, capture_output=True, timeout=60
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fastpath")
    keys = make_keys(d)
    (d / "msg").write_bytes(MESSAGE)
    (d / "big").write_bytes(b"x" * 5000)
    p256: KeyPair = keys["p256"]
    der = p256.private.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    (d / "p256.sig").write_bytes(der)
    r, s = utils.decode_dss_signature(der)
    (d / "p256.raw").write_bytes(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    (d / "p256.b64").write_text(base64.b64encode(der).decode() + "\n")
    (d / "p256.digest").write_bytes(hashlib.sha256(MESSAGE).digest())
    big = b"y" * 300_000
    (d / "large").write_bytes(big)
    (d / "large.sig").write_bytes(p256.private.sign(big, ec.ECDSA(hashes.SHA256())))
    (d / "rsa.pss").write_bytes(
        keys["rsa"].private.sign(
            MESSAGE,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
    )
    (d / "rsa.pkcs1").write_bytes(
        keys["rsa"].private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA384())
    )
    (d / "ed.sig").write_bytes(keys["ed"].private.sign(MESSAGE))
    (d / "mldsa.sig").write_bytes(keys["mldsa"].private.sign(MESSAGE))
    spki = base64.b64encode(p256.spki_der).decode()
    arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    (d / "p256.json").write_text(
        json.dumps({"KeyId": arn, "PublicKey": spki, "KeyUsage": "SIGN_VERIFY"})
    )
    (d / "p256-enc.json").write_text(
        json.dumps({"KeyId": arn, "PublicKey": spki, "KeyUsage": "KEY_AGREEMENT"})
    )
    openssl = shutil.which("openssl")
    assert openssl is not None, "the SM2 cases need the openssl CLI (apt-get install openssl)"

    def ossl(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True)

    ossl("genpkey", "-algorithm", "SM2", "-out", "sm2.key")
    ossl("pkey", "-in", "sm2.key", "-pubout", "-out", "sm2.pub")
    # OpenSSL 3.0's default SM2 ID is empty; pass GB/T 32918's default explicitly.
    ossl(
        "dgst",
        "-sm3",
        "-sign",
        "sm2.key",
        "-sigopt",
        "distid:1234567812345678",
        "-out",
        "sm2.sig",
        "msg",
    )
    ossl(
        "dgst",
        "-sm3",
        "-sign",
        "sm2.key",
        "-sigopt",
        "distid:alice",
        "-out",
        "sm2-alice.sig",
        "msg",
    )
    return d


def _verify(*args: str) -> list[str]:
    return ["offline", "verify", *args]


def _check(key: str, algorithm: str, message: str, signature: str, *extra: str) -> list[str]:
    """``offline verify`` of ``signature`` over ``message`` with ``key``, then ``extra``."""
    return _verify(
        "--public-key", key, "--signing-algorithm", algorithm,
        "--message", message, "--signature", signature, *extra,
    )  # fmt: skip


_P256 = ("--public-key", "p256.pub", "--signing-algorithm", "ECDSA_SHA_256")
VALID = {
    "der": _verify(*_P256, "--message", "msg", "--signature", "p256.sig"),
    "json": _verify(*_P256, "--message", "msg", "--signature", "p256.sig", "--output", "json"),
    "equals-forms": _verify(
        "--public-key=p256.pub",
        "--signing-algorithm=ECDSA_SHA_256",
        "--message=msg",
        "--signature=p256.sig",
        "--signature-format=der",
        "--output=text",
    ),
    "raw-r-s": _verify(*_P256, "--message", "msg", "--signature", "p256.raw"),
    "raw-declared": _verify(
        *_P256, "--message", "msg", "--signature", "p256.raw", "--signature-format", "raw"
    ),
    "base64-text": _verify(*_P256, "--message", "msg", "--signature", "p256.b64"),
    "digest": _verify(
        *_P256, "--message", "p256.digest", "--message-type", "DIGEST", "--signature", "p256.sig"
    ),
    "digest-of": _verify(*_P256, "--digest-of", "large", "--signature", "large.sig"),
    "fileb-scheme": _verify(*_P256, "--message", "fileb://msg", "--signature", "fileb://p256.sig"),
    "getpublickey-json": _check(
        "p256.json", "ECDSA_SHA_256", "msg", "p256.sig", "--output", "json"
    ),
    "force": _check("p256-enc.json", "ECDSA_SHA_256", "msg", "p256.sig", "--force"),
    "options-in-any-order": _verify(
        "--signature", "p256.sig", "--message", "msg", *_P256[2:], *_P256[:2]
    ),
    "rsa-pss": _check("rsa.pub", "RSASSA_PSS_SHA_256", "msg", "rsa.pss"),
    "rsa-pkcs1": _check("rsa.pub", "RSASSA_PKCS1_V1_5_SHA_384", "msg", "rsa.pkcs1"),
    "ed25519": _check("ed.pub", "ED25519_SHA_512", "msg", "ed.sig"),
    "ml-dsa": _check("mldsa.pub", "ML_DSA_SHAKE_256", "msg", "mldsa.sig"),
    "sm2-default-id": _check("sm2.pub", "SM2DSA", "msg", "sm2.sig"),
    "sm2-named-id": _check("sm2.pub", "SM2DSA", "msg", "sm2-alice.sig", "--sm2-id", "alice"),
    "sm2-hex-id": _check("sm2.pub", "SM2DSA", "msg", "sm2-alice.sig", "--sm2-id-hex", "616c696365"),
}
LEFT_TO_CLICK = {
    "invalid-signature": _verify(*_P256, "--message", "big", "--signature", "p256.sig"),
    "wrong-sm2-id": _check("sm2.pub", "SM2DSA", "msg", "sm2-alice.sig"),
    "missing-file": _verify(*_P256, "--message", "nope", "--signature", "p256.sig"),
    "unknown-algorithm": _check("p256.pub", "ECDSA_SHA_999", "msg", "p256.sig"),
    "lowercase-algorithm": _check("p256.pub", "ecdsa_sha_256", "msg", "p256.sig"),
    "repeated-option": _verify(
        *_P256, "--message", "msg", "--message", "msg", "--signature", "p256.sig"
    ),
    "missing-signature": _verify(*_P256, "--message", "msg"),
    "missing-message": _verify(*_P256, "--signature", "p256.sig"),
    "message-and-digest-of": _verify(
        *_P256, "--message", "msg", "--digest-of", "large", "--signature", "p256.sig"
    ),
    "message-type-with-digest-of": _verify(
        *_P256, "--digest-of", "large", "--message-type", "DIGEST", "--signature", "large.sig"
    ),
    "both-sm2-ids": _check(
        "sm2.pub", "SM2DSA", "msg", "sm2.sig", "--sm2-id", "a", "--sm2-id-hex", "61"
    ),
    "bad-hex-id": _check("sm2.pub", "SM2DSA", "msg", "sm2.sig", "--sm2-id-hex", "zz"),
    "usage-refused": _check("p256-enc.json", "ECDSA_SHA_256", "msg", "p256.sig"),
    "algorithm-for-another-key": _check("p256.pub", "RSASSA_PSS_SHA_256", "msg", "p256.sig"),
    "raw-message-too-long": _verify(*_P256, "--message", "large", "--signature", "large.sig"),
    "help": _verify(*_P256, "--help"),
    "unknown-option": _verify(*_P256, "--message", "msg", "--signature", "p256.sig", "--bogus"),
    "flag-with-value": _verify(*_P256, "--message", "msg", "--signature", "p256.sig", "--force=1"),
    "positional": _verify(*_P256, "--message", "msg", "--signature", "p256.sig", "extra"),
    "option-without-value": _verify(*_P256, "--message", "msg", "--signature"),
    "signature-format-mismatch": _verify(
        *_P256, "--message", "msg", "--signature", "p256.raw", "--signature-format", "der"
    ),
    "not-a-key": _check("msg", "ECDSA_SHA_256", "msg", "p256.sig"),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_valid_signature_is_answered_by_the_fast_path_as_click_would(
    name: str, work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = VALID[name]
    click_only = _run(_CLICK_ONLY, argv, work)
    assert click_only[0] == 0, click_only  # the case really is a valid signature
    assert _run(_ENTRY, argv, work) == click_only
    monkeypatch.chdir(work)
    assert try_verify(argv[2:]) == 0
    assert capsys.readouterr().out.encode() == click_only[1]


@pytest.mark.parametrize("name", sorted(LEFT_TO_CLICK))
def test_anything_else_is_left_to_click_and_reported_as_before(
    name: str, work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = LEFT_TO_CLICK[name]
    click_only = _run(_CLICK_ONLY, argv, work)
    # Forms click accepts but the fast path does not take (a repeated option: click keeps
    # the last) succeed through click; every other case here is a failure.
    assert (click_only[0] == 0) == (name in ("help", "repeated-option")), click_only
    assert _run(_ENTRY, argv, work) == click_only
    monkeypatch.chdir(work)
    assert try_verify(argv[2:]) is None
    assert capsys.readouterr() == ("", "")  # it wrote nothing before stepping aside


def test_a_successful_verify_imports_neither_click_nor_dataclasses(work: Path) -> None:
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write(' '.join(sorted(sys.modules))))\n" + _ENTRY
    )
    code, out, err = _run(probe, VALID["der"], work)
    assert (code, out) == (0, b"Signature is valid (ECDSA_SHA_256).\n")
    modules = set(err.decode().split())
    assert "kmskit.cli.verify_fast_path" in modules  # the probe saw the run
    heavy = {"click", "dataclasses", "inspect", "cryptography.hazmat.primitives.serialization"}
    assert heavy & modules == set()
