"""Issue 3's acceptance, through the ``kmskit offline`` commands themselves.

SM2 keys made by ``openssl`` verify and decrypt through kmskit; kmskit's SM2 signatures and
ciphertexts are accepted by ``openssl`` and by ``gmssl`` (after ``convert-signature`` /
``convert-ciphertext``). Both with the default ID and with a custom ID (openssl only: gmssl
cannot take another ID). The commands run in-process through ``cli.main.main``, which is the
console script's code path, including its exit-code mapping.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gmssl import sm2 as gm_sm2

from kmskit.cli.main import main

IDS = ["1234567812345678", "alice@example.com"]
MESSAGE = b"an SM2 message signed on one side and checked on the other\n"


def openssl(binary: str, *args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run([binary, *map(str, args)], capture_output=True, timeout=60, check=False)
    if ok and proc.returncode != 0:
        pytest.fail(f"openssl {' '.join(map(str, args))}: {proc.stderr.decode()}")
    return proc


def kmskit(*args: str | Path) -> int:
    return main([str(a) for a in args])


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory, openssl_bin: str) -> Path:
    d = tmp_path_factory.mktemp("sm2-cli")
    openssl(openssl_bin, "genpkey", "-algorithm", "SM2", "-out", d / "key.pem")
    openssl(openssl_bin, "pkey", "-in", d / "key.pem", "-pubout", "-out", d / "pub.pem")
    (d / "msg.bin").write_bytes(MESSAGE)
    return d


@pytest.mark.parametrize("sm2_id", IDS)
def test_openssl_signs_kmskit_verifies(
    keys: Path, tmp_path: Path, openssl_bin: str, sm2_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sig = tmp_path / "sig.der"
    openssl(
        openssl_bin,
        "pkeyutl",
        "-sign",
        "-rawin",
        "-digest",
        "sm3",
        "-inkey",
        keys / "key.pem",
        "-pkeyopt",
        f"distid:{sm2_id}",
        "-in",
        keys / "msg.bin",
        "-out",
        sig,
    )
    common = [
        "offline",
        "verify",
        "--public-key",
        keys / "pub.pem",
        "--signing-algorithm",
        "SM2DSA",
        "--signature",
        sig,
        "--output",
        "json",
    ]
    assert kmskit(*common, "--message", keys / "msg.bin", "--sm2-id", sm2_id) == 0
    assert json.loads(capsys.readouterr().out)["SignatureValid"] is True
    (tmp_path / "other.bin").write_bytes(MESSAGE + b"!")
    assert kmskit(*common, "--message", tmp_path / "other.bin", "--sm2-id", sm2_id) == 1
    wrong_id = "someone-else" if sm2_id != "someone-else" else "x"
    assert kmskit(*common, "--message", keys / "msg.bin", "--sm2-id", wrong_id) == 1
    assert "KMSInvalidSignatureException" in capsys.readouterr().err


@pytest.mark.parametrize("sm2_id", IDS)
def test_kmskit_signs_openssl_verifies(
    keys: Path, tmp_path: Path, openssl_bin: str, sm2_id: str
) -> None:
    sig = tmp_path / "sig.der"
    assert (
        kmskit(
            "offline",
            "sign",
            "--private-key",
            keys / "key.pem",
            "--signing-algorithm",
            "SM2DSA",
            "--message",
            keys / "msg.bin",
            "--sm2-id",
            sm2_id,
            "--out",
            sig,
        )
        == 0
    )
    verify = [
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pubin",
        "-inkey",
        keys / "pub.pem",
        "-sigfile",
        sig,
        "-pkeyopt",
        f"distid:{sm2_id}",
    ]
    assert (
        b"Signature Verified Successfully"
        in openssl(openssl_bin, *verify, "-in", keys / "msg.bin").stdout
    )
    (tmp_path / "other.bin").write_bytes(MESSAGE + b"!")
    assert openssl(openssl_bin, *verify, "-in", tmp_path / "other.bin", ok=False).returncode != 0


def test_sm2_digest_matches_openssl_signing_of_the_message(
    keys: Path, tmp_path: Path, openssl_bin: str
) -> None:
    """e from `kmskit offline sm2-digest` signs (DIGEST) to a signature openssl accepts over M."""
    e = tmp_path / "e.bin"
    sig = tmp_path / "sig.der"
    assert (
        kmskit(
            "offline",
            "sm2-digest",
            "--public-key",
            keys / "pub.pem",
            "--message",
            keys / "msg.bin",
            "--out",
            e,
        )
        == 0
    )
    assert (
        kmskit(
            "offline",
            "sign",
            "--private-key",
            keys / "key.pem",
            "--signing-algorithm",
            "SM2DSA",
            "--message-type",
            "DIGEST",
            "--message",
            e,
            "--out",
            sig,
        )
        == 0
    )
    out = openssl(
        openssl_bin,
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pubin",
        "-inkey",
        keys / "pub.pem",
        "-sigfile",
        sig,
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        keys / "msg.bin",
    ).stdout
    assert b"Signature Verified Successfully" in out


def test_openssl_encrypts_kmskit_decrypts_and_back(
    keys: Path, tmp_path: Path, openssl_bin: str
) -> None:
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"k" * 1024)  # the SM2PKE maximum
    ct = tmp_path / "ct.der"
    openssl(
        openssl_bin,
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        keys / "pub.pem",
        "-in",
        plain,
        "-out",
        ct,
    )
    back = tmp_path / "back.bin"
    assert (
        kmskit(
            "offline",
            "decrypt",
            "--private-key",
            keys / "key.pem",
            "--encryption-algorithm",
            "SM2PKE",
            "--ciphertext",
            ct,
            "--out",
            back,
        )
        == 0
    )
    assert back.read_bytes() == plain.read_bytes()

    ours = tmp_path / "ours.der"
    assert (
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            keys / "pub.pem",
            "--encryption-algorithm",
            "SM2PKE",
            "--plaintext",
            plain,
            "--out",
            ours,
        )
        == 0
    )
    theirs = openssl(
        openssl_bin, "pkeyutl", "-decrypt", "-inkey", keys / "key.pem", "-in", ours
    ).stdout
    assert theirs == plain.read_bytes()


def test_plaintext_over_the_sm2pke_limit_is_refused(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"k" * 1025)
    assert (
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            keys / "pub.pem",
            "--encryption-algorithm",
            "SM2PKE",
            "--plaintext",
            plain,
        )
        == 2
    )
    assert capsys.readouterr().err.startswith(
        "ValidationException: SM2PKE with SM2 takes 1 to 1024"
    )


def _gmssl_peer(keys: Path) -> gm_sm2.CryptSM2:
    from kmskit.offline import sm2

    priv = sm2.SM2PrivateKey.from_pem((keys / "key.pem").read_bytes())
    public_hex = priv.public_key().to_bytes()[1:].hex()
    return gm_sm2.CryptSM2(private_key=f"{priv.d:064x}", public_key=public_hex, mode=1)


def test_gmssl_accepts_converted_signature_and_ciphertext(keys: Path, tmp_path: Path) -> None:
    from kmskit.offline import sm2

    if (
        sm2.SM2PrivateKey.from_pem((keys / "key.pem").read_bytes()).public_key().to_bytes()[1:3]
        == b"\x04"
    ):
        pytest.skip("gmssl mangles public keys whose hex starts with 04 (its lstrip bug)")
    peer = _gmssl_peer(keys)
    sig, raw = tmp_path / "sig.der", tmp_path / "sig.raw"
    assert (
        kmskit(
            "offline",
            "sign",
            "--private-key",
            keys / "key.pem",
            "--signing-algorithm",
            "SM2DSA",
            "--message",
            keys / "msg.bin",
            "--out",
            sig,
        )
        == 0
    )
    assert (
        kmskit(
            "offline",
            "convert-signature",
            "--signature",
            sig,
            "--from",
            "DER",
            "--to",
            "RAW",
            "--out",
            raw,
        )
        == 0
    )
    assert peer.verify_with_sm3(raw.read_bytes().hex(), MESSAGE)

    plain = tmp_path / "p.bin"
    plain.write_bytes(b"to gmssl and back")
    ct, c1c3c2 = tmp_path / "ct.der", tmp_path / "ct.raw"
    assert (
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            keys / "pub.pem",
            "--encryption-algorithm",
            "SM2PKE",
            "--plaintext",
            plain,
            "--out",
            ct,
        )
        == 0
    )
    assert (
        kmskit(
            "offline",
            "convert-ciphertext",
            "--ciphertext",
            ct,
            "--from",
            "DER",
            "--to",
            "C1C3C2",
            "--no-prefix",
            "--out",
            c1c3c2,
        )
        == 0
    )
    assert peer.decrypt(c1c3c2.read_bytes()) == plain.read_bytes()

    # and the other way: gmssl's C1C3C2 (no 04) decrypts through kmskit after conversion
    theirs = tmp_path / "theirs.raw"
    theirs.write_bytes(peer.encrypt(b"from gmssl"))
    as_der, out = tmp_path / "theirs.der", tmp_path / "theirs.txt"
    assert (
        kmskit(
            "offline",
            "convert-ciphertext",
            "--ciphertext",
            theirs,
            "--from",
            "C1C3C2",
            "--to",
            "DER",
            "--out",
            as_der,
        )
        == 0
    )
    assert (
        kmskit(
            "offline",
            "decrypt",
            "--private-key",
            keys / "key.pem",
            "--encryption-algorithm",
            "SM2PKE",
            "--ciphertext",
            as_der,
            "--out",
            out,
        )
        == 0
    )
    assert out.read_bytes() == b"from gmssl"


def test_sm2_keys_load_from_every_kms_format(
    keys: Path, tmp_path: Path, openssl_bin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """AWS JSON (KeySpec SM2), Alibaba JSON, PEM, DER, base64 and an SM2 certificate."""
    import base64

    der = openssl(openssl_bin, "pkey", "-pubin", "-in", keys / "pub.pem", "-outform", "DER").stdout
    cert = tmp_path / "cert.pem"
    openssl(
        openssl_bin,
        "req",
        "-new",
        "-x509",
        "-key",
        keys / "key.pem",
        "-subj",
        "/CN=sm2",
        "-sm3",
        "-sigopt",
        "distid:1234567812345678",
        "-days",
        "1",
        "-out",
        cert,
    )
    forms = {
        "aws.json": json.dumps(
            {
                "KeyId": "arn:aws-cn:kms:cn-north-1:111122223333:key/k",
                "PublicKey": base64.b64encode(der).decode(),
                "KeySpec": "SM2",
                "KeyUsage": "SIGN_VERIFY",
                "SigningAlgorithms": ["SM2DSA"],
            }
        ),
        "alibaba.json": json.dumps(
            {"KeyId": "key-1", "KeyVersionId": "v1", "PublicKey": (keys / "pub.pem").read_text()}
        ),
        "alibaba-spec.json": json.dumps(
            {
                "PublicKey": base64.b64encode(der).decode(),
                "KeySpec": "EC_SM2",
                "KeyUsage": "ENCRYPT/DECRYPT",
            }
        ),
        "pub.der": der,
        "pub.b64": base64.b64encode(der).decode(),
        "cert.pem": cert.read_bytes(),
    }
    import hashlib

    expected = f"SHA256:{hashlib.sha256(der).hexdigest()}"
    for name, content in forms.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        assert kmskit("offline", "inspect-key", path, "--output", "json") == 0, name
        doc = json.loads(capsys.readouterr().out)
        assert doc["KeySpec"] == "SM2" and doc["Fingerprint"] == expected, name
    assert kmskit("offline", "inspect-key", tmp_path / "alibaba-spec.json", "--output", "json") == 0
    assert json.loads(capsys.readouterr().out)["KeyUsage"] == "ENCRYPT_DECRYPT"
