"""AWS Encryption SDK ``awses-decrypt`` cases (``external/esdk_decrypt.json``): messages written
by ESDK-Python 1.3.5 and ESDK-.NET 4.0, with their keys, plaintexts and expected outcome.

Each case is planned from the manifest alone (``_plan``), and its test id ends in the plan:

- ``decrypt``: a format v2 message whose keys kmskit can express (raw AES; raw RSA with a
  private key and OAEP-SHA-1/SHA-256). It must decrypt to the manifest's plaintext, or fail
  with a kmskit error when the manifest expects failure.
- ``v1``, ``rsa-other-padding`` (OAEP-SHA-512) and ``required-context`` (the ESDK
  required-encryption-context CMM): run by tests/envelope/test_esdk_manifest_v1.py, which
  decrypts every raw-key case, v1 under ``REQUIRE_ENCRYPT_ALLOW_DECRYPT``; here they are only
  counted, so the partition below stays complete.
- ``excluded-aws-kms``: AWS KMS master keys. The vendored manifest keeps only their metadata
  (key ARN), no ciphertext, so nothing can run; no test is generated for them, and
  ``test_the_manifest_partition`` checks that exactly these cases lack a ciphertext.

Messages with an ``rsa-4096-public`` EDK (OAEP-SHA-256) are also opened with the matching
private key (checked to be the same key pair), which exercises RsaKeyring against ESDK-.NET
output even where the manifest's own decrypting key uses OAEP-SHA-512.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import pytest

from kmskit.envelope import Keyring, RawAesKeyring, RsaKeyring, decrypt
from kmskit.envelope.header import parse_header
from kmskit.offline import PrivateKey, PublicKey, load_private_key, load_public_key
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    KmskitError,
    ValidationException,
)
from tests._vectors import load_json

MANIFEST = load_json("external", "esdk_decrypt.json")
KEYS: dict[str, dict[str, Any]] = MANIFEST["keys"]
CASES: list[dict[str, Any]] = MANIFEST["cases"]

# ESDK raw RSA padding names → KMS algorithm names (what RsaKeyring takes).
_RSA_PADDING = {
    ("oaep-mgf1", "sha1"): "RSAES_OAEP_SHA_1",
    ("oaep-mgf1", "sha256"): "RSAES_OAEP_SHA_256",
}


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _message(case: dict[str, Any]) -> bytes:
    return _b64(case["ciphertext"])


def _plaintext(case: dict[str, Any]) -> bytes:
    return _b64(MANIFEST["plaintexts"][case["plaintext"]])


def _rsa_algorithm(master_key: dict[str, Any]) -> str:
    """The KMS name for the padding; unsupported ones get the name kmskit would use."""
    padding = (master_key["padding-algorithm"], master_key.get("padding-hash"))
    if padding in _RSA_PADDING:
        return _RSA_PADDING[padding]
    if padding[0] == "oaep-mgf1":
        return f"RSAES_OAEP_{str(padding[1]).upper().replace('SHA', 'SHA_')}"
    return f"RSAES_{padding[0].upper().replace('-', '_')}"


def _can_decrypt(master_key: dict[str, Any]) -> bool:
    """Whether the manifest's key could unwrap its EDK (raw AES, or RSA with a private key)."""
    key = KEYS[master_key["key"]]
    return master_key["type"] == "raw" and key["type"] in ("symmetric", "private")


def _expressible(master_key: dict[str, Any]) -> bool:
    if master_key["type"] != "raw":
        return False
    if master_key["encryption-algorithm"] == "aes":
        return True
    padding = (master_key["padding-algorithm"], master_key.get("padding-hash"))
    return padding in _RSA_PADDING


def _missing_required_pairs(case: dict[str, Any]) -> dict[str, str]:
    """Pairs of the manifest's context that the message header does not store."""
    if case["cmm"] != "RequiredEncryptionContext" or case["format-version"] != 2:
        return {}
    stored = parse_header(_message(case)).header.encryption_context
    return {k: v for k, v in (case["encryption-context"] or {}).items() if k not in stored}


def _plan(case: dict[str, Any]) -> str:
    if any(mk["type"] == "aws-kms" for mk in case["master-keys"]):
        return "excluded-aws-kms"
    if case["format-version"] == 1:
        return "v1"
    if not any(_can_decrypt(mk) and _expressible(mk) for mk in case["master-keys"]):
        return "rsa-other-padding"
    if _missing_required_pairs(case):
        return "required-context"
    return "decrypt"


@cache
def _plans() -> dict[str, str]:
    return {f"{c['set']}:{c['id']}": _plan(c) for c in CASES}


def _exclusion_reason(case: dict[str, Any]) -> str:
    arns = sorted({KEYS[mk["key"]]["key-id"] for mk in case["master-keys"]})
    return (
        f"excluded: AWS KMS master key(s) {', '.join(arns)}; the vendored manifest keeps only"
        " their metadata, no ciphertext"
    )


def _params(*plans: str) -> list[Any]:
    params = []
    for case in CASES:
        name = f"{case['set']}:{case['id']}"
        plan = _plans()[name]
        if plan not in plans:
            continue
        params.append(pytest.param(case, id=f"{name}:{plan}"))
    return params


def _build_keyrings(case: dict[str, Any]) -> list[Keyring]:
    """The manifest's master keys as kmskit keyrings; unsupported RSA paddings must be
    refused at construction with ValidationException (and are left out)."""
    keyrings: list[Keyring] = []
    for mk in case["master-keys"]:
        assert mk["type"] == "raw", mk
        key = KEYS[mk["key"]]
        if mk["encryption-algorithm"] == "aes":
            material = _b64(key["material"])
            keyrings.append(RawAesKeyring(mk["provider-id"], mk["key"], material))
            continue
        assert mk["encryption-algorithm"] == "rsa", mk
        algorithm = _rsa_algorithm(mk)
        if not _expressible(mk):
            # ISSUE 13: RsaKeyring gains this padding; then it must build and decrypt.
            with pytest.raises(ValidationException, match="RSA keyring algorithm"):
                _rsa_keyring(mk, algorithm)
            continue
        keyrings.append(_rsa_keyring(mk, algorithm))
    return keyrings


@cache
def _private_key(name: str) -> PrivateKey:
    return load_private_key(KEYS[name]["material"].encode())


@cache
def _public_key(name: str) -> PublicKey:
    return load_public_key(KEYS[name]["material"].encode())


def _rsa_keyring(mk: dict[str, Any], algorithm: str) -> RsaKeyring:
    name = mk["key"]
    if KEYS[name]["type"] == "private":
        return RsaKeyring(
            mk["provider-id"], name, private_key=_private_key(name), algorithm=algorithm
        )
    return RsaKeyring(mk["provider-id"], name, public_key=_public_key(name), algorithm=algorithm)


# --- The manifest itself -------------------------------------------------------------------


def test_the_manifest_partition() -> None:
    plans = _plans()
    counts: dict[str, int] = {}
    for plan in plans.values():
        counts[plan] = counts.get(plan, 0) + 1
    assert counts == {
        "excluded-aws-kms": 393,
        "v1": 108,
        "decrypt": 8,
        "rsa-other-padding": 12,
        "required-context": 4,
    }
    for case in CASES:
        plan = plans[f"{case['set']}:{case['id']}"]
        has_ciphertext = "ciphertext" in case
        # The exclusion is forced by the data: exactly the AWS KMS cases lack a message.
        assert has_ciphertext is (plan != "excluded-aws-kms"), case["id"]
        if plan == "excluded-aws-kms":
            assert all(mk["type"] == "aws-kms" for mk in case["master-keys"]), case["id"]
            assert all(KEYS[mk["key"]]["type"] == "aws-kms" for mk in case["master-keys"])
    # No v2 case in this manifest is non-framed (kmskit reads both layouts anyway).
    assert all(c["content-type"] == "framed" for c in CASES if c["format-version"] == 2)


def test_rsa_public_key_is_the_private_keys_public_half() -> None:
    private = _private_key("rsa-4096-private")
    assert private.public_key().spki_der() == _public_key("rsa-4096-public").spki_der()


# --- Cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params("decrypt"))
def test_decrypt(case: dict[str, Any]) -> None:
    keyrings = _build_keyrings(case)
    message = _message(case)
    required = case["encryption-context"] or None
    if case["expect"] == "success":
        plaintext, info = decrypt(message, keyrings=keyrings, required_context=required)
        assert plaintext == _plaintext(case)
        assert info.message_length == len(message)
        return
    assert case["expect"] == "failure"
    with pytest.raises(KmskitError):
        decrypt(message, keyrings=keyrings, required_context=required)


def _with_public_rsa_edk() -> list[Any]:
    return [
        pytest.param(c, id=f"{c['set']}:{c['id']}")
        for c in CASES
        if "ciphertext" in c
        and c["format-version"] == 2
        and any(mk["key"] == "rsa-4096-public" for mk in c["master-keys"])
    ]


@pytest.mark.parametrize("case", _with_public_rsa_edk())
def test_rsa_oaep_sha256_edk_opens_with_the_matching_private_key(case: dict[str, Any]) -> None:
    (mk,) = [mk for mk in case["master-keys"] if mk["key"] == "rsa-4096-public"]
    keyring = RsaKeyring(
        mk["provider-id"],
        mk["key"],
        private_key=_private_key("rsa-4096-private"),
        algorithm=_rsa_algorithm(mk),
    )
    message = _message(case)
    missing = _missing_required_pairs(case)
    if missing:
        # Required-context CMM: the unwrap works (RSA EDKs carry no context), the header
        # tag does not, because the required pairs are authenticated outside the header.
        edks = parse_header(message).header.encrypted_data_keys
        (edk,) = [e for e in edks if e.provider_info == b"rsa-4096-public"]
        assert len(keyring.unwrap(edk, {})) == 32
        with pytest.raises(HeaderAuthenticationError):
            decrypt(message, keyrings=[keyring])
        return
    plaintext, _ = decrypt(
        message, keyrings=[keyring], required_context=case["encryption-context"] or None
    )
    assert plaintext == _plaintext(case)
