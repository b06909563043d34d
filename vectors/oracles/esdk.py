"""``aws-encryption-sdk`` (Python, 4.x) as the independent oracle for envelope vectors.

Each test is decrypted twice, one-shot (``EncryptionSDKClient.decrypt``) and streaming
(``stream(mode="d")``), by a client with ``REQUIRE_ENCRYPT_REQUIRE_DECRYPT`` and, when the
test states ``kmskit-max-encrypted-data-keys``, that limit. Keys are the ESDK's own
``RawMasterKey``: AES-GCM for ``aes`` keys, ``RSA_OAEP_SHA1_MGF1`` / ``RSA_OAEP_SHA256_MGF1``
for ``rsa`` keys (private or public, as the keys manifest says), combined in one provider
when a test lists several, as the ESDK's own test-vector runner does. The two decryptions
must agree; a valid test must give its plaintext, an invalid one must fail (the framework
asks for no particular error).

Skipped, with the reason: SM2 keys and the GM suites 0x4D04/0x4D05 (kmskit's extensions),
and required encryption contexts (the ESDK needs the aws-cryptographic-material-providers
library's required-encryption-context CMM for that, which is not installed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from kmskit.envelope.suites import BodyCipher, suite_for_id
from kmskit.offline.errors import KmskitError, ValidationException
from kmskit.vectors._family import Verdict
from kmskit.vectors.oracles import Skip

if TYPE_CHECKING:
    from kmskit.vectors._envelope_check import EnvelopeTest

__all__ = ["KNOWN_LENIENCIES", "EsdkOracle"]

Json = Mapping[str, Any]

_SKIP_SM2: Final = Skip("SM2 keys are a kmskit extension")
_SKIP_GM: Final = Skip("GM suites 0x4D04/0x4D05 are a kmskit extension")
_SKIP_CONTEXT: Final = Skip(
    "a required encryption context needs the MPL's required-encryption-context CMM"
)
_SKIP_KIND: Final = Skip("the esdk oracle only checks envelope vector directories")
# kmskit-tampering -> why the ESDK accepts that invalid message (docs/vectors.md).
KNOWN_LENIENCIES: Final[dict[str, str]] = {
    "trailing-byte": "the ESDK decrypts the first message of its input and ignores the bytes"
    " after it (a stream may hold several messages); kmskit requires the input to end with"
    " the message",
}


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the ESDK's logger (it logs every failed decryption as an error)."""
    logger = logging.getLogger("aws_encryption_sdk")  # its modules log through children
    was = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(was)


def _gm_suite(message: bytes) -> bool:
    if len(message) < 3 or message[0] != 0x02:
        return False
    try:
        return suite_for_id(int.from_bytes(message[1:3], "big")).cipher is BodyCipher.SM4_GCM
    except KmskitError:
        return False


class EsdkOracle:
    """Decrypts envelope vectors with the ESDK; create with :meth:`locate`."""

    name = "esdk"
    workers = 1

    def __init__(self, version: str) -> None:
        self.version = version

    @classmethod
    def locate(cls) -> EsdkOracle:
        """Raise ValidationException unless aws-encryption-sdk 4.x is importable."""
        try:
            import aws_encryption_sdk
        except ImportError:
            raise ValidationException(
                "the esdk oracle needs aws-encryption-sdk 4.x (pip install aws-encryption-sdk)"
            ) from None
        version = str(aws_encryption_sdk.__version__)
        if not version.startswith("4."):
            raise ValidationException(
                f"the esdk oracle needs aws-encryption-sdk 4.x, not {version}"
            )
        return cls(version)

    # The Oracle protocol, for the one-file kinds: the ESDK expresses none of them.
    def judge(self, kind: str, group: Json, test: Json) -> Verdict | Skip:
        return _SKIP_KIND

    def leniency(self, kind: str, group: Json, test: Json) -> str | None:
        return None

    # Envelope vectors.
    def judge_message(self, test: EnvelopeTest) -> Verdict | Skip:
        """Decrypt one test one-shot and streaming; a Skip when it cannot be expressed."""
        if any(spec.get("encryption-algorithm") == "sm2" for spec in test.master_keys):
            return _SKIP_SM2
        if _gm_suite(test.ciphertext):
            return _SKIP_GM
        if test.required_context is not None:
            return _SKIP_CONTEXT
        with _quiet():
            one_shot = self._decrypt(test, streaming=False)
            streaming = self._decrypt(test, streaming=True)
        if (one_shot.accepted, one_shot.output) != (streaming.accepted, streaming.output):
            return Verdict(
                False,
                detail=f"one-shot and streaming decrypt disagree ({one_shot.detail or 'accepted'}"
                f" / {streaming.detail or 'accepted'})",
                crashed=True,
            )
        return one_shot

    def message_leniency(self, test: EnvelopeTest) -> str | None:
        return KNOWN_LENIENCIES.get(test.tampering or "")

    def _decrypt(self, test: EnvelopeTest, *, streaming: bool) -> Verdict:
        import aws_encryption_sdk
        from aws_encryption_sdk import CommitmentPolicy

        client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
            max_encrypted_data_keys=test.max_encrypted_data_keys,
        )
        try:
            provider = _provider(test)
            if not streaming:
                plaintext, _ = client.decrypt(source=test.ciphertext, key_provider=provider)
                return Verdict(True, output=bytes(plaintext))
            out = bytearray()
            with client.stream(mode="d", source=test.ciphertext, key_provider=provider) as dec:
                for chunk in dec:
                    out += chunk
            return Verdict(True, output=bytes(out))
        except Exception as exc:  # the ESDK's error types vary; any failure is a rejection
            return Verdict(False, detail=f"{type(exc).__name__}: {exc}")


def _master_key(spec: Mapping[str, Any], test: EnvelopeTest) -> Any:
    from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKey

    key = test.keys[str(spec["key"])]
    if spec.get("encryption-algorithm") == "aes":
        algorithm = getattr(WrappingAlgorithm, f"AES_{key.bits}_GCM_IV12_TAG16_NO_PADDING")
        key_type = EncryptionKeyType.SYMMETRIC
    else:
        padding = {"sha1": "SHA1", "sha256": "SHA256"}[str(spec.get("padding-hash"))]
        algorithm = getattr(WrappingAlgorithm, f"RSA_OAEP_{padding}_MGF1")
        key_type = EncryptionKeyType.PRIVATE if key.kind == "private" else EncryptionKeyType.PUBLIC
    wrapping = WrappingKey(
        wrapping_algorithm=algorithm, wrapping_key=key.material, wrapping_key_type=key_type
    )
    return RawMasterKey(
        provider_id=str(spec["provider-id"]), key_id=key.key_id.encode(), wrapping_key=wrapping
    )


def _provider(test: EnvelopeTest) -> Any:
    from aws_encryption_sdk.exceptions import InvalidKeyIdError
    from aws_encryption_sdk.key_providers.base import MasterKeyProvider, MasterKeyProviderConfig

    keys = [_master_key(spec, test) for spec in test.master_keys]
    if len(keys) == 1:
        return keys[0]

    class _Several(MasterKeyProvider):  # type: ignore[misc]
        """Several master keys at once, like the runner's multi-master-key provider."""

        provider_id = "kmskit-vectors-several"
        _config_class = MasterKeyProviderConfig

        def _new_master_key(self, key_id: bytes) -> Any:
            raise InvalidKeyIdError("this provider only holds the keys it was given")

    several = _Several()
    several.add_master_key_providers_from_list(keys)
    return several
