"""``kmskit offline verify``/``sign``: --batch, --digest-of, signature formats, convert-signature.

Signatures come from ``cryptography`` and the openssl CLI. The 10,000-item batch and the
2 GiB file run ``kmskit`` as a real process (its own workers, its own memory).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from tests.cli._keys import MESSAGE, USAGE, KeyPair
from tests.cli._runner import assert_one_line_error, kmskit, ok

KMSKIT = str(Path(sys.executable).parent / "kmskit")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _p256_sign(pair: KeyPair, message: bytes) -> bytes:
    return bytes(pair.private.sign(message, ec.ECDSA(hashes.SHA256())))


def _item(pair: KeyPair, i: int, message: bytes, signature: bytes) -> str:
    doc = {
        "id": f"item-{i}",
        "messageBase64": _b64(message),
        "signatureBase64": _b64(signature),
        "publicKey": str(pair.pub),
        "signingAlgorithm": "ECDSA_SHA_256",
    }
    return json.dumps(doc) + "\n"


@pytest.mark.slow
def test_ten_thousand_items_report_exactly_the_bad_ones(
    keys: dict[str, KeyPair], work: Path
) -> None:
    pair = keys["p256"]
    bad = {0, 17, 4242, 9998}
    with open("items.jsonl", "w") as fh:
        for i in range(10_000):
            message = os.urandom(32)
            signature = _p256_sign(pair, message)
            if i in bad:
                signature = _p256_sign(pair, b"something else")
            fh.write(_item(pair, i, message, signature))
    proc = subprocess.run(
        [KMSKIT, "offline", "verify", "--batch", "items.jsonl", "--jobs", "2"],
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["index"] for r in results] == list(range(1, 10_001))
    assert {r["id"] for r in results if r["result"] != "valid"} == {f"item-{i}" for i in bad}
    assert proc.stderr.decode() == "10000 items: 9996 valid, 4 invalid\n"


def test_exit_codes_and_stdin(keys: dict[str, KeyPair]) -> None:
    pair = keys["p256"]
    good = _item(pair, 1, MESSAGE, _p256_sign(pair, MESSAGE))
    bad = _item(pair, 2, b"other", _p256_sign(pair, MESSAGE))
    result = kmskit("offline", "verify", "--batch", "-", stdin=good.encode())
    assert result.code == 0 and result.stderr == "1 items: 1 valid\n"
    assert json.loads(result.out) == {"index": 1, "id": "item-1", "result": "valid"}
    result = kmskit("offline", "verify", "--batch", "-", stdin=(good + bad).encode())
    assert result.code == 1 and result.stderr == "2 items: 1 valid, 1 invalid\n"
    result = kmskit("offline", "verify", "--batch", "-", stdin=(good + bad + "{}\n").encode())
    assert result.code == 2 and result.stderr == "3 items: 1 valid, 1 invalid, 1 error\n"
    assert json.loads(result.out.splitlines()[2])["reason"] == "publicKey is required"


def test_per_item_flags_are_refused_beside_batch(keys: dict[str, KeyPair]) -> None:
    result = kmskit("offline", "verify", "--batch", "-", "--public-key", keys["p256"].pub)
    assert "--public-key cannot be combined with --batch" in assert_one_line_error(result, 2, USAGE)
    result = kmskit("offline", "sign", "--batch", "-", "--out", "x")
    assert "--out cannot be combined with --batch" in assert_one_line_error(result, 2, USAGE)
    result = kmskit("offline", "verify", "--signing-algorithm", "ECDSA_SHA_256")
    assert "--public-key" in assert_one_line_error(result, 2, USAGE)


def test_sign_batch_output_feeds_verify_batch(keys: dict[str, KeyPair]) -> None:
    pair = keys["p256"]
    Path("m").write_bytes(MESSAGE)
    items = [
        {"id": i, "privateKey": str(pair.key), "signingAlgorithm": "ECDSA_SHA_256", "message": "m"}
        for i in range(3)
    ]
    signed = kmskit(
        "offline",
        "sign",
        "--batch",
        "-",
        stdin="".join(json.dumps(i) + "\n" for i in items).encode(),
    )
    assert signed.code == 0 and signed.stderr == "3 items: 3 signed\n"
    checks = []
    for line in signed.out.splitlines():
        doc = json.loads(line)
        sig = base64.b64decode(doc["signatureBase64"])
        pair.private.public_key().verify(sig, MESSAGE, ec.ECDSA(hashes.SHA256()))
        checks.append(
            {
                "id": doc["id"],
                "publicKey": str(pair.pub),
                "signingAlgorithm": "ECDSA_SHA_256",
                "message": "m",
                "signatureBase64": doc["signatureBase64"],
            }
        )
    stdin = "".join(json.dumps(c) + "\n" for c in checks).encode()
    assert kmskit("offline", "verify", "--batch", "-", stdin=stdin).code == 0


# --- --digest-of


def _openssl(*args: str | Path) -> bytes:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, check=True, timeout=600
    ).stdout


def _verify(pair: KeyPair, algorithm: str, *args: str | Path) -> list[str | Path]:
    return ["offline", "verify", "--public-key", pair.pub, "--signing-algorithm", algorithm, *args]


def test_digest_of_verifies_and_signs(keys: dict[str, KeyPair]) -> None:
    pair = keys["p256"]
    Path("big").write_bytes(os.urandom(100_000))
    Path("big.sig").write_bytes(_openssl("dgst", "-sha256", "-sign", pair.key, "big"))
    ok(kmskit(*_verify(pair, "ECDSA_SHA_256", "--digest-of", "big", "--signature", "big.sig")))
    ok(
        kmskit(
            "offline",
            "sign",
            "--private-key",
            pair.key,
            "--signing-algorithm",
            "ECDSA_SHA_256",
            "--digest-of",
            "big",
            "--out",
            "ours.sig",
        )
    )
    _openssl("dgst", "-sha256", "-verify", pair.pub, "-signature", "ours.sig", "big")

    result = kmskit(*_verify(pair, "ECDSA_SHA_256", "--message", "big", "--signature", "big.sig"))
    assert "--digest-of FILE" in assert_one_line_error(result, 2, "ValidationException")
    result = kmskit(
        *_verify(
            pair,
            "ECDSA_SHA_256",
            "--digest-of",
            "big",
            "--message-type",
            "DIGEST",
            "--signature",
            "big.sig",
        )
    )
    assert "drop --message-type" in assert_one_line_error(result, 2, USAGE)
    result = kmskit(
        *_verify(
            pair,
            "ECDSA_SHA_256",
            "--digest-of",
            "big",
            "--message",
            "big",
            "--signature",
            "big.sig",
        )
    )
    assert "exactly one of --message and --digest-of" in assert_one_line_error(result, 2, USAGE)


@pytest.mark.slow
def test_a_2_gib_file_verifies_in_constant_memory(keys: dict[str, KeyPair], work: Path) -> None:
    """2 GiB (sparse, with data at both ends and in the middle) signed by openssl over its
    SHA-256, verified by one kmskit process whose peak RSS stays far below the file size."""
    pair = keys["p256"]
    size = 2 << 30
    with open("huge", "wb") as fh:
        for offset in (0, size // 2, size - 4096):
            fh.seek(offset)
            fh.write(os.urandom(4096))
    assert os.path.getsize("huge") == size
    Path("huge.sig").write_bytes(_openssl("dgst", "-sha256", "-sign", pair.key, "huge"))
    args = [
        str(a)
        for a in _verify(pair, "ECDSA_SHA_256", "--digest-of", "huge", "--signature", "huge.sig")
    ]
    # The peak RSS is read inside the child from /proc/self/status (VmHWM belongs to the
    # process's own address space): ru_maxrss would also count the forked pytest image.
    probe = (
        "import sys\n"
        "from kmskit.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "sys.stderr.write('PEAK ' + hwm.split()[1] + '\\n')\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"Signature is valid (ECDSA_SHA_256).\n"
    peak_kib = int(proc.stderr.decode().split("PEAK ")[1])
    assert peak_kib < 100 * 1024  # under 100 MiB for a 2 GiB input
    with open("huge", "r+b") as fh:  # one flipped byte in the middle: invalid
        fh.seek(size // 2 + 100)
        byte = fh.read(1)
        fh.seek(size // 2 + 100)
        fh.write(bytes([byte[0] ^ 1]))
    assert subprocess.run([KMSKIT, *args], capture_output=True, check=False).returncode == 1


# --- signature formats


def test_signature_forms_on_the_command_line(keys: dict[str, KeyPair]) -> None:
    pair = keys["p256"]
    Path("m").write_bytes(MESSAGE)
    der = _p256_sign(pair, MESSAGE)
    r, s = utils.decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    forms = {
        "der": der,
        "raw": raw,
        "aws-text": base64.b64encode(der) + b"\n",  # aws kms sign --query Signature --output text
        "hex": raw.hex().encode() + b"\n",
    }
    for name, data in forms.items():
        Path(name).write_bytes(data)
        ok(kmskit(*_verify(pair, "ECDSA_SHA_256", "--message", "m", "--signature", name)))
    ok(
        kmskit(
            *_verify(
                pair,
                "ECDSA_SHA_256",
                "--message",
                "m",
                "--signature",
                "raw",
                "--signature-format",
                "raw",
            )
        )
    )
    result = kmskit(
        *_verify(
            pair,
            "ECDSA_SHA_256",
            "--message",
            "m",
            "--signature",
            "raw",
            "--signature-format",
            "der",
        )
    )
    assert "raw r‖s" in assert_one_line_error(result, 1, "KMSInvalidSignatureException")
    Path("p384.b64").write_bytes(base64.b64encode(os.urandom(96)))
    result = kmskit(*_verify(pair, "ECDSA_SHA_256", "--message", "m", "--signature", "p384.b64"))
    message = assert_one_line_error(result, 1, "KMSInvalidSignatureException")
    assert "looks like base64 of a 96-byte value" in message and "ECC_NIST_P384" in message


@pytest.mark.parametrize(
    ("curve", "digest", "spec", "half"),
    [
        ("P-384", "sha384", "ECC_NIST_P384", 48),
        ("P-521", "sha512", "ECC_NIST_P521", 66),
        ("secp256k1", "sha256", "ECC_SECG_P256K1", 32),
    ],
)
def test_convert_signature_for_every_curve(curve: str, digest: str, spec: str, half: int) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out", "k")
    Path("m").write_bytes(MESSAGE)
    Path("sig.der").write_bytes(_openssl("dgst", f"-{digest}", "-sign", "k", "m"))
    ok(
        kmskit(
            "offline",
            "convert-signature",
            "--key-spec",
            spec,
            "--from",
            "DER",
            "--to",
            "RAW",
            "--signature",
            "sig.der",
            "--out",
            "sig.raw",
        )
    )
    r, s = utils.decode_dss_signature(Path("sig.der").read_bytes())
    assert Path("sig.raw").read_bytes() == r.to_bytes(half, "big") + s.to_bytes(half, "big")
    ok(
        kmskit(
            "offline",
            "convert-signature",
            "--key-spec",
            spec,
            "--from",
            "RAW",
            "--to",
            "DER",
            "--signature",
            "sig.raw",
            "--out",
            "back.der",
        )
    )
    _openssl("pkey", "-in", "k", "-pubout", "-out", "pub")
    _openssl("dgst", f"-{digest}", "-verify", "pub", "-signature", "back.der", "m")
    result = kmskit(
        "offline",
        "convert-signature",
        "--key-spec",
        spec,
        "--from",
        "DER",
        "--to",
        "RAW",
        "--signature",
        "m",
    )
    assert f"for {spec}" in assert_one_line_error(result, 2, "SignatureFormatError")
