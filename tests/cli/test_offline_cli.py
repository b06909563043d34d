"""CLI tests for ``kmskit offline …`` happy paths (issue 2, item 6), non-SM2 key specs.

How commands run: every test calls ``cli.main.main(argv)`` (the function the ``kmskit``
console script wraps in ``sys.exit``) inside click's ``CliRunner.isolation``; see
``tests/cli/_runner.py``. ``CliRunner.invoke`` on the click group would bypass ``main()``,
and ``main()`` is the only place that maps errors to exit codes and one-line messages, which
the misuse tests (``test_offline_misuse.py``, ``test_offline_outputs.py``) check. The
isolation gives separate stdout bytes (raw blobs from ``--out -``) and stderr text, and
feeds stdin for ``-`` arguments. ``test_startup.py`` runs the installed console script as a
subprocess, so the real process exit status is covered too.

Oracles are independent of kmskit's code paths: signatures, ciphertexts and shared secrets
are checked (or produced) with ``cryptography`` directly, and fingerprints are
``hashlib.sha256`` of the SPKI DER that ``cryptography`` serialises (``tests/cli/_keys.py``).
JSON responses are compared whole, so an extra or missing field fails (AWS shapes: Verify →
SignatureValid/SigningAlgorithm, Sign → Signature, Encrypt → CiphertextBlob, Decrypt →
Plaintext, DeriveSharedSecret → SharedSecret; KeyId only when the input names one).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

from tests.cli._keys import (
    ARN,
    MESSAGE,
    OAEP_HASHES,
    OAEP_MAX_2048,
    RSA_SIGNING,
    KeyPair,
    aws_json,
    default_file_mode,
    mode,
    oaep,
    write,
)
from tests.cli._runner import assert_one_line_error, kmskit, ok

# ---------------------------------------------------------------------------------------------
# sign / verify happy paths


def _message_for(algorithm: str, message_type: str) -> bytes:
    if message_type == "EXTERNAL_MU":
        return hashlib.sha512(b"an arbitrary 64-byte mu").digest()
    if message_type == "DIGEST":
        name = {"256": "sha256", "384": "sha384", "512": "sha512"}[algorithm[-3:]]
        return hashlib.new(name, MESSAGE).digest()
    return MESSAGE


SIGN_CASES = [
    ("rsa", "RSASSA_PSS_SHA_256", "RAW"),
    ("rsa", "RSASSA_PKCS1_V1_5_SHA_512", "RAW"),
    ("rsa", "RSASSA_PSS_SHA_384", "DIGEST"),
    ("p256", "ECDSA_SHA_256", "RAW"),
    ("p256", "ECDSA_SHA_256", "DIGEST"),
    ("p384", "ECDSA_SHA_384", "RAW"),
    ("k1", "ECDSA_SHA_256", "RAW"),
    ("ed", "ED25519_SHA_512", "RAW"),
    ("ed", "ED25519_PH_SHA_512", "DIGEST"),
    ("mldsa", "ML_DSA_SHAKE_256", "RAW"),
    ("mldsa", "ML_DSA_SHAKE_256", "EXTERNAL_MU"),
]


@pytest.mark.parametrize(("name", "algorithm", "message_type"), SIGN_CASES)
def test_sign_then_verify_text_and_json(
    keys: dict[str, KeyPair], name: str, algorithm: str, message_type: str
) -> None:
    pair = keys[name]
    msg = write("msg.bin", _message_for(algorithm, message_type))
    common = ["--signing-algorithm", algorithm, "--message", msg, "--message-type", message_type]

    signed = ok(kmskit("offline", "sign", "--private-key", pair.key, *common, "--out", "sig"))
    assert signed.stdout == b""  # with --out and text output, nothing is printed
    assert Path("sig").stat().st_size > 0

    text = ok(kmskit("offline", "verify", "--public-key", pair.pub, *common, "--signature", "sig"))
    assert text.out == f"Signature is valid ({algorithm}).\n"

    as_json = ok(
        kmskit(
            "offline",
            "verify",
            "--public-key",
            pair.pub,
            *common,
            "--signature",
            "sig",
            "--output",
            "json",
        )
    )
    # AWS Verify shape; a bare PEM has no KeyId, so it is omitted rather than null.
    assert as_json.json() == {"SignatureValid": True, "SigningAlgorithm": algorithm}

    if message_type == "DIGEST" and algorithm != "ED25519_PH_SHA_512":
        # KMS semantics: a signature over DIGEST(m) is a signature over RAW m.
        raw = ["--signing-algorithm", algorithm, "--message", write("raw.bin", MESSAGE)]
        ok(kmskit("offline", "verify", "--public-key", pair.pub, *raw, "--signature", "sig"))


def _oracle_verify(pair: KeyPair, algorithm: str, signature: bytes, message: bytes) -> None:
    """Verify with cryptography directly; raises InvalidSignature on failure."""
    public = pair.private.public_key()
    if algorithm == "RSASSA_PSS_SHA_256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)  # KMS: salt = hLen
        public.verify(signature, message, pss, hashes.SHA256())
    elif algorithm == "RSASSA_PKCS1_V1_5_SHA_384":
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA384())
    elif algorithm.startswith("ECDSA"):
        public.verify(signature, message, ec.ECDSA(hashes.SHA256()))  # DER SEQUENCE{r, s}
    elif algorithm == "ED25519_SHA_512":
        public.verify(signature, message)
    else:  # pragma: no cover - a typo in the parametrisation
        raise AssertionError(algorithm)


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [
        ("rsa", "RSASSA_PSS_SHA_256"),
        ("rsa", "RSASSA_PKCS1_V1_5_SHA_384"),
        ("p256", "ECDSA_SHA_256"),
        ("ed", "ED25519_SHA_512"),
    ],
)
def test_sign_output_forms_verify_with_cryptography(
    keys: dict[str, KeyPair], name: str, algorithm: str
) -> None:
    pair = keys[name]
    msg = write("msg.bin", MESSAGE)
    base = ["offline", "sign", "--private-key", pair.key, "--signing-algorithm", algorithm]

    as_json = ok(kmskit(*base, "--message", msg, "--output", "json")).json()
    assert set(as_json) == {"Signature", "SigningAlgorithm"}
    assert as_json["SigningAlgorithm"] == algorithm
    _oracle_verify(pair, algorithm, base64.b64decode(as_json["Signature"], validate=True), MESSAGE)

    text = ok(kmskit(*base, "--message", msg)).out
    assert text.endswith("\n") and text.count("\n") == 1  # one base64 line
    _oracle_verify(pair, algorithm, base64.b64decode(text.strip(), validate=True), MESSAGE)

    raw = ok(kmskit(*base, "--message", msg, "--out", "-")).stdout  # raw bytes on stdout
    _oracle_verify(pair, algorithm, raw, MESSAGE)

    ok(kmskit(*base, "--message", msg, "--out", "sig.bin"))
    _oracle_verify(pair, algorithm, Path("sig.bin").read_bytes(), MESSAGE)
    assert mode(Path("sig.bin")) == default_file_mode()  # a signature is not secret


def test_sign_with_output_json_and_out_file_writes_both(keys: dict[str, KeyPair]) -> None:
    msg = write("msg.bin", MESSAGE)
    doc = ok(
        kmskit(
            "offline",
            "sign",
            "--private-key",
            keys["p256"].key,
            "--signing-algorithm",
            "ECDSA_SHA_256",
            "--message",
            msg,
            "--out",
            "sig.der",
            "--output",
            "json",
        )
    ).json()
    assert base64.b64decode(doc["Signature"]) == Path("sig.der").read_bytes()


def test_verify_accepts_signatures_made_by_cryptography(keys: dict[str, KeyPair]) -> None:
    """verify is checked against an independent signer, not only against kmskit's sign."""
    rsa_key = keys["rsa"].private
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
    cases = [
        (keys["rsa"], "RSASSA_PSS_SHA_512", rsa_key.sign(MESSAGE, pss, hashes.SHA512())),
        (
            keys["rsa"],
            "RSASSA_PKCS1_V1_5_SHA_256",
            rsa_key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256()),
        ),
        (
            keys["p384"],
            "ECDSA_SHA_384",
            keys["p384"].private.sign(MESSAGE, ec.ECDSA(hashes.SHA384())),
        ),
        (keys["ed"], "ED25519_SHA_512", keys["ed"].private.sign(MESSAGE)),
    ]
    msg = write("msg.bin", MESSAGE)
    for pair, algorithm, signature in cases:
        sig = write("sig.bin", signature)
        result = kmskit(
            "offline",
            "verify",
            "--public-key",
            pair.pub,
            "--signing-algorithm",
            algorithm,
            "--message",
            msg,
            "--signature",
            sig,
        )
        assert ok(result).out == f"Signature is valid ({algorithm}).\n"


def test_verify_json_carries_key_id_fromaws_json(keys: dict[str, KeyPair]) -> None:
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    signature = keys["rsa"].private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    result = kmskit(
        "offline",
        "verify",
        "--public-key",
        pub,
        "--signing-algorithm",
        "RSASSA_PKCS1_V1_5_SHA_256",
        "--message",
        write("m", MESSAGE),
        "--signature",
        write("s", signature),
        "--output",
        "json",
    )
    assert ok(result).json() == {
        "KeyId": ARN,
        "SignatureValid": True,
        "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256",
    }


def test_raw_message_of_exactly_4096_bytes_is_accepted(keys: dict[str, KeyPair]) -> None:
    msg = write("msg.bin", b"m" * 4096)
    alg = ["--signing-algorithm", "ECDSA_SHA_256", "--message", msg]
    ok(kmskit("offline", "sign", "--private-key", keys["p256"].key, *alg, "--out", "sig"))
    ok(kmskit("offline", "verify", "--public-key", keys["p256"].pub, *alg, "--signature", "sig"))


# ---------------------------------------------------------------------------------------------
# Blob arguments: path, fileb://path, file://path, - (stdin)


@pytest.mark.parametrize("argument", ["--public-key", "--message", "--signature"])
@pytest.mark.parametrize("form", ["relative", "fileb", "file", "stdin"])
def test_blob_argument_forms(keys: dict[str, KeyPair], argument: str, form: str) -> None:
    signature = keys["p256"].private.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    blobs = {
        "--public-key": keys["p256"].pub.read_bytes(),
        "--message": MESSAGE,
        "--signature": signature,
    }
    paths = {opt: str(write(f"blob{i}", data)) for i, (opt, data) in enumerate(blobs.items())}
    stdin = None
    if form == "relative":
        paths[argument] = Path(paths[argument]).name
    elif form == "fileb":
        paths[argument] = "fileb://" + paths[argument]
    elif form == "file":
        paths[argument] = "file://" + paths[argument]
    else:
        paths[argument], stdin = "-", blobs[argument]
    args = [x for opt, path in paths.items() for x in (opt, path)]
    result = kmskit(
        "offline",
        "verify",
        "--signing-algorithm",
        "ECDSA_SHA_256",
        *args,
        "--output",
        "json",
        stdin=stdin,
    )
    assert ok(result).json()["SignatureValid"] is True


def test_blob_from_stdin_is_really_read(keys: dict[str, KeyPair]) -> None:
    """A tampered message on stdin must fail: proves '-' is not silently ignored."""
    signature = write("sig", keys["p256"].private.sign(MESSAGE, ec.ECDSA(hashes.SHA256())))
    result = kmskit(
        "offline",
        "verify",
        "--public-key",
        keys["p256"].pub,
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--message",
        "-",
        "--signature",
        signature,
        stdin=MESSAGE + b"!",
    )
    assert_one_line_error(result, 1, "KMSInvalidSignatureException")


# ---------------------------------------------------------------------------------------------
# encrypt / decrypt happy paths


@pytest.mark.parametrize("algorithm", sorted(OAEP_HASHES))
def test_encrypt_text_prints_base64_that_cryptography_decrypts(
    keys: dict[str, KeyPair], algorithm: str
) -> None:
    plaintext = b"p" * OAEP_MAX_2048[algorithm]  # exactly the KMS maximum is allowed
    result = ok(
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            keys["rsa"].pub,
            "--encryption-algorithm",
            algorithm,
            "--plaintext",
            write("pt", plaintext),
        )
    )
    assert result.out.count("\n") == 1
    ciphertext = base64.b64decode(result.out.strip(), validate=True)
    assert keys["rsa"].private.decrypt(ciphertext, oaep(algorithm)) == plaintext


def test_encrypt_json_is_aws_shaped(keys: dict[str, KeyPair]) -> None:
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    doc = ok(
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            pub,
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--plaintext",
            write("pt", b"secret"),
            "--output",
            "json",
        )
    ).json()
    assert set(doc) == {"KeyId", "CiphertextBlob", "EncryptionAlgorithm"}
    assert doc["KeyId"] == ARN
    assert doc["EncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    assert len(base64.b64decode(doc["CiphertextBlob"], validate=True)) == 256


@pytest.mark.parametrize("algorithm", sorted(OAEP_HASHES))
def test_encrypt_decrypt_round_trip_through_files(keys: dict[str, KeyPair], algorithm: str) -> None:
    plaintext = b"the launch code is 0000\n"
    enc = kmskit(
        "offline",
        "encrypt",
        "--public-key",
        keys["rsa"].pub,
        "--encryption-algorithm",
        algorithm,
        "--plaintext",
        write("pt", plaintext),
        "--out",
        "ct",
    )
    assert ok(enc).stdout == b""
    assert len(Path("ct").read_bytes()) == 256  # raw, not base64
    dec = kmskit(
        "offline",
        "decrypt",
        "--private-key",
        keys["rsa"].key,
        "--encryption-algorithm",
        algorithm,
        "--ciphertext",
        "fileb://ct",
        "--out",
        "pt.out",
    )
    assert ok(dec).stdout == b""
    assert Path("pt.out").read_bytes() == plaintext
    assert mode(Path("pt.out")) == 0o600  # plaintext is secret


def test_decrypt_output_forms(keys: dict[str, KeyPair]) -> None:
    """Ciphertext made by cryptography; decrypt prints JSON, base64 text, raw bytes to -."""
    plaintext = b"\x00binary\xffplaintext"
    ciphertext = keys["rsa"].private.public_key().encrypt(plaintext, oaep("RSAES_OAEP_SHA_256"))
    base = [
        "offline",
        "decrypt",
        "--private-key",
        keys["rsa"].key,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
    ]
    ct = write("ct", ciphertext)

    doc = ok(kmskit(*base, "--ciphertext", ct, "--output", "json")).json()
    assert doc == {
        "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
        "Plaintext": base64.b64encode(plaintext).decode(),
    }
    assert ok(kmskit(*base, "--ciphertext", ct)).out == base64.b64encode(plaintext).decode() + "\n"
    assert ok(kmskit(*base, "--ciphertext", ct, "--out", "-")).stdout == plaintext
    assert ok(kmskit(*base, "--ciphertext", "-", "--out", "-", stdin=ciphertext)).stdout == (
        plaintext
    )


# ---------------------------------------------------------------------------------------------
# derive-shared-secret


def test_derive_shared_secret_agrees_both_ways_and_with_cryptography(
    keys: dict[str, KeyPair],
) -> None:
    a, b = keys["p256"], keys["p256b"]
    expected = a.private.exchange(ec.ECDH(), b.private.public_key())

    derive = ["offline", "derive-shared-secret"]
    text = ok(kmskit(*derive, "--private-key", a.key, "--public-key", b.pub))
    assert base64.b64decode(text.out.strip(), validate=True) == expected

    doc = ok(
        kmskit(
            "offline",
            "derive-shared-secret",
            "--private-key",
            b.key,
            "--public-key",
            a.pub,
            "--key-agreement-algorithm",
            "ECDH",
            "--output",
            "json",
        )
    ).json()
    assert doc == {
        "KeyAgreementAlgorithm": "ECDH",
        "SharedSecret": base64.b64encode(expected).decode(),
    }

    out = kmskit(
        "offline",
        "derive-shared-secret",
        "--private-key",
        a.key,
        "--public-key",
        b.pub,
        "--out",
        "shared.bin",
    )
    assert ok(out).stdout == b""
    assert Path("shared.bin").read_bytes() == expected
    assert mode(Path("shared.bin")) == 0o600
    raw = kmskit(
        "offline",
        "derive-shared-secret",
        "--private-key",
        a.key,
        "--public-key",
        "-",
        "--out",
        "-",
        stdin=b.pub.read_bytes(),
    )
    assert ok(raw).stdout == expected


def test_derive_with_aws_key_agreement_json(keys: dict[str, KeyPair]) -> None:
    peer = aws_json(keys["p256b"], KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    result = kmskit(
        "offline",
        "derive-shared-secret",
        "--private-key",
        keys["p256"].key,
        "--public-key",
        peer,
        "--out",
        "-",
    )
    assert ok(result).stdout == keys["p256"].private.exchange(
        ec.ECDH(), keys["p256b"].private.public_key()
    )


# ---------------------------------------------------------------------------------------------
# generate-key-pair


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_EDWARDS25519"])
def test_generate_key_pair(spec: str) -> None:
    args = ["offline", "generate-key-pair", "--key-pair-spec", spec]
    text = ok(kmskit(*args, "--private-key-out", "a.key", "--public-key-out", "a.pub"))
    private = serialization.load_pem_private_key(Path("a.key").read_bytes(), password=None)
    public = serialization.load_pem_public_key(Path("a.pub").read_bytes())
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert der == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert text.out == f"{spec} key pair: SHA256:{hashlib.sha256(der).hexdigest()}\n"
    assert mode(Path("a.key")) == 0o600
    assert mode(Path("a.pub")) == default_file_mode()

    doc = ok(
        kmskit(*args, "--private-key-out", "b.key", "--public-key-out", "b.pub", "--output", "json")
    ).json()
    der_b = serialization.load_pem_public_key(Path("b.pub").read_bytes()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert doc == {
        "KeyPairSpec": spec,
        "PublicKey": base64.b64encode(der_b).decode(),
        "Fingerprint": "SHA256:" + hashlib.sha256(der_b).hexdigest(),
    }
    assert der_b != der  # a fresh key each time


# ---------------------------------------------------------------------------------------------
# inspect-key: every input format


def _certificate(subject: KeyPair, issuer: KeyPair) -> x509.Certificate:
    """A certificate for ``subject``'s key signed by ``issuer``: the fingerprint must be the
    subject's, so a loader that picked the wrong key would be caught."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kmskit test")])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(subject.private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(issuer.private, hashes.SHA256())
    )


@dataclass(frozen=True)
class InspectCase:
    pair: str
    spec: str
    usage: str | None  # None: the input does not say
    key_id: str | None = None
    version: str | None = None
    signing: tuple[str, ...] = ()
    encryption: tuple[str, ...] = ()
    agreement: tuple[str, ...] = ()


def _inspect_input(kind: str, keys: dict[str, KeyPair]) -> tuple[bytes, InspectCase]:
    rsa_pair, p256 = keys["rsa"], keys["p256"]
    b64 = base64.b64encode
    if kind == "aws-keyspec":
        doc = {
            "KeyId": ARN,
            "PublicKey": b64(rsa_pair.spki_der).decode(),
            "CustomerMasterKeySpec": "RSA_2048",
            "KeySpec": "RSA_2048",
            "KeyUsage": "SIGN_VERIFY",
            "SigningAlgorithms": RSA_SIGNING,
        }
        return json.dumps(doc, indent=4).encode(), InspectCase(
            "rsa", "RSA_2048", "SIGN_VERIFY", ARN, signing=tuple(RSA_SIGNING)
        )
    if kind == "aws-cmk-spec-only":
        doc = {
            "KeyId": ARN,
            "PublicKey": b64(rsa_pair.spki_der).decode(),
            "CustomerMasterKeySpec": "RSA_2048",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "EncryptionAlgorithms": ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
        }
        return json.dumps(doc).encode(), InspectCase(
            "rsa",
            "RSA_2048",
            "ENCRYPT_DECRYPT",
            ARN,
            encryption=("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"),
        )
    if kind == "aws-key-agreement":
        doc = {
            "KeyId": ARN,
            "PublicKey": b64(p256.spki_der).decode(),
            "KeySpec": "ECC_NIST_P256",
            "KeyUsage": "KEY_AGREEMENT",
            "KeyAgreementAlgorithms": ["ECDH"],
        }
        return json.dumps(doc).encode(), InspectCase(
            "p256", "ECC_NIST_P256", "KEY_AGREEMENT", ARN, agreement=("ECDH",)
        )
    if kind == "alibaba":
        key_id, version = "key-hzz62f1cb66fa42qo****", "2ab1a983-7072-4bbc-a582-584b5bd8****"
        doc = {
            "RequestId": "5979d897-d69f-4fc9-87dd-f3bb73c40b80",
            "KeyId": key_id,
            "KeyVersionId": version,
            "PublicKey": p256.pub.read_text(),
        }
        return json.dumps(doc).encode(), InspectCase(
            "p256",
            "ECC_NIST_P256",
            None,
            key_id,
            version,
            signing=("ECDSA_SHA_256",),
            agreement=("ECDH",),
        )
    if kind == "alibaba-names":  # Alibaba spelling of spec and usage (DESIGN.md, tables)
        doc = {
            "KeyId": "key-1",
            "KeyVersionId": "v-1",
            "PublicKey": keys["k1"].pub.read_text(),
            "KeySpec": "EC_P256K",
            "KeyUsage": "SIGN/VERIFY",
        }
        return json.dumps(doc).encode(), InspectCase(
            "k1", "ECC_SECG_P256K1", "SIGN_VERIFY", "key-1", "v-1", signing=("ECDSA_SHA_256",)
        )
    if kind == "pem":
        return keys["p384"].pub.read_bytes(), InspectCase(
            "p384", "ECC_NIST_P384", None, signing=("ECDSA_SHA_384",), agreement=("ECDH",)
        )
    if kind == "der":
        return keys["ed"].spki_der, InspectCase(
            "ed",
            "ECC_NIST_EDWARDS25519",
            None,
            signing=("ED25519_SHA_512", "ED25519_PH_SHA_512"),
        )
    if kind == "base64-der":
        return base64.encodebytes(keys["k1"].spki_der), InspectCase(
            "k1", "ECC_SECG_P256K1", None, signing=("ECDSA_SHA_256",)
        )
    if kind == "mldsa-pem":
        return keys["mldsa"].pub.read_bytes(), InspectCase(
            "mldsa", "ML_DSA_44", None, signing=("ML_DSA_SHAKE_256",)
        )
    cert = _certificate(subject=rsa_pair, issuer=p256)
    expected = InspectCase(
        "rsa",
        "RSA_2048",
        None,
        signing=tuple(RSA_SIGNING),
        encryption=("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"),
    )
    if kind == "cert-pem":
        return cert.public_bytes(serialization.Encoding.PEM), expected
    assert kind == "cert-der"
    return cert.public_bytes(serialization.Encoding.DER), expected


INSPECT_KINDS = [
    "aws-keyspec",
    "aws-cmk-spec-only",
    "aws-key-agreement",
    "alibaba",
    "alibaba-names",
    "pem",
    "der",
    "base64-der",
    "mldsa-pem",
    "cert-pem",
    "cert-der",
]


@pytest.mark.parametrize("kind", INSPECT_KINDS)
def test_inspect_key_json(keys: dict[str, KeyPair], kind: str) -> None:
    data, case = _inspect_input(kind, keys)
    pair = keys[case.pair]
    doc = ok(kmskit("offline", "inspect-key", write("key.in", data), "--output", "json")).json()
    expected: dict[str, Any] = {
        "KeySpec": case.spec,
        "Fingerprint": pair.fingerprint,
        "PublicKey": base64.b64encode(pair.spki_der).decode(),
    }
    optional = {
        "KeyId": case.key_id,
        "KeyVersionId": case.version,
        "KeyUsage": case.usage,
        "SigningAlgorithms": list(case.signing) or None,
        "EncryptionAlgorithms": list(case.encryption) or None,
        "KeyAgreementAlgorithms": list(case.agreement) or None,
    }
    expected.update({k: v for k, v in optional.items() if v is not None})
    assert doc == expected


def _text_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        assert sep, line
        fields[name] = value.strip()
    return fields


@pytest.mark.parametrize("kind", INSPECT_KINDS)
def test_inspect_key_text(keys: dict[str, KeyPair], kind: str) -> None:
    data, case = _inspect_input(kind, keys)
    fields = _text_fields(ok(kmskit("offline", "inspect-key", write("key.in", data))).out)
    assert fields["KeySpec"] == case.spec
    assert fields["Fingerprint"] == keys[case.pair].fingerprint
    if case.usage is None:
        assert fields["KeyUsage"].startswith("unknown")
    else:
        assert fields["KeyUsage"] == case.usage
    assert fields["SigningAlgorithms"] == (", ".join(case.signing) or "-")
    assert fields["EncryptionAlgorithms"] == (", ".join(case.encryption) or "-")
    assert fields["KeyAgreementAlgorithms"] == (", ".join(case.agreement) or "-")
    assert fields.get("KeyId") == case.key_id
    assert fields.get("KeyVersionId") == case.version


@pytest.mark.parametrize("kind", ["aws-keyspec", "pem", "cert-der"])
def test_inspect_key_json_output_loads_back(keys: dict[str, KeyPair], kind: str) -> None:
    """inspect-key --output json is itself a valid key input, with the same answer."""
    data, _ = _inspect_input(kind, keys)
    first = ok(kmskit("offline", "inspect-key", write("key.in", data), "--output", "json"))
    again = ok(kmskit("offline", "inspect-key", "-", "--output", "json", stdin=first.stdout))
    assert again.json() == first.json()
