"""offline.sm2 against the ``openssl`` CLI (3.x): keys, SM2DSA, SM2PKE and ECDH, both ways.

OpenSSL 3.0 uses an EMPTY distinguishing ID unless told otherwise, so every signing and
verifying command passes ``distid`` explicitly. ``openssl dgst -vfyopt`` does not work in
3.0 (it is read as a file name), so OpenSSL verifies with ``pkeyutl -verify -rawin``.

OpenSSL 3.0 has no key exchange for its SM2 key type (``pkeyutl -derive`` fails with
"operation not supported for this keytype"). ECDH is therefore checked against OpenSSL's
generic EC code on the same curve: the keys are written with explicit ECParameters whose
generator is 2·G, which stops OpenSSL from recognising the named SM2 curve. The shared
x-coordinate of d·P does not depend on the generator, so the result must equal ours.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kmskit.offline import _sm2_curve, _sm2_der, sm2
from kmskit.offline.errors import InvalidCiphertextException, KMSInvalidSignatureException

IDS = [sm2.DEFAULT_ID, b"alice@example.com"]
MESSAGE = b"kmskit <-> openssl SM2 interop\n" * 3


def run(openssl: str, *args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run([openssl, *map(str, args)], capture_output=True, timeout=60, check=False)
    if ok and proc.returncode != 0:
        pytest.fail(f"openssl {' '.join(map(str, args))} failed: {proc.stderr.decode()}")
    return proc


@pytest.fixture(scope="module")
def keydir(tmp_path_factory: pytest.TempPathFactory, openssl_bin: str) -> Path:
    d = tmp_path_factory.mktemp("sm2-openssl")
    run(openssl_bin, "genpkey", "-algorithm", "SM2", "-out", d / "key.pem")
    run(openssl_bin, "pkey", "-in", d / "key.pem", "-pubout", "-out", d / "pub.pem")
    (d / "msg.bin").write_bytes(MESSAGE)
    return d


@pytest.fixture(scope="module")
def key(keydir: Path) -> sm2.SM2PrivateKey:
    return sm2.SM2PrivateKey.from_pem((keydir / "key.pem").read_bytes())


def distid(sm2_id: bytes) -> str:
    return "distid:" + sm2_id.decode()


# --- keys ------------------------------------------------------------------------------


def test_openssl_keys_load(openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey) -> None:
    pub = sm2.SM2PublicKey.from_pem((keydir / "pub.pem").read_bytes())
    assert key.public_key() == pub
    # SEC1, which `openssl ec` writes with the label "SM2 PRIVATE KEY", in PEM and DER
    sec1_pem = run(openssl_bin, "ec", "-in", keydir / "key.pem").stdout
    assert b"PRIVATE KEY-----" in sec1_pem and b"BEGIN PRIVATE KEY" not in sec1_pem
    assert sm2.SM2PrivateKey.from_pem(sec1_pem) == key
    sec1_der = run(openssl_bin, "ec", "-in", keydir / "key.pem", "-outform", "DER").stdout
    assert sm2.SM2PrivateKey.from_der(sec1_der) == key
    pkcs8_der = run(
        openssl_bin, "pkcs8", "-topk8", "-nocrypt", "-in", keydir / "key.pem", "-outform", "DER"
    ).stdout
    assert pkcs8_der[3:6] == b"\x02\x01\x00"  # PrivateKeyInfo version 0, not SEC1
    assert sm2.SM2PrivateKey.from_der(pkcs8_der) == key
    # compressed SubjectPublicKeyInfo
    compressed = run(
        openssl_bin, "ec", "-in", keydir / "key.pem", "-pubout", "-conv_form", "compressed"
    ).stdout
    assert sm2.SM2PublicKey.from_pem(compressed) == pub


def test_our_keys_load_in_openssl(openssl_bin: str, tmp_path: Path) -> None:
    ours = sm2.generate_private_key()
    (tmp_path / "k.pem").write_bytes(ours.pkcs8_pem())
    (tmp_path / "k.der").write_bytes(ours.sec1_der())
    pub_pem = run(openssl_bin, "pkey", "-in", tmp_path / "k.pem", "-pubout").stdout
    assert pub_pem == ours.public_key().spki_pem()
    pkcs8 = run(
        openssl_bin, "pkcs8", "-topk8", "-nocrypt", "-in", tmp_path / "k.pem", "-outform", "DER"
    ).stdout
    assert pkcs8 == ours.pkcs8_der()  # byte-identical to what OpenSSL writes
    sec1 = run(openssl_bin, "ec", "-inform", "DER", "-in", tmp_path / "k.der", "-outform", "DER")
    assert sec1.stdout == ours.sec1_der()
    run(openssl_bin, "pkey", "-in", tmp_path / "k.pem", "-check", "-noout")


# --- signatures ------------------------------------------------------------------------


@pytest.mark.parametrize("sm2_id", IDS, ids=lambda i: i.decode())
@pytest.mark.parametrize("tool", ["pkeyutl", "dgst"])
def test_openssl_signs_we_verify(
    openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey, tmp_path: Path, sm2_id: bytes, tool: str
) -> None:
    sig = tmp_path / "sig.der"
    if tool == "pkeyutl":
        run(
            openssl_bin, "pkeyutl", "-sign", "-rawin", "-digest", "sm3",
            "-inkey", keydir / "key.pem", "-in", keydir / "msg.bin", "-out", sig,
            "-pkeyopt", distid(sm2_id),
        )  # fmt: skip
    else:
        run(
            openssl_bin, "dgst", "-sm3", "-sign", keydir / "key.pem",
            "-sigopt", distid(sm2_id), "-out", sig, keydir / "msg.bin",
        )  # fmt: skip
    signature = sig.read_bytes()
    pub = key.public_key()
    assert sm2.verify(pub, MESSAGE, signature, sm2_id=sm2_id) is True
    assert sm2.verify(pub, sm2.compute_e(pub, MESSAGE, sm2_id), signature, prehashed=True)
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(pub, MESSAGE, signature, sm2_id=b"")  # OpenSSL's own default ID
    with pytest.raises(KMSInvalidSignatureException):
        sm2.verify(pub, MESSAGE + b"!", signature, sm2_id=sm2_id)


def _openssl_verify(
    openssl: str, pub_pem: Path, msg: Path, sig: Path, sm2_id: bytes
) -> subprocess.CompletedProcess[bytes]:
    return run(
        openssl, "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin",
        "-inkey", pub_pem, "-in", msg, "-sigfile", sig, "-pkeyopt", distid(sm2_id), ok=False,
    )  # fmt: skip


@pytest.mark.parametrize("sm2_id", IDS, ids=lambda i: i.decode())
def test_we_sign_openssl_verifies(
    openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey, tmp_path: Path, sm2_id: bytes
) -> None:
    for attempt in range(3):
        sig = tmp_path / f"sig{attempt}.der"
        sig.write_bytes(sm2.sign(key, MESSAGE, sm2_id=sm2_id))
        proc = _openssl_verify(openssl_bin, keydir / "pub.pem", keydir / "msg.bin", sig, sm2_id)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"Signature Verified Successfully" in proc.stdout
    other = b"bob@example.com"
    proc = _openssl_verify(openssl_bin, keydir / "pub.pem", keydir / "msg.bin", sig, other)
    assert proc.returncode != 0


def test_digest_mode_both_ways(
    openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey, tmp_path: Path
) -> None:
    # Without -rawin, pkeyutl signs its 32-byte input as e (KMS MessageType=DIGEST).
    e = sm2.compute_e(key.public_key(), MESSAGE)
    (tmp_path / "e.bin").write_bytes(e)
    theirs = run(
        openssl_bin, "pkeyutl", "-sign", "-inkey", keydir / "key.pem", "-in", tmp_path / "e.bin"
    )
    assert sm2.verify(key.public_key(), e, theirs.stdout, prehashed=True)
    assert sm2.verify(key.public_key(), MESSAGE, theirs.stdout)
    (tmp_path / "ours.der").write_bytes(sm2.sign(key, e, prehashed=True))
    run(
        openssl_bin, "pkeyutl", "-verify", "-pubin", "-inkey", keydir / "pub.pem",
        "-in", tmp_path / "e.bin", "-sigfile", tmp_path / "ours.der",
    )  # fmt: skip


# --- encryption ------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 32, 100, 1024])
def test_we_encrypt_openssl_decrypts(
    openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey, tmp_path: Path, length: int
) -> None:
    plaintext = bytes((i * 7 + 3) % 256 for i in range(length))
    (tmp_path / "ct.der").write_bytes(sm2.encrypt(key.public_key(), plaintext))
    proc = run(
        openssl_bin, "pkeyutl", "-decrypt", "-inkey", keydir / "key.pem", "-in", tmp_path / "ct.der"
    )
    assert proc.stdout == plaintext
    # the raw forms, once converted back to GM/T 0009 DER, decrypt too
    raw = sm2.encrypt(key.public_key(), plaintext, encoding="C1C2C3")
    der = sm2.convert_ciphertext(raw, from_encoding="C1C2C3", to_encoding="DER")
    (tmp_path / "ct2.der").write_bytes(der)
    proc = run(
        openssl_bin,
        "pkeyutl",
        "-decrypt",
        "-inkey",
        keydir / "key.pem",
        "-in",
        tmp_path / "ct2.der",
    )
    assert proc.stdout == plaintext


@pytest.mark.parametrize("length", [1, 32, 100, 1024])
def test_openssl_encrypts_we_decrypt(
    openssl_bin: str, keydir: Path, key: sm2.SM2PrivateKey, tmp_path: Path, length: int
) -> None:
    plaintext = bytes((i * 13 + 1) % 256 for i in range(length))
    (tmp_path / "pt.bin").write_bytes(plaintext)
    proc = run(
        openssl_bin, "pkeyutl", "-encrypt", "-pubin", "-inkey", keydir / "pub.pem",
        "-in", tmp_path / "pt.bin",
    )  # fmt: skip
    ct = proc.stdout
    assert sm2.decrypt(key, ct) == plaintext
    for encoding in ("C1C3C2", "C1C2C3"):
        raw = sm2.convert_ciphertext(ct, from_encoding="DER", to_encoding=encoding)
        assert sm2.decrypt(key, raw, encoding=encoding) == plaintext
    tampered = bytearray(ct)
    tampered[-1] ^= 1
    with pytest.raises(InvalidCiphertextException):
        sm2.decrypt(key, bytes(tampered))


# --- ECDH ------------------------------------------------------------------------------

_t, _u = _sm2_der.tlv, _sm2_der.der_uint


def _explicit_params_with_generator_2g() -> bytes:
    g2 = _sm2_curve.mul_base(2)
    assert g2 is not None
    prime_field = bytes.fromhex("06072a8648ce3d0101")  # 1.2.840.10045.1.1
    curve = _t(0x04, _sm2_curve.A_INT.to_bytes(32, "big")) + _t(
        0x04, _sm2_curve.B_INT.to_bytes(32, "big")
    )
    base = b"\x04" + g2[0].to_bytes(32, "big") + g2[1].to_bytes(32, "big")
    return _t(
        0x30,
        _u(1)
        + _t(0x30, prime_field + _u(_sm2_curve.P_INT))
        + _t(0x30, curve)
        + _t(0x04, base)
        + _u(_sm2_curve.N_INT)
        + _u(1),
    )


def _generic_ec_files(tmp_path: Path, name: str, key: sm2.SM2PrivateKey) -> tuple[Path, Path]:
    params = _explicit_params_with_generator_2g()
    ec_public_key = bytes.fromhex("06072a8648ce3d0201")
    spki = _t(
        0x30, _t(0x30, ec_public_key + params) + _t(0x03, b"\x00" + key.public_key().to_bytes())
    )
    sec1 = _t(0x30, _u(1) + _t(0x04, key.d.to_bytes(32, "big")) + _t(0xA0, params))
    priv, pub = tmp_path / f"{name}.der", tmp_path / f"{name}.pub.der"
    priv.write_bytes(sec1)
    pub.write_bytes(spki)
    return priv, pub


def test_ecdh_both_ways(openssl_bin: str, key: sm2.SM2PrivateKey, tmp_path: Path) -> None:
    peer = sm2.generate_private_key()
    a_priv, a_pub = _generic_ec_files(tmp_path, "a", key)
    b_priv, b_pub = _generic_ec_files(tmp_path, "b", peer)

    def derive(priv: Path, pub: Path) -> bytes:
        return run(
            openssl_bin, "pkeyutl", "-derive", "-keyform", "DER", "-inkey", priv,
            "-peerform", "DER", "-peerkey", pub,
        ).stdout  # fmt: skip

    ours_a = sm2.derive_shared_secret(key, peer.public_key())
    ours_b = sm2.derive_shared_secret(peer, key.public_key())
    assert ours_a == ours_b
    assert derive(a_priv, b_pub) == ours_a
    assert derive(b_priv, a_pub) == ours_a


def test_openssl_sm2_keytype_has_no_derive(openssl_bin: str, keydir: Path) -> None:
    # Documents why test_ecdh_both_ways goes through explicit parameters. If this starts
    # passing on a newer OpenSSL, derive with the SM2 key files directly instead.
    proc = run(
        openssl_bin, "pkeyutl", "-derive", "-inkey", keydir / "key.pem",
        "-peerkey", keydir / "pub.pem", ok=False,
    )  # fmt: skip
    if proc.returncode == 0:
        key = sm2.SM2PrivateKey.from_pem((keydir / "key.pem").read_bytes())
        assert proc.stdout == sm2.derive_shared_secret(key, key.public_key())
