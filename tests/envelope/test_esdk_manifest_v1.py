"""The vendored ESDK decrypt manifest (``external/esdk_decrypt.json``), v1 cases included.

Every case that carries a message and uses raw keys only (raw AES, raw RSA OAEP) must
decrypt to the manifest's plaintext, or fail, as the manifest says. Format version 1
messages (suites 0x0014 … 0x0378, made by ESDK 1.x or ESDK-NET 4 under
``FORBID_ENCRYPT_ALLOW_DECRYPT``) decrypt under ``REQUIRE_ENCRYPT_ALLOW_DECRYPT``, as the ESDK
reads them, and are refused under the default policy with the flag that reads them. The
``RequiredEncryptionContext`` cases give their context at decrypt time: the pairs the message
does not store must authenticate its header (docs/format.md#required-encryption-context).
The AWS KMS cases keep only their metadata in the vendored file (no message) and are not
run here.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest

from kmskit.envelope import decrypt, decrypt_stream, inspect
from kmskit.envelope.keyrings import Keyring, RawAesKeyring, RsaKeyring
from kmskit.envelope.suites import CommitmentPolicy
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    InvalidCiphertextException,
    UnsupportedMessageError,
)
from tests._vectors import load_json

MANIFEST = load_json("external", "esdk_decrypt.json")
KEYS: dict[str, Any] = MANIFEST["keys"]
CASES = [c for c in MANIFEST["cases"] if "ciphertext" in c]
ALLOW = CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT
_OAEP = {
    "sha1": "RSAES_OAEP_SHA_1",
    "sha256": "RSAES_OAEP_SHA_256",
    "sha384": "RSAES_OAEP_SHA_384",
    "sha512": "RSAES_OAEP_SHA_512",
}


def _keyrings(case: dict[str, Any]) -> list[Keyring]:
    """One keyring per master key whose secret the manifest holds (a public-only RSA key
    cannot decrypt, exactly as in the ESDK's own runner)."""
    out: list[Keyring] = []
    for mk in case["master-keys"]:
        assert mk["type"] == "raw"
        key = KEYS[mk["key"]]
        if key["type"] == "symmetric":
            material = base64.b64decode(key["material"])
            out.append(RawAesKeyring(mk["provider-id"], mk["key"], material))
        elif key["type"] == "private":
            padding = (
                _OAEP[mk["padding-hash"]]
                if mk.get("padding-algorithm") == "oaep-mgf1"
                else "RSAES_PKCS1_V1_5"
            )
            out.append(
                RsaKeyring(
                    mk["provider-id"],
                    mk["key"],
                    private_key=key["material"].encode(),
                    algorithm=padding,
                )
            )
    assert out, "every case with a message has a decrypting raw key"
    return out


def _reproduced(case: dict[str, Any]) -> dict[str, str] | None:
    return case["encryption-context"] if case["cmm"] == "RequiredEncryptionContext" else None


def _params() -> list[Any]:
    return [pytest.param(c, id=f"{c['set']}-{c['id'][:48]}") for c in CASES]


def test_the_manifest_covers_every_v1_suite_and_both_cmms() -> None:
    suites = {c["suite"] for c in CASES if c["format-version"] == 1}
    assert suites == {
        "0x0014", "0x0046", "0x0078", "0x0114", "0x0146", "0x0178", "0x0214", "0x0346", "0x0378"
    }  # fmt: skip
    assert len(CASES) == 132
    assert {c["cmm"] for c in CASES} == {"Default", "RequiredEncryptionContext"}
    assert sum(c["expect"] == "failure" for c in CASES) == 28


@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any]) -> None:
    message = base64.b64decode(case["ciphertext"])
    keyrings = _keyrings(case)
    if case["expect"] == "failure":
        dst = io.BytesIO()
        # These messages carry a header that does not authenticate (a changed byte); with
        # a reproduced context kmskit names the pairs that failed it.
        with pytest.raises((HeaderAuthenticationError, InvalidCiphertextException)):
            decrypt_stream(
                io.BytesIO(message),
                dst,
                keyrings=keyrings,
                required_context=_reproduced(case),
                commitment_policy=ALLOW,
            )
        assert dst.getvalue() == b""
        return
    plaintext, info = decrypt(
        message, keyrings=keyrings, required_context=_reproduced(case), commitment_policy=ALLOW
    )
    assert plaintext == base64.b64decode(MANIFEST["plaintexts"][case["plaintext"]])
    assert info.header.format_version == case["format-version"]
    assert info.header.suite_id == int(case["suite"], 16)
    assert info.message_length == len(message)
    assert inspect(io.BytesIO(message)) == info.header
    if case["format-version"] == 1:
        with pytest.raises(UnsupportedMessageError, match="--commitment-policy REQUIRE_ENCRYPT_"):
            decrypt(message, keyrings=keyrings, required_context=_reproduced(case))
    else:
        assert decrypt(message, keyrings=keyrings, required_context=_reproduced(case))[0] == (
            plaintext
        )


def test_required_context_cases_store_fewer_pairs_than_they_bind() -> None:
    """The RequiredEncryptionContext messages leave required pairs out of the header, so
    decrypt without them fails the header tag, and with them succeeds (test_case)."""
    case = next(
        c for c in CASES if c["cmm"] == "RequiredEncryptionContext" and c["expect"] == "success"
    )
    message = base64.b64decode(case["ciphertext"])
    stored = dict(inspect(io.BytesIO(message)).encryption_context)
    assert set(stored) < set(case["encryption-context"])
    with pytest.raises((HeaderAuthenticationError, InvalidCiphertextException)):
        decrypt(message, keyrings=_keyrings(case), commitment_policy=ALLOW)
