"""What the asymmetric, HMAC and data-key-pair operations return, printing as AWS KMS
responses (``to_response()``: PascalCase, blobs in base64), like :mod:`keystore.results`.

Results that carry a secret (a shared secret, a private key) hold it in a bytearray, leave
it out of ``repr`` and offer ``wipe()``; after ``wipe()``, ``to_response()`` raises
:class:`ValueError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmskit.keystore._wipe import wipe
from kmskit.keystore.results import _b64, _plaintext_b64

__all__ = [
    "DataKeyPairResult",
    "MacResult",
    "PublicKeyResult",
    "SharedSecretResult",
    "SignResult",
    "VerifyMacResult",
    "VerifyResult",
]


@dataclass(frozen=True)
class SignResult:
    """Sign's response; ``key_id`` is the key ARN, ``signature`` DER for ECDSA and SM2DSA."""

    key_id: str
    signature: bytes
    signing_algorithm: str

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "Signature": _b64(self.signature),
            "SigningAlgorithm": self.signing_algorithm,
        }


@dataclass(frozen=True)
class VerifyResult:
    """Verify's response. It exists only for a valid signature: an invalid one raises
    :class:`KMSInvalidSignatureException`, as KMS does."""

    key_id: str
    signing_algorithm: str
    signature_valid: bool = True

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "SignatureValid": self.signature_valid,
            "SigningAlgorithm": self.signing_algorithm,
        }


@dataclass(frozen=True)
class PublicKeyResult:
    """GetPublicKey's response: the DER SubjectPublicKeyInfo and what KMS allows with it.

    Only the algorithm list of the key's usage is set (and printed), as KMS does.
    ``to_response()`` is what :func:`offline.load_public_key` reads back.
    """

    key_id: str
    public_key: bytes
    key_spec: str
    key_usage: str
    customer_master_key_spec: str | None = None
    encryption_algorithms: tuple[str, ...] = ()
    signing_algorithms: tuple[str, ...] = ()
    key_agreement_algorithms: tuple[str, ...] = ()

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {"KeyId": self.key_id, "PublicKey": _b64(self.public_key)}
        if self.customer_master_key_spec is not None:
            response["CustomerMasterKeySpec"] = self.customer_master_key_spec
        response["KeySpec"] = self.key_spec
        response["KeyUsage"] = self.key_usage
        for name, values in (
            ("EncryptionAlgorithms", self.encryption_algorithms),
            ("SigningAlgorithms", self.signing_algorithms),
            ("KeyAgreementAlgorithms", self.key_agreement_algorithms),
        ):
            if values:
                response[name] = list(values)
        return response

    def to_pem(self) -> str:
        """The public key as a PEM ``PUBLIC KEY`` block (for ``--output pem``)."""
        from kmskit.offline.pem import pem_text

        return pem_text("PUBLIC KEY", self.public_key)


@dataclass(frozen=True)
class SharedSecretResult:
    """DeriveSharedSecret's response: the raw ECDH x-coordinate. Call ``wipe()`` when done."""

    key_id: str
    shared_secret: bytearray = field(repr=False)
    key_agreement_algorithm: str
    key_origin: str

    def wipe(self) -> None:
        wipe(self.shared_secret)
        del self.shared_secret[:]

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "SharedSecret": _plaintext_b64(self.shared_secret),
            "KeyAgreementAlgorithm": self.key_agreement_algorithm,
            "KeyOrigin": self.key_origin,
        }


@dataclass(frozen=True)
class MacResult:
    """GenerateMac's response; ``key_id`` is the key ARN."""

    mac: bytes
    mac_algorithm: str
    key_id: str

    def to_response(self) -> dict[str, Any]:
        return {"Mac": _b64(self.mac), "MacAlgorithm": self.mac_algorithm, "KeyId": self.key_id}


@dataclass(frozen=True)
class VerifyMacResult:
    """VerifyMac's response. It exists only for a valid MAC: an invalid one raises
    :class:`KMSInvalidMacException`, as KMS does."""

    key_id: str
    mac_algorithm: str
    mac_valid: bool = True

    def to_response(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "MacValid": self.mac_valid,
            "MacAlgorithm": self.mac_algorithm,
        }


@dataclass(frozen=True)
class DataKeyPairResult:
    """GenerateDataKeyPair (``private_key_plaintext`` set) or …WithoutPlaintext (None).

    The private key is PKCS #8 DER, the public key DER SubjectPublicKeyInfo, and the
    ciphertext a local blob under the symmetric KMS key ``key_id`` (its ARN). Call
    ``wipe()`` when done with the plaintext private key.
    """

    private_key_ciphertext_blob: bytes
    private_key_plaintext: bytearray | None = field(repr=False)
    public_key: bytes
    key_id: str
    key_pair_spec: str
    key_material_id: str

    def wipe(self) -> None:
        if self.private_key_plaintext is not None:
            wipe(self.private_key_plaintext)
            del self.private_key_plaintext[:]

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "PrivateKeyCiphertextBlob": _b64(self.private_key_ciphertext_blob)
        }
        if self.private_key_plaintext is not None:
            response["PrivateKeyPlaintext"] = _plaintext_b64(self.private_key_plaintext)
        response["PublicKey"] = _b64(self.public_key)
        response["KeyId"] = self.key_id
        response["KeyPairSpec"] = self.key_pair_spec
        response["KeyMaterialId"] = self.key_material_id
        return response
