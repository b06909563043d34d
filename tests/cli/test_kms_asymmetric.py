"""``kmskit kms`` with asymmetric and HMAC keys, in-process, checked against other tools.

The public key printed by ``get-public-key`` goes, as it is, to ``kmskit offline`` (which reads
the JSON) and, as ``--output pem``, to ``openssl``; Python's ``hmac`` checks MACs over
imported key material; ``cryptography`` reads the PKCS #8 of data key pairs; ``openssl req``
checks CSRs. Whatever kmskit computes is compared with what the other tool computes, never
with a stored value, so the tests hold with fresh random keys.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tests.cli._kms import Kms, b64, openssl, unb64
from tests.cli._runner import assert_one_line_error, kmskit, ok

MESSAGE = b"Pay 100 to Alice\n"
SM2_ID = "distid:1234567812345678"


@pytest.fixture
def kms(tmp_path: Path) -> Kms:
    return Kms(tmp_path / "home")


def _public_key(kms: Kms, key_id: str, work: Path) -> tuple[Path, Path]:
    """get-public-key as the JSON file (for kmskit offline) and as PEM (for openssl)."""
    as_json = work / f"{key_id}.json"
    as_json.write_bytes(ok(kms("get-public-key", "--key-id", key_id)).stdout)
    as_pem = work / f"{key_id}.pem"
    as_pem.write_bytes(ok(kms("get-public-key", "--key-id", key_id, "--output", "pem")).stdout)
    return as_json, as_pem


# -- sign and verify ------------------------------------------------------------------------

_OPENSSL_VERIFY = {
    "RSASSA_PSS_SHA_256": [
        "-digest",
        "sha256",
        "-pkeyopt",
        "rsa_padding_mode:pss",
        "-pkeyopt",
        "rsa_pss_saltlen:digest",
    ],
    "RSASSA_PKCS1_V1_5_SHA_384": ["-digest", "sha384"],
    "ECDSA_SHA_256": ["-digest", "sha256"],
    "SM2DSA": ["-digest", "sm3", "-pkeyopt", SM2_ID],
}


@pytest.mark.interop
@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
        ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384"),
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("SM2", "SM2DSA"),
    ],
)
def test_signatures_verify_offline_and_with_openssl(
    kms: Kms, work: Path, spec: str, algorithm: str
) -> None:
    key_id = kms.key("--key-spec", spec, "--key-usage", "SIGN_VERIFY")
    as_json, as_pem = _public_key(kms, key_id, work)
    (work / "msg").write_bytes(MESSAGE)
    signed = kms.json(
        "sign", "--key-id", key_id, "--message", "fileb://msg", "--signing-algorithm", algorithm
    )
    assert set(signed) == {"KeyId", "Signature", "SigningAlgorithm"}
    assert signed["KeyId"].endswith(key_id) and signed["SigningAlgorithm"] == algorithm
    (work / "sig").write_bytes(unb64(signed["Signature"]))

    verify = ["--key-id", key_id, "--signing-algorithm", algorithm, "--signature", "fileb://sig"]
    valid = kms.json("verify", *verify, "--message", "fileb://msg")
    assert valid == {
        "KeyId": signed["KeyId"],
        "SignatureValid": True,
        "SigningAlgorithm": algorithm,
    }
    offline = ["offline", "verify", "--public-key", as_json, "--signing-algorithm", algorithm]
    offline += ["--signature", "sig"]
    assert ok(kmskit(*offline, "--message", "msg")).out.startswith("Signature is valid")
    pkeyutl = ["pkeyutl", "-verify", "-pubin", "-inkey", as_pem, "-rawin", "-sigfile", "sig"]
    pkeyutl += _OPENSSL_VERIFY[algorithm]
    assert b"Signature Verified Successfully" in openssl(*pkeyutl, "-in", "msg").stdout

    # The same signature over another message fails everywhere: exit 1, KMS's error name.
    (work / "forged").write_bytes(b"Pay 900 to Mallory\n")
    forged = kms("verify", *verify, "--message", "fileb://forged")
    assert_one_line_error(forged, 254, "KMSInvalidSignatureException")
    assert kmskit(*offline, "--message", "forged").code == 1
    assert openssl(*pkeyutl, "-in", "forged", ok=False).returncode != 0


def test_digest_message_type_and_sm2_digest(kms: Kms, work: Path) -> None:
    """A DIGEST signature is the RAW one of the message (ECDSA is randomised, so verify)."""
    key_id = kms.key("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    (work / "digest").write_bytes(hashlib.sha256(MESSAGE).digest())
    (work / "msg").write_bytes(MESSAGE)
    signed = kms.json(
        "sign",
        "--key-id",
        key_id,
        "--message",
        "fileb://digest",
        "--message-type",
        "DIGEST",
        "--signing-algorithm",
        "ECDSA_SHA_256",
    )
    common = ["--key-id", key_id, "--signing-algorithm", "ECDSA_SHA_256"]
    raw = kms.json(
        "verify", *common, "--message", "fileb://msg", "--signature", signed["Signature"]
    )
    assert raw["SignatureValid"] is True
    short = kms("sign", *common, "--message", b64(b"\0" * 31), "--message-type", "DIGEST")
    assert_one_line_error(short, 254, "ValidationException")
    wrong = kms("sign", *common[:2], "--message", b64(MESSAGE), "--signing-algorithm", "SM2DSA")
    assert_one_line_error(wrong, 254, "InvalidKeyUsageException")


# -- get-public-key ---------------------------------------------------------------------------


@pytest.mark.interop
def test_get_public_key_json_and_pem(kms: Kms, work: Path) -> None:
    key_id = kms.key("--key-spec", "SM2", "--key-usage", "ENCRYPT_DECRYPT")
    response = kms.json("get-public-key", "--key-id", key_id)
    assert response["KeySpec"] == "SM2" and response["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert response["EncryptionAlgorithms"] == ["SM2PKE"]
    assert "SigningAlgorithms" not in response
    pem = ok(kms("get-public-key", "--key-id", key_id, "--output", "pem")).out
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    # the PEM holds the JSON's DER, as openssl reads it
    (work / "pub.pem").write_text(pem)
    der = openssl("pkey", "-pubin", "-in", "pub.pem", "-outform", "DER").stdout
    assert der == unb64(response["PublicKey"])
    text = ok(kms("get-public-key", "--key-id", key_id, "--output", "text")).out
    assert "ENCRYPTIONALGORITHMS\tSM2PKE" in text

    query = kms("get-public-key", "--key-id", key_id, "--output", "pem", "--query", "KeyId")
    assert "--output pem" in assert_one_line_error(query, 252, "UsageError")
    symmetric = kms("get-public-key", "--key-id", kms.key(), "--output", "pem")
    assert_one_line_error(symmetric, 254, "UnsupportedOperationException")
    assert_one_line_error(
        kms("get-public-key", "--key-id", key_id, "--output", "yaml"), 252, "UsageError"
    )


# -- asymmetric encryption ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "algorithm"), [("RSA_2048", "RSAES_OAEP_SHA_256"), ("SM2", "SM2PKE")]
)
def test_offline_encrypt_then_kms_decrypt(kms: Kms, work: Path, spec: str, algorithm: str) -> None:
    key_id = kms.key("--key-spec", spec, "--key-usage", "ENCRYPT_DECRYPT")
    as_json, _ = _public_key(kms, key_id, work)
    (work / "secret").write_bytes(b"the launch code is 0000")
    offline = ["offline", "encrypt", "--public-key", as_json, "--encryption-algorithm", algorithm]
    ok(kmskit(*offline, "--plaintext", "secret", "--out", "secret.enc"))

    decrypt = ["--ciphertext-blob", "fileb://secret.enc", "--encryption-algorithm", algorithm]
    opened = kms.json("decrypt", *decrypt, "--key-id", key_id)
    assert unb64(opened["Plaintext"]) == b"the launch code is 0000"
    assert opened["EncryptionAlgorithm"] == algorithm and "KeyMaterialId" not in opened
    # the key is required with an asymmetric algorithm: KMS cannot tell it from the blob
    assert_one_line_error(kms("decrypt", *decrypt), 254, "ValidationException")
    other = kms.key("--key-spec", spec, "--key-usage", "ENCRYPT_DECRYPT")
    assert_one_line_error(
        kms("decrypt", *decrypt, "--key-id", other), 254, "InvalidCiphertextException"
    )

    # and kms encrypt with the same key decrypts too
    sealed = kms.json(
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        b64(b"x" * 100),
        "--encryption-algorithm",
        algorithm,
    )
    assert sealed["EncryptionAlgorithm"] == algorithm
    again = kms.json(
        "decrypt",
        "--ciphertext-blob",
        sealed["CiphertextBlob"],
        "--key-id",
        key_id,
        "--encryption-algorithm",
        algorithm,
    )
    assert unb64(again["Plaintext"]) == b"x" * 100


# -- derive-shared-secret ---------------------------------------------------------------------


@pytest.mark.interop
def test_derive_shared_secret_matches_offline_and_openssl(kms: Kms, work: Path) -> None:
    key_id = kms.key("--key-spec", "ECC_NIST_P256", "--key-usage", "KEY_AGREEMENT")
    as_json, as_pem = _public_key(kms, key_id, work)
    openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "peer.key"
    )
    openssl("pkey", "-in", "peer.key", "-pubout", "-outform", "DER", "-out", "peer.der")

    derive = ["--key-id", key_id, "--key-agreement-algorithm", "ECDH"]
    derived = kms.json("derive-shared-secret", *derive, "--public-key", "fileb://peer.der")
    assert derived["KeyOrigin"] == "AWS_KMS" and derived["KeyAgreementAlgorithm"] == "ECDH"
    secret = unb64(derived["SharedSecret"])
    assert len(secret) == 32
    peer = ["--private-key", "peer.key", "--public-key", as_json, "--out", "offline.bin"]
    ok(kmskit("offline", "derive-shared-secret", *peer))
    openssl("pkeyutl", "-derive", "-inkey", "peer.key", "-peerkey", as_pem, "-out", "openssl.bin")
    assert (work / "offline.bin").read_bytes() == secret == (work / "openssl.bin").read_bytes()

    for refused in (["--dry-run"], ["--recipient", "AttestationDocument=AA=="]):
        result = kms("derive-shared-secret", *derive, "--public-key", "fileb://peer.der", *refused)
        assert refused[0] in assert_one_line_error(result, 254, "UnsupportedOperationException")
    ok(kms("derive-shared-secret", *derive, "--public-key", "fileb://peer.der", "--no-dry-run"))
    bad = kms("derive-shared-secret", *derive, "--public-key", b64(b"not a key"))
    assert_one_line_error(bad, 254, "ValidationException")


# -- MACs -------------------------------------------------------------------------------------


def _import_material(kms: Kms, key_id: str, material: bytes, work: Path) -> None:
    """GetParametersForImport → kmskit offline wrap-key-material → ImportKeyMaterial."""
    params = work / "params.json"
    params.write_bytes(
        ok(
            kms(
                "get-parameters-for-import",
                "--key-id",
                key_id,
                "--wrapping-algorithm",
                "RSAES_OAEP_SHA_256",
                "--wrapping-key-spec",
                "RSA_2048",
            )
        ).stdout
    )
    (work / "material").write_bytes(material)
    wrap = ["--wrapping-key", params, "--wrapping-algorithm", "RSAES_OAEP_SHA_256"]
    ok(
        kmskit(
            "offline",
            "wrap-key-material",
            *wrap,
            "--key-material",
            "material",
            "--out",
            "w",
            "--overwrite",
        )
    )
    token = json.loads(params.read_text())["ImportToken"]
    ok(
        kms(
            "import-key-material",
            "--key-id",
            key_id,
            "--import-token",
            token,
            "--encrypted-key-material",
            "fileb://w",
        )
    )


@pytest.mark.parametrize(
    ("spec", "algorithm", "digest", "length"),
    [
        ("HMAC_224", "HMAC_SHA_224", hashlib.sha224, 28),
        ("HMAC_256", "HMAC_SHA_256", hashlib.sha256, 48),
        ("HMAC_384", "HMAC_SHA_384", hashlib.sha384, 48),
        ("HMAC_512", "HMAC_SHA_512", hashlib.sha512, 128),
    ],
)
def test_generate_mac_is_python_hmac(
    kms: Kms, work: Path, spec: str, algorithm: str, digest: Any, length: int
) -> None:
    material = bytes(range(length))
    key_id = kms.key(
        "--key-spec", spec, "--key-usage", "GENERATE_VERIFY_MAC", "--origin", "EXTERNAL"
    )
    _import_material(kms, key_id, material, work)
    (work / "msg").write_bytes(MESSAGE)
    mac = kms.json(
        "generate-mac", "--key-id", key_id, "--message", "fileb://msg", "--mac-algorithm", algorithm
    )
    assert unb64(mac["Mac"]) == hmac.new(material, MESSAGE, digest).digest()
    assert mac["MacAlgorithm"] == algorithm and mac["KeyId"].endswith(key_id)

    verify = ["--key-id", key_id, "--message", "fileb://msg", "--mac-algorithm", algorithm]
    valid = kms.json("verify-mac", *verify, "--mac", mac["Mac"])
    assert valid == {"KeyId": mac["KeyId"], "MacValid": True, "MacAlgorithm": algorithm}
    wrong = bytearray(unb64(mac["Mac"]))
    wrong[0] ^= 1
    assert_one_line_error(
        kms("verify-mac", *verify, "--mac", b64(bytes(wrong))), 254, "KMSInvalidMacException"
    )


def test_mac_with_a_generated_key_and_usage_errors(kms: Kms) -> None:
    key_id = kms.key("--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
    common = ["--key-id", key_id, "--message", b64(MESSAGE)]
    mac = kms.json("generate-mac", *common, "--mac-algorithm", "HMAC_SHA_256")["Mac"]
    ok(kms("verify-mac", *common, "--mac-algorithm", "HMAC_SHA_256", "--mac", mac))
    other = kms(
        "verify-mac",
        "--key-id",
        key_id,
        "--message",
        b64(b"other"),
        "--mac-algorithm",
        "HMAC_SHA_256",
        "--mac",
        mac,
    )
    assert_one_line_error(other, 254, "KMSInvalidMacException")
    wrong_algorithm = kms("generate-mac", *common, "--mac-algorithm", "HMAC_SHA_512")
    assert_one_line_error(wrong_algorithm, 254, "InvalidKeyUsageException")
    missing = kms("verify-mac", *common, "--mac-algorithm", "HMAC_SHA_256")
    assert "--mac" in assert_one_line_error(missing, 252, "UsageError")
    dry = kms("generate-mac", *common, "--mac-algorithm", "HMAC_SHA_256", "--dry-run")
    assert_one_line_error(dry, 254, "UnsupportedOperationException")


# -- data key pairs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "algorithm"),
    [
        ("ECC_NIST_P256", "ECDSA_SHA_256"),
        ("SM2", "SM2DSA"),
        ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"),
        ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ],
)
def test_data_key_pair_private_key_decrypts_to_a_pkcs8_offline_sign_takes(
    kms: Kms, work: Path, spec: str, algorithm: str
) -> None:
    key_id = kms.key()
    context = ["--encryption-context", "purpose=signing"]
    pair = kms.json("generate-data-key-pair", "--key-id", key_id, "--key-pair-spec", spec, *context)
    assert pair["KeyPairSpec"] == spec and pair["KeyId"].endswith(key_id)
    (work / "blob").write_bytes(unb64(pair["PrivateKeyCiphertextBlob"]))
    opened = kms.json("decrypt", "--ciphertext-blob", "fileb://blob", *context)
    assert opened["Plaintext"] == pair["PrivateKeyPlaintext"]
    pkcs8 = unb64(opened["Plaintext"])
    if spec != "SM2":  # cryptography has no SM2; offline sign below reads it
        serialization.load_der_private_key(pkcs8, password=None)
    (work / "key.der").write_bytes(pkcs8)
    (work / "pub.der").write_bytes(unb64(pair["PublicKey"]))
    (work / "msg").write_bytes(MESSAGE)
    sign = ["offline", "sign", "--signing-algorithm", algorithm, "--message", "msg"]
    ok(kmskit(*sign, "--private-key", "key.der", "--out", "sig"))
    verify = ["offline", "verify", "--public-key", "pub.der", "--signing-algorithm", algorithm]
    ok(kmskit(*verify, "--message", "msg", "--signature", "sig"))

    without = kms.json(
        "generate-data-key-pair-without-plaintext", "--key-id", key_id, "--key-pair-spec", spec
    )
    assert set(without) == {
        "PrivateKeyCiphertextBlob",
        "PublicKey",
        "KeyId",
        "KeyPairSpec",
        "KeyMaterialId",
    }
    assert_one_line_error(
        kms("decrypt", "--ciphertext-blob", "fileb://blob"), 254, "InvalidCiphertextException"
    )


def test_data_key_pair_refusals(kms: Kms) -> None:
    key_id = kms.key()
    common = ["--key-id", key_id, "--key-pair-spec", "ECC_NIST_P256"]
    recipient = kms("generate-data-key-pair", *common, "--recipient", "AttestationDocument=AA==")
    assert_one_line_error(recipient, 254, "UnsupportedOperationException")
    dry = kms("generate-data-key-pair-without-plaintext", *common, "--dry-run")
    assert_one_line_error(dry, 254, "UnsupportedOperationException")
    ml_kem = kms("generate-data-key-pair", "--key-id", key_id, "--key-pair-spec", "ML_KEM_768")
    assert_one_line_error(ml_kem, 254, "ValidationException")
    signing = kms.key("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    wrong = kms("generate-data-key-pair", "--key-id", signing, "--key-pair-spec", "SM2")
    assert_one_line_error(wrong, 254, "InvalidKeyUsageException")


# -- generate-csr ---------------------------------------------------------------------------


def _req_verify(csr: Path, *options: str) -> str:
    """openssl req -verify; its exit code is 0 either way, so return what it printed."""
    proc = openssl("req", "-verify", "-in", csr, "-noout", *options)
    return (proc.stdout + proc.stderr).decode()


@pytest.mark.interop
@pytest.mark.parametrize(
    ("spec", "algorithm", "options"),
    [
        ("RSA_2048", None, []),
        ("RSA_2048", "RSA_PSS_SHA_256", []),
        ("ECC_NIST_P256", "ECDSA_SHA_256", []),
        ("SM2", None, ["-vfyopt", SM2_ID]),
    ],
)
def test_generate_csr_verifies_with_openssl(
    kms: Kms, work: Path, spec: str, algorithm: str | None, options: list[str]
) -> None:
    key_id = kms.key("--key-spec", spec, "--key-usage", "SIGN_VERIFY")
    subject = ["--common-name", "www.example.com", "--organization", "Example", "--country", "CN"]
    chosen = [] if algorithm is None else ["--signing-algorithm", algorithm]
    pem = ok(kms("generate-csr", "--key-id", key_id, *subject, *chosen)).out
    assert pem.startswith("-----BEGIN CERTIFICATE REQUEST-----\n")
    (work / "csr.pem").write_text(pem)
    printed = _req_verify(work / "csr.pem", *options)
    assert "verify OK" in printed and "failure" not in printed, printed
    shown = openssl("req", "-in", "csr.pem", "-noout", "-subject").stdout.decode()
    assert "CN = www.example.com" in shown and "O = Example" in shown and "C = CN" in shown
    # the CSR's key is the key's public key
    of_csr = openssl("req", "-in", "csr.pem", "-noout", "-pubkey").stdout
    _, as_pem = _public_key(kms, key_id, work)
    assert of_csr == openssl("pkey", "-pubin", "-in", as_pem).stdout
    if spec == "SM2":  # without the ID OpenSSL 3.0 checks with an empty one: the check can fail
        assert "verify failure" in _req_verify(work / "csr.pem")


def test_generate_csr_out_file(kms: Kms, work: Path) -> None:
    key_id = kms.key("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    csr = ["generate-csr", "--key-id", key_id, "--common-name", "a.example"]
    assert ok(kms(*csr, "--out", "a.csr")).stdout == b""
    first = (work / "a.csr").read_text()
    assert first.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    again = kms(*csr, "--out", "a.csr")
    assert "--overwrite" in assert_one_line_error(again, 252, "UsageError")
    assert (work / "a.csr").read_text() == first
    ok(kms(*csr, "--out", "a.csr", "--overwrite"))
    assert (work / "a.csr").read_text() != first  # ECDSA signatures are randomised
    assert list(work.glob(".a.csr.*")) == []  # no temporary file left behind

    assert_one_line_error(kms(*csr, "--output", "json"), 252, "UsageError")
    assert_one_line_error(kms(*csr, "--country", "China"), 254, "ValidationException")
    encryption = kms.key("--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
    wrong = kms("generate-csr", "--key-id", encryption, "--common-name", "x", "--out", "b.csr")
    assert_one_line_error(wrong, 254, "InvalidKeyUsageException")
    assert not (work / "b.csr").exists()


# RFC 7468 §2: 64 columns, as openssl and cryptography write it (base64.encodebytes's 76
# was refused by strict parsers).
@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256"])
def test_pem_lines_are_64_columns(kms: Kms, spec: str) -> None:
    key_id = kms.key("--key-spec", spec, "--key-usage", "SIGN_VERIFY")
    pem = ok(kms("get-public-key", "--key-id", key_id, "--output", "pem")).out
    body = pem.splitlines()[1:-1]
    assert all(len(line) == 64 for line in body[:-1]) and 0 < len(body[-1]) <= 64
