"""What the symmetric cryptographic operations return: Encrypt, Decrypt, ReEncrypt,
GenerateDataKey(WithoutPlaintext) and GenerateRandom. Results that carry plaintext hold
it in a bytearray, leave it out of ``repr`` and offer ``wipe()`` (:mod:`keystore.results`).

spec: docs/keystore.md
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmskit.keystore._wipe import wipe
from kmskit.keystore.results import _b64, _plaintext_b64

__all__ = [
    "DataKeyResult",
    "DecryptResult",
    "EncryptResult",
    "ExportedDataKeyResult",
    "RandomResult",
    "ReEncryptResult",
]


@dataclass(frozen=True)
class EncryptResult:
    """Encrypt's response; ``key_id`` is the key ARN."""

    ciphertext_blob: bytes
    key_id: str
    encryption_algorithm: str

    def to_response(self) -> dict[str, Any]:
        return {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "KeyId": self.key_id,
            "EncryptionAlgorithm": self.encryption_algorithm,
        }


@dataclass(frozen=True)
class DecryptResult:
    """Decrypt's response; ``key_id`` is the key ARN. ``key_material_id`` is set for
    symmetric encryption keys only, as KMS returns it. Call ``wipe()`` when done."""

    key_id: str
    plaintext: bytearray = field(repr=False)
    encryption_algorithm: str
    key_material_id: str | None

    def wipe(self) -> None:
        wipe(self.plaintext)
        del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "KeyId": self.key_id,
            "Plaintext": _plaintext_b64(self.plaintext),
            "EncryptionAlgorithm": self.encryption_algorithm,
        }
        if self.key_material_id is not None:
            response["KeyMaterialId"] = self.key_material_id
        return response


@dataclass(frozen=True)
class ReEncryptResult:
    """ReEncrypt's response; both key ids are key ARNs. No plaintext leaves the keystore.

    The material ids are set for symmetric encryption keys only."""

    ciphertext_blob: bytes
    source_key_id: str
    key_id: str
    source_encryption_algorithm: str
    destination_encryption_algorithm: str
    source_key_material_id: str | None
    destination_key_material_id: str | None

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "SourceKeyId": self.source_key_id,
            "KeyId": self.key_id,
            "SourceEncryptionAlgorithm": self.source_encryption_algorithm,
            "DestinationEncryptionAlgorithm": self.destination_encryption_algorithm,
        }
        if self.source_key_material_id is not None:
            response["SourceKeyMaterialId"] = self.source_key_material_id
        if self.destination_key_material_id is not None:
            response["DestinationKeyMaterialId"] = self.destination_key_material_id
        return response


@dataclass(frozen=True)
class DataKeyResult:
    """GenerateDataKey (``plaintext`` set) or …WithoutPlaintext (``plaintext`` None).

    ``key_id`` is the key ARN. Call ``wipe()`` when done with the plaintext data key.
    """

    ciphertext_blob: bytes
    plaintext: bytearray | None = field(repr=False)
    key_id: str
    key_material_id: str

    def wipe(self) -> None:
        if self.plaintext is not None:
            wipe(self.plaintext)
            del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        response: dict[str, Any] = {"CiphertextBlob": _b64(self.ciphertext_blob)}
        if self.plaintext is not None:
            response["Plaintext"] = _plaintext_b64(self.plaintext)
        response["KeyId"] = self.key_id
        response["KeyMaterialId"] = self.key_material_id
        return response


@dataclass(frozen=True)
class ExportedDataKeyResult:
    """GenerateAndExportDataKey (Alibaba KMS): one data key, encrypted under the KMS key
    (``ciphertext_blob``) and under the caller's public key (``exported_data_key``). Both
    hold the data key's base64 text (docs/server.md, "GenerateAndExportDataKey").
    ``key_id`` is the key ARN."""

    ciphertext_blob: bytes
    exported_data_key: bytes
    key_id: str
    key_material_id: str

    def to_response(self) -> dict[str, Any]:
        return {
            "CiphertextBlob": _b64(self.ciphertext_blob),
            "ExportedDataKey": _b64(self.exported_data_key),
            "KeyId": self.key_id,
            "KeyMaterialId": self.key_material_id,
        }


@dataclass(frozen=True)
class RandomResult:
    """GenerateRandom's response. Call ``wipe()`` when done."""

    plaintext: bytearray = field(repr=False)

    def wipe(self) -> None:
        wipe(self.plaintext)
        del self.plaintext[:]

    def to_response(self) -> dict[str, Any]:
        return {"Plaintext": _plaintext_b64(self.plaintext)}
