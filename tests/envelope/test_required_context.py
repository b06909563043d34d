"""The required encryption context (docs/format.md#required-encryption-context).

Required pairs bind the message (every EDK and the header tag) without being stored in it;
decrypt and rewrap take them back as the reproduced context. Peers: the ESDK with the MPL's
required-encryption-context CMM (tests/interop/test_envelope_mpl.py) and the ESDK-NET vectors
(tests/envelope/test_esdk_manifest_v1.py).
"""

from __future__ import annotations

import io

import pytest

from kmskit.envelope import decrypt, encrypt, inspect, rewrap
from kmskit.envelope.keyrings import RsaKeyring
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    InvalidCiphertextException,
    ValidationException,
)
from tests.envelope._helpers import aes_keyring, rsa_private_pem


def rsa_keyring() -> RsaKeyring:
    return RsaKeyring("ns", "rsa", private_key=rsa_private_pem())

CONTEXT = {"tenant": "acme", "purpose": "backup", "region": "eu"}


def test_required_pairs_are_bound_but_not_stored() -> None:
    message = encrypt(
        b"secret", keyrings=aes_keyring(), encryption_context=CONTEXT,
        required_context_keys=["tenant", "region"],
    )  # fmt: skip
    header = inspect(io.BytesIO(message))
    assert dict(header.encryption_context) == {"purpose": "backup"}
    assert b"acme" not in message and b"tenant" not in message
    plaintext, info = decrypt(
        message, keyrings=aes_keyring(), required_context={"tenant": "acme", "region": "eu"}
    )
    assert plaintext == b"secret"
    assert dict(info.header.encryption_context) == {"purpose": "backup"}
    # The stored pair may be given too; it must match.
    assert decrypt(message, keyrings=aes_keyring(), required_context=CONTEXT)[0] == b"secret"


@pytest.mark.parametrize(
    "given",
    [{}, {"tenant": "acme"}, {"tenant": "acme", "region": "us"}, {**CONTEXT, "extra": "x"}],
    ids=["none", "one-missing", "wrong-value", "extra-pair"],
)
def test_wrong_or_missing_pairs_fail(given: dict[str, str]) -> None:
    # The RSA keyring does not bind the context itself: the header tag must catch it.
    aes = aes_keyring()
    for keyring in (aes, rsa_keyring()):
        message = encrypt(
            b"secret", keyrings=keyring, encryption_context=CONTEXT,
            required_context_keys=["tenant", "region"],
        )  # fmt: skip
        # Pairs given but wrong name themselves; none given at all is a header that does
        # not authenticate, as in the ESDK.
        error = HeaderAuthenticationError if not given and keyring is not aes else (
            InvalidCiphertextException
        )
        with pytest.raises(error):
            decrypt(message, keyrings=keyring, required_context=given)


def test_a_contradicted_stored_pair_fails_before_any_key() -> None:
    message = encrypt(b"x", keyrings=aes_keyring(), encryption_context=CONTEXT)
    with pytest.raises(InvalidCiphertextException, match="'purpose' has another value"):
        decrypt(message, keyrings=aes_keyring(), required_context={"purpose": "other"})


def test_required_keys_must_be_in_the_context_and_not_reserved() -> None:
    with pytest.raises(ValidationException, match="'missing' is not in the encryption context"):
        encrypt(b"x", keyrings=aes_keyring(), encryption_context=CONTEXT,
                required_context_keys=["missing"])  # fmt: skip
    with pytest.raises(ValidationException, match="reserved"):
        encrypt(b"x", keyrings=aes_keyring(), encryption_context=CONTEXT,
                required_context_keys=["aws-crypto-public-key"])  # fmt: skip


def test_all_keys_required_and_signed_suite() -> None:
    message = encrypt(
        b"signed", keyrings=aes_keyring(), encryption_context=CONTEXT,
        required_context_keys=list(CONTEXT),
        algorithm="AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
    )  # fmt: skip
    stored = dict(inspect(io.BytesIO(message)).encryption_context)
    assert list(stored) == ["aws-crypto-public-key"]
    assert decrypt(message, keyrings=aes_keyring(), required_context=CONTEXT)[0] == b"signed"


def test_rewrap_keeps_the_binding() -> None:
    message = encrypt(
        b"r", keyrings=aes_keyring(), encryption_context=CONTEXT, required_context_keys=["tenant"]
    )
    with pytest.raises(InvalidCiphertextException):  # the raw AES EDK binds the context
        rewrap(message, keyrings=aes_keyring(), add_keyrings=[rsa_keyring()])
    rewrapped = rewrap(
        message,
        keyrings=aes_keyring(),
        add_keyrings=[rsa_keyring()],
        required_context={"tenant": "acme"},
    )
    assert decrypt(rewrapped, keyrings=rsa_keyring(), required_context={"tenant": "acme"})[0] == (
        b"r"
    )
    with pytest.raises(HeaderAuthenticationError, match="required encryption context"):
        decrypt(rewrapped, keyrings=rsa_keyring())


def test_forbid_encrypt_policy_is_refused() -> None:
    with pytest.raises(ValidationException, match="never writes a non-committing"):
        encrypt(b"x", keyrings=aes_keyring(), commitment_policy="FORBID_ENCRYPT_ALLOW_DECRYPT")
    message = encrypt(
        b"x", keyrings=aes_keyring(), commitment_policy="REQUIRE_ENCRYPT_ALLOW_DECRYPT"
    )
    assert decrypt(message, keyrings=aes_keyring())[0] == b"x"
