"""A KMS request from its JSON 1.1 body (what kmskit serve receives).

Expected messages and names are KMS's own (AWS KMS API Reference; the JSON 1.1 protocol's
SerializationException for a body of the wrong shape).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kmskit.keystore.api_json import SerializationException, request_from_json
from kmskit.keystore.api_table import OPERATIONS, operation_named
from kmskit.offline.errors import UnsupportedOperationException, ValidationException


def test_every_operation_has_a_unique_api_name() -> None:
    names = [op.api for op in OPERATIONS]
    assert len(names) == len(set(names))
    assert operation_named("Encrypt").name == "encrypt"
    with pytest.raises(UnsupportedOperationException):
        operation_named("CreateCustomKeyStore")


def test_members_are_converted_by_kind() -> None:
    request = request_from_json(
        operation_named("Encrypt"),
        {
            "KeyId": "alias/a",
            "Plaintext": "aGk=",
            "EncryptionContext": {"k": "v"},
            "GrantTokens": ["t"],
            "DryRun": False,
        },
    )
    assert request == {
        "KeyId": "alias/a",
        "Plaintext": b"hi",
        "EncryptionContext": {"k": "v"},
        "GrantTokens": ["t"],
        "DryRun": False,
    }
    imported = request_from_json(
        operation_named("ImportKeyMaterial"),
        {"KeyId": "k", "ImportToken": "AA==", "EncryptedKeyMaterial": "AA==", "ValidTo": 1.8e9},
    )
    assert imported["ValidTo"] == datetime.fromtimestamp(1.8e9, UTC)
    tags = request_from_json(
        operation_named("TagResource"), {"KeyId": "k", "Tags": [{"TagKey": "a", "TagValue": "b"}]}
    )
    assert tags["Tags"] == [{"TagKey": "a", "TagValue": "b"}]


def test_missing_members_as_kms_words_them() -> None:
    with pytest.raises(ValidationException) as missing:
        request_from_json(operation_named("Encrypt"), {})
    assert str(missing.value) == (
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint:"
        " Member must not be null; Value null at 'plaintext' failed to satisfy constraint:"
        " Member must not be null"
    )


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"KeyId": 5},
        {"KeyId": "k", "NumberOfBytes": True},
        {"KeyId": "k", "NumberOfBytes": "32"},
        {"KeyId": "k", "EncryptionContext": {"a": 1}},
        {"KeyId": "k", "GrantTokens": "t"},
    ],
)
def test_wrong_json_types_are_serialization_errors(body: object) -> None:
    with pytest.raises(SerializationException):
        request_from_json(operation_named("GenerateDataKey"), body)


def test_bad_base64_enum_and_unknown_members() -> None:
    with pytest.raises(SerializationException):
        request_from_json(operation_named("Encrypt"), {"KeyId": "k", "Plaintext": "not base64!"})
    with pytest.raises(ValidationException) as enum:
        request_from_json(
            operation_named("Encrypt"),
            {"KeyId": "k", "Plaintext": "AA==", "EncryptionAlgorithm": "ROT13"},
        )
    assert "Member must satisfy enum value set" in str(enum.value)
    with pytest.raises(ValidationException):
        request_from_json(operation_named("DescribeKey"), {"KeyId": "k", "Extra": 1})
    # --out is a command-line convenience, not an API member.
    with pytest.raises(ValidationException):
        request_from_json(
            operation_named("GenerateCsr"), {"KeyId": "k", "CommonName": "c", "Out": "f"}
        )
