"""The operation table's check in the keystore (``keystore.api.call`` →
``Keystore.authorizing``): which key a request without a key id is checked on, the
ReEncrypt facts, grant tokens, the audit record of a refusal, and failing closed.

Expected outcomes follow the KMS Developer Guide (kms:ReEncryptOnSameKey; Decrypt's key comes
from the ciphertext's metadata) and the API Reference (InvalidGrantTokenException).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmskit.keystore import Keystore
from kmskit.keystore.api import call
from kmskit.keystore.api_table import operation_named
from kmskit.offline.errors import (
    AccessDeniedException,
    InvalidCiphertextException,
    InvalidGrantTokenException,
    KeystoreError,
)

ROOT = "arn:aws:iam::111122223333:root"
BOB = "arn:aws:iam::111122223333:user/bob"


def _policy(*extra: dict[str, Any]) -> str:
    account = {
        "Sid": "Account",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [account, *extra]})


def _as(ks: Keystore, principal: str, api: str, **request: Any) -> Any:
    with ks.as_caller(principal=principal):
        return call(ks, operation_named(api), dict(request))


def test_decrypt_without_key_id_is_checked_on_the_ciphertexts_key(ks: Keystore) -> None:
    deny = {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": BOB},
            "Action": "kms:Decrypt", "Resource": "*"}
    denied_key = ks.create_key(policy=_policy(deny))
    open_key = ks.create_key()
    blob = ks.encrypt(denied_key.key_id, b"secret").ciphertext_blob
    other = ks.encrypt(open_key.key_id, b"fine").ciphertext_blob
    with pytest.raises(AccessDeniedException, match=f"on resource: {denied_key.arn} with"):
        _as(ks, BOB, "Decrypt", CiphertextBlob=blob)
    assert _as(ks, BOB, "Decrypt", CiphertextBlob=other).plaintext == b"fine"
    refused = [r for r in ks.audit.records() if r.outcome == "AccessDeniedException"]
    assert len(refused) == 1
    assert (refused[0].principal, refused[0].key_arn) == (BOB, denied_key.arn)
    assert refused[0].authorization == (
        {"Action": "kms:Decrypt", "Decision": "ExplicitDeny", "DecidingStatement": "NoBob"},
    )


def test_a_ciphertext_of_no_key_here_fails_as_the_operation_says(ks: Keystore) -> None:
    with pytest.raises(InvalidCiphertextException):
        _as(ks, BOB, "Decrypt", CiphertextBlob=b"\x01" * 80)


def test_reencrypt_on_same_key_is_a_condition(ks: Keystore) -> None:
    # KMS Developer Guide, kms:ReEncryptOnSameKey: deny re-encrypting under the same key.
    deny = {"Sid": "NoSameKey", "Effect": "Deny", "Principal": "*",
            "Action": "kms:ReEncrypt*", "Resource": "*",
            "Condition": {"Bool": {"kms:ReEncryptOnSameKey": "true"}}}
    key = ks.create_key(policy=_policy(deny))
    other = ks.create_key()
    blob = ks.encrypt(key.key_id, b"data").ciphertext_blob
    with pytest.raises(AccessDeniedException, match="kms:ReEncryptFrom"):
        _as(ks, BOB, "ReEncrypt", CiphertextBlob=blob, DestinationKeyId=key.key_id)
    moved = _as(ks, BOB, "ReEncrypt", CiphertextBlob=blob, DestinationKeyId=other.key_id)
    assert moved.key_id == other.arn
    record = [r for r in ks.audit.records() if r.operation == "ReEncrypt"][-1]
    assert [d["Action"] for d in record.authorization or ()] == [
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ]


def test_grant_tokens_must_name_live_grants(ks: Keystore) -> None:
    key = ks.create_key()
    grant = ks.create_grant(key.key_id, BOB, ["DescribeKey"])
    _as(ks, BOB, "DescribeKey", KeyId=key.key_id, GrantTokens=[grant.grant_token])
    ks.revoke_grant(key.key_id, grant.grant_id)
    with pytest.raises(InvalidGrantTokenException):
        _as(ks, BOB, "DescribeKey", KeyId=key.key_id, GrantTokens=[grant.grant_token])


def test_a_check_for_an_operation_that_never_runs_is_an_error(ks: Keystore) -> None:
    key = ks.create_key()
    with pytest.raises(KeystoreError, match="ran no Encrypt operation"):
        with ks.authorizing("Encrypt", {"KeyId": key.key_id}):
            pass
    # the check is gone after the block: the next operation is not mistaken for it
    ks.encrypt(key.key_id, b"x")
    assert [r for r in ks.audit.records() if r.operation == "Encrypt"][-1].authorization is None
