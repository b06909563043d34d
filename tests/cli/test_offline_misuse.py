"""``kmskit offline`` misuse (issue 2, item 5): one clear line, the right exit code.

Every case goes through ``cli.main.main`` (see ``tests/cli/_runner.py``) and is checked with
``assert_one_line_error``: exactly one line on stderr starting with the KMS error name (or
kmskit's format-error name, or ``UsageError`` for what click rejects), no traceback, nothing
on stdout, and exit 1 when the operation ran and said no (invalid signature, ciphertext that
does not decrypt) or 2 for usage and input errors.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.cli._keys import (
    MESSAGE,
    OAEP_MAX_2048,
    USAGE,
    KeyPair,
    aws_json,
    expand,
    oaep,
    write,
)
from tests.cli._runner import assert_one_line_error, kmskit, ok

# ---------------------------------------------------------------------------------------------
# Misuse: one line, the KMS error name first, the right exit code (issue 2, item 5)


def _verify_args(pair: KeyPair, algorithm: str, message: bytes, signature: bytes) -> list[Any]:
    return [
        "offline",
        "verify",
        "--public-key",
        pair.pub,
        "--signing-algorithm",
        algorithm,
        "--message",
        write("msg", message),
        "--signature",
        write("sig", signature),
    ]


def test_invalid_signature_exits_1(keys: dict[str, KeyPair]) -> None:
    p256 = keys["p256"]
    good = p256.private.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    tampered = kmskit(*_verify_args(p256, "ECDSA_SHA_256", MESSAGE + b"0", good))
    message = assert_one_line_error(tampered, 1, "KMSInvalidSignatureException")
    assert message  # says something after the name

    other_key = kmskit(*_verify_args(keys["p256b"], "ECDSA_SHA_256", MESSAGE, good))
    assert_one_line_error(other_key, 1, "KMSInvalidSignatureException")

    # The same valid signature still verifies: the failures above are about the inputs.
    ok(kmskit(*_verify_args(p256, "ECDSA_SHA_256", MESSAGE, good)))


@pytest.mark.parametrize(
    ("name", "algorithm", "signature"),
    [
        ("p256", "ECDSA_SHA_256", b"\x30\x03junk"),  # malformed DER
        ("p256", "ECDSA_SHA_256", b""),
        ("rsa", "RSASSA_PSS_SHA_256", b"\x00" * 100),  # wrong length
        ("rsa", "RSASSA_PKCS1_V1_5_SHA_256", b"\x01" * 256),
        ("ed", "ED25519_SHA_512", b"\x00" * 64),
        ("mldsa", "ML_DSA_SHAKE_256", b"\x00" * 10),
    ],
)
def test_malformed_signature_is_an_invalid_signature(
    keys: dict[str, KeyPair], name: str, algorithm: str, signature: bytes
) -> None:
    """KMS Verify answers KMSInvalidSignatureException for garbage signatures too."""
    result = kmskit(*_verify_args(keys[name], algorithm, MESSAGE, signature))
    assert_one_line_error(result, 1, "KMSInvalidSignatureException")


def test_encrypt_with_sign_verify_key_is_refused_and_force_overrides(
    keys: dict[str, KeyPair],
) -> None:
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    args = [
        "offline",
        "encrypt",
        "--public-key",
        pub,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--plaintext",
        write("pt", b"secret"),
    ]
    message = assert_one_line_error(kmskit(*args), 2, "InvalidKeyUsageException")
    assert "SIGN_VERIFY" in message

    forced = ok(kmskit(*args, "--force", "--output", "json")).json()
    ciphertext = base64.b64decode(forced["CiphertextBlob"])
    assert keys["rsa"].private.decrypt(ciphertext, oaep("RSAES_OAEP_SHA_256")) == b"secret"


def test_force_does_not_override_algorithm_or_size_checks(keys: dict[str, KeyPair]) -> None:
    """Issue 2 item 5: --force overrides only the usage refusal."""
    wrong_algorithm = kmskit(
        "offline",
        "encrypt",
        "--public-key",
        keys["p256"].pub,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--plaintext",
        write("pt", b"x"),
        "--force",
    )
    assert_one_line_error(wrong_algorithm, 2, "InvalidKeyUsageException")
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    too_long = kmskit(
        "offline",
        "encrypt",
        "--public-key",
        pub,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--plaintext",
        write("big", b"x" * 191),
        "--force",
    )
    assert_one_line_error(too_long, 2, "ValidationException")


def test_force_and_overwrite_grant_separate_things(keys: dict[str, KeyPair]) -> None:
    """Replacing an output must never also lift the usage refusal, and the reverse."""
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    existing = write("existing.bin", b"keep me")
    args = [
        "offline",
        "encrypt",
        "--public-key",
        pub,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--plaintext",
        write("pt", b"x"),
        "--out",
        existing,
    ]
    assert_one_line_error(kmskit(*args, "--overwrite"), 2, "InvalidKeyUsageException")
    assert_one_line_error(kmskit(*args, "--force"), 2, "UsageError")
    assert Path(existing).read_bytes() == b"keep me"
    ok(kmskit(*args, "--force", "--overwrite"))
    assert Path(existing).read_bytes() != b"keep me"


def test_verify_with_encrypt_decrypt_key_is_refused_and_force_overrides(
    keys: dict[str, KeyPair],
) -> None:
    pub = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    signature = keys["rsa"].private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    args = [
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
    ]
    assert_one_line_error(kmskit(*args), 2, "InvalidKeyUsageException")
    ok(kmskit(*args, "--force"))


def test_derive_with_sign_verify_peer_is_refused_and_force_overrides(
    keys: dict[str, KeyPair],
) -> None:
    peer = aws_json(keys["p256b"], KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    args = ["offline", "derive-shared-secret", "--private-key", keys["p256"].key]
    args += ["--public-key", peer]
    assert_one_line_error(kmskit(*args), 2, "InvalidKeyUsageException")
    ok(kmskit(*args, "--force"))


def _message_args(msg: bytes) -> list[Any]:
    return ["--message", write("msg", msg)]


S, V = ["offline", "sign"], ["offline", "verify"]
SIG, MSG = ["--signature", "{sig}"], ["--message", "{msg}"]
WRONG_ALGORITHM = [
    pytest.param(
        [*S, "--private-key", "{rsa.key}", "--signing-algorithm", "ECDSA_SHA_256", *MSG],
        id="sign-rsa-ecdsa",
    ),
    pytest.param(
        [*S, "--private-key", "{p256.key}", "--signing-algorithm", "ECDSA_SHA_384", *MSG],
        id="sign-p256-sha384",
    ),
    pytest.param(
        [*V, "--public-key", "{p384.pub}", "--signing-algorithm", "ECDSA_SHA_256", *MSG, *SIG],
        id="verify-p384-sha256",
    ),
    pytest.param(
        [*V, "--public-key", "{ed.pub}", "--signing-algorithm", "RSASSA_PSS_SHA_256", *MSG, *SIG],
        id="verify-ed25519-pss",
    ),
    pytest.param(
        [*S, "--private-key", "{mldsa.key}", "--signing-algorithm", "ED25519_SHA_512", *MSG],
        id="sign-mldsa-ed25519",
    ),
    pytest.param(
        [
            "offline",
            "encrypt",
            "--public-key",
            "{p256.pub}",
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_1",
            "--plaintext",
            "{msg}",
        ],
        id="encrypt-p256-oaep",
    ),
    pytest.param(
        [
            "offline",
            "encrypt",
            "--public-key",
            "{rsa.pub}",
            "--encryption-algorithm",
            "SYMMETRIC_DEFAULT",
            "--plaintext",
            "{msg}",
        ],
        id="encrypt-rsa-symmetric",
    ),
    pytest.param(
        [
            "offline",
            "decrypt",
            "--private-key",
            "{ed.key}",
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--ciphertext",
            "{msg}",
        ],
        id="decrypt-ed25519-oaep",
    ),
    pytest.param(
        [
            "offline",
            "derive-shared-secret",
            "--private-key",
            "{rsa.key}",
            "--public-key",
            "{rsa.pub}",
        ],
        id="derive-rsa",
    ),
    pytest.param(
        [
            "offline",
            "derive-shared-secret",
            "--private-key",
            "{k1.key}",
            "--public-key",
            "{k1.pub}",
        ],
        id="derive-secp256k1",  # KMS: secp256k1 is SIGN_VERIFY only
    ),
]


@pytest.mark.parametrize("template", WRONG_ALGORITHM)
def test_algorithm_not_valid_for_spec_exits_2(
    keys: dict[str, KeyPair], template: list[str]
) -> None:
    result = kmskit(*expand(template, keys))
    message = assert_one_line_error(result, 2, "InvalidKeyUsageException")
    assert "not valid for key spec" in message


@pytest.mark.parametrize("verb", ["sign", "verify"])
def test_raw_message_over_4096_bytes_exits_2(keys: dict[str, KeyPair], verb: str) -> None:
    pair = keys["p256"]
    key = ["--private-key", pair.key] if verb == "sign" else ["--public-key", pair.pub]
    extra = [] if verb == "sign" else ["--signature", write("sig", b"\x30\x00")]
    result = kmskit(
        "offline",
        verb,
        *key,
        "--signing-algorithm",
        "ECDSA_SHA_256",
        *_message_args(b"m" * 4097),
        *extra,
    )
    message = assert_one_line_error(result, 2, "ValidationException")
    assert "4096" in message


@pytest.mark.parametrize(
    ("name", "algorithm", "message_type", "length"),
    [
        ("rsa", "RSASSA_PSS_SHA_256", "DIGEST", 31),
        ("rsa", "RSASSA_PKCS1_V1_5_SHA_512", "DIGEST", 48),
        ("p256", "ECDSA_SHA_256", "DIGEST", 33),
        ("p384", "ECDSA_SHA_384", "DIGEST", 32),
        ("ed", "ED25519_PH_SHA_512", "DIGEST", 32),
        ("mldsa", "ML_DSA_SHAKE_256", "EXTERNAL_MU", 63),
        ("ed", "ED25519_SHA_512", "DIGEST", 64),  # ED25519_SHA_512 takes RAW only
        ("ed", "ED25519_PH_SHA_512", "RAW", 64),  # ED25519_PH_SHA_512 takes DIGEST only
        ("rsa", "RSASSA_PSS_SHA_256", "EXTERNAL_MU", 64),  # EXTERNAL_MU is ML-DSA only
    ],
)
@pytest.mark.parametrize("verb", ["sign", "verify"])
def test_wrong_digest_length_or_message_type_exits_2(
    keys: dict[str, KeyPair], verb: str, name: str, algorithm: str, message_type: str, length: int
) -> None:
    pair = keys[name]
    key = ["--private-key", pair.key] if verb == "sign" else ["--public-key", pair.pub]
    extra = [] if verb == "sign" else ["--signature", write("sig", b"\x00" * 64)]
    result = kmskit(
        "offline",
        verb,
        *key,
        "--signing-algorithm",
        algorithm,
        "--message-type",
        message_type,
        *_message_args(b"d" * length),
        *extra,
    )
    assert_one_line_error(result, 2, "ValidationException")


@pytest.mark.parametrize(
    ("algorithm", "length"),
    [("RSAES_OAEP_SHA_256", 191), ("RSAES_OAEP_SHA_1", 215), ("RSAES_OAEP_SHA_256", 0)],
)
def test_plaintext_outside_oaep_limits_exits_2(
    keys: dict[str, KeyPair], algorithm: str, length: int
) -> None:
    result = kmskit(
        "offline",
        "encrypt",
        "--public-key",
        keys["rsa"].pub,
        "--encryption-algorithm",
        algorithm,
        "--plaintext",
        write("pt", b"p" * length),
        "--out",
        "ct",
    )
    message = assert_one_line_error(result, 2, "ValidationException")
    assert str(OAEP_MAX_2048[algorithm]) in message
    assert not Path("ct").exists()


@pytest.mark.parametrize("argument", ["--public-key", "--message", "--signature"])
@pytest.mark.parametrize("problem", ["missing", "directory", "missing-fileb"])
def test_unreadable_file_exits_2(keys: dict[str, KeyPair], argument: str, problem: str) -> None:
    paths: dict[str, str] = {
        "--public-key": str(keys["p256"].pub),
        "--message": str(write("m", MESSAGE)),
        "--signature": str(write("s", b"\x30\x00")),
    }
    Path("adir").mkdir()
    bad = {"missing": "no-such-file", "directory": "adir", "missing-fileb": "fileb://nope"}
    paths[argument] = bad[problem]
    args = [x for opt, path in paths.items() for x in (opt, path)]
    result = kmskit("offline", "verify", "--signing-algorithm", "ECDSA_SHA_256", *args)
    message = assert_one_line_error(result, 2, USAGE)
    assert argument in message and bad[problem].removeprefix("fileb://") in message


def _garbage_public_keys(keys: dict[str, KeyPair]) -> dict[str, tuple[bytes, str]]:
    rsa_1024 = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    p256_b64 = base64.b64encode(keys["p256"].spki_der).decode()
    return {
        "text": (b"hello, I am not a key\n", "KeyFormatError"),
        "empty": (b"", "KeyFormatError"),
        "binary": (b"\xff\xfe\x00garbage", "KeyFormatError"),
        "truncated-der": (keys["p256"].spki_der[:40], "KeyFormatError"),
        "truncated-pem": (keys["p256"].pub.read_bytes()[:60], "KeyFormatError"),
        "private-key": (keys["p256"].key.read_bytes(), "KeyFormatError"),
        "json-no-publickey": (b'{"KeyId": "k"}', "KeyFormatError"),
        "json-broken": (b'{"PublicKey": ', "KeyFormatError"),
        "json-spec-mismatch": (
            json.dumps({"PublicKey": p256_b64, "KeySpec": "ECC_NIST_P384"}).encode(),
            "KeyFormatError",
        ),
        "json-bad-usage": (
            json.dumps({"PublicKey": p256_b64, "KeyUsage": "ENCRYPT_DECRYPT"}).encode(),
            "KeyFormatError",
        ),
        "rsa-1024": (
            rsa_1024.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "UnsupportedKeySpec",
        ),
    }


GARBAGE_KINDS = [
    "text",
    "empty",
    "binary",
    "truncated-der",
    "truncated-pem",
    "private-key",
    "json-no-publickey",
    "json-broken",
    "json-spec-mismatch",
    "json-bad-usage",
    "rsa-1024",
]


@pytest.mark.parametrize("kind", GARBAGE_KINDS)
@pytest.mark.parametrize("verb", ["inspect-key", "verify", "encrypt"])
def test_garbage_public_key_exits_2(keys: dict[str, KeyPair], verb: str, kind: str) -> None:
    data, name = _garbage_public_keys(keys)[kind]
    key = write("key.in", data)
    if verb == "inspect-key":
        args: list[Any] = ["inspect-key", key]
    elif verb == "verify":
        args = [
            "verify",
            "--public-key",
            key,
            "--signing-algorithm",
            "ECDSA_SHA_256",
            "--message",
            write("m", MESSAGE),
            "--signature",
            write("s", b"\x30\x00"),
        ]
    else:
        args = [
            "encrypt",
            "--public-key",
            key,
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--plaintext",
            write("m", MESSAGE),
            "--out",
            "ct",
        ]
    assert_one_line_error(kmskit("offline", *args), 2, name)
    assert not Path("ct").exists()


@pytest.mark.parametrize(
    "data",
    [b"not a key", b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", b"0\0"],
    ids=["text", "empty", "public-pem", "bad-der"],
)
@pytest.mark.parametrize("verb", ["sign", "decrypt", "derive-shared-secret"])
def test_garbage_private_key_exits_2(keys: dict[str, KeyPair], verb: str, data: bytes) -> None:
    key = write("key.in", data)
    if verb == "sign":
        args: list[Any] = [
            "--signing-algorithm",
            "ECDSA_SHA_256",
            "--message",
            write("m", MESSAGE),
        ]
    elif verb == "decrypt":
        args = [
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--ciphertext",
            write("c", b"\0" * 256),
        ]
    else:
        args = ["--public-key", keys["p256"].pub]
    result = kmskit("offline", verb, "--private-key", key, *args, "--out", "out.bin")
    assert_one_line_error(result, 2, "KeyFormatError")
    assert not Path("out.bin").exists()


def test_public_key_as_private_key_says_so(keys: dict[str, KeyPair]) -> None:
    result = kmskit(
        "offline",
        "sign",
        "--private-key",
        keys["p256"].pub,
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--message",
        write("m", MESSAGE),
    )
    assert "PUBLIC KEY" in assert_one_line_error(result, 2, "KeyFormatError")


@pytest.mark.parametrize(
    ("option", "verb_args"),
    [
        ("--signing-algorithm", ["sign", "--private-key", "{rsa.key}", "--message", "{msg}"]),
        (
            "--message-type",
            [
                "sign",
                "--private-key",
                "{rsa.key}",
                "--message",
                "{msg}",
                "--signing-algorithm",
                "RSASSA_PSS_SHA_256",
            ],
        ),
        (
            "--encryption-algorithm",
            ["encrypt", "--public-key", "{rsa.pub}", "--plaintext", "{msg}"],
        ),
        (
            "--key-agreement-algorithm",
            ["derive-shared-secret", "--private-key", "{p256.key}", "--public-key", "{p256b.pub}"],
        ),
        (
            "--key-pair-spec",
            ["generate-key-pair", "--private-key-out", "a", "--public-key-out", "b"],
        ),
        ("--output", ["inspect-key", "{rsa.pub}"]),
    ],
)
def test_unknown_algorithm_name_exits_2(
    keys: dict[str, KeyPair], option: str, verb_args: list[str]
) -> None:
    result = kmskit(*expand(["offline", *verb_args], keys), option, "RSASSA_PSS_SHA_999")
    message = assert_one_line_error(result, 2, USAGE)
    assert "RSASSA_PSS_SHA_999" in message and option in message
    assert not Path("a").exists() and not Path("b").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["offline", "verify"],
        pytest.param(["offline", "sign", "--private-key", "x"], id="missing-choice-option"),
        ["offline", "inspect-key"],
        ["offline", "no-such-verb"],
        ["offline", "sign", "--no-such-flag"],
        ["no-such-group"],
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str]) -> None:
    assert_one_line_error(kmskit(*args), 2, USAGE)


def test_group_without_verb_shows_usage_and_exits_2() -> None:
    result = kmskit("offline")
    assert result.code == 2
    assert "Usage: kmskit offline" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_oaep_hash_is_an_operation_failure(keys: dict[str, KeyPair]) -> None:
    ok(
        kmskit(
            "offline",
            "encrypt",
            "--public-key",
            keys["rsa"].pub,
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_1",
            "--plaintext",
            write("pt", b"secret"),
            "--out",
            "ct",
        )
    )
    result = kmskit(
        "offline",
        "decrypt",
        "--private-key",
        keys["rsa"].key,
        "--encryption-algorithm",
        "RSAES_OAEP_SHA_256",
        "--ciphertext",
        "ct",
        "--out",
        "pt.out",
    )
    assert_one_line_error(result, 1, "InvalidCiphertextException")
    assert not Path("pt.out").exists()


def test_different_curves_for_ecdh_exit_2(keys: dict[str, KeyPair]) -> None:
    result = kmskit(
        "offline",
        "derive-shared-secret",
        "--private-key",
        keys["p256"].key,
        "--public-key",
        keys["p384"].pub,
    )
    assert_one_line_error(result, 2, "ValidationException")


def test_debug_env_shows_traceback_but_keeps_exit_code(keys: dict[str, KeyPair]) -> None:
    args = _verify_args(keys["p256"], "ECDSA_SHA_256", MESSAGE, b"\x30\x00")
    result = kmskit(*args, env={"KMSKIT_DEBUG": "1"})
    assert result.code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("KMSInvalidSignatureException: ")
