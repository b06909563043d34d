"""Authorization end to end: boto3 against ``kmskit serve`` with two access keys, Alice's and
Bob's (issue 12, "Done when").

The scenarios are the KMS Developer Guide's: the concepts guide's
``create-grant --constraints EncryptionContextEquals={Purpose=Test}`` grant to Bob, and the
key policy statement that denies Decrypt unless the encryption context has
``AppName=ExampleApp`` ("kms:EncryptionContext:context-key"). What AWS answers is fixed by
the KMS API Reference (AccessDeniedException, its message shape; InvalidGrantTokenException)
and the IAM evaluation logic (an explicit deny beats every allow, grants included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.server._server import KmsServer, create_access_key

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

# Alice alone may use and manage the key: under the home's "account" IAM mapping a statement
# naming the account root would let Bob in too (docs/authorization.md#iam).
ALICE_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AliceAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": ALICE},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
# KMS Developer Guide, kms:EncryptionContext:context-key: deny Decrypt unless AppName is
# ExampleApp (StringNotEquals holds when the key is missing: a request without it is denied).
DENY_DECRYPT_WITHOUT_APP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": ROOT},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "DenyDecryptWithoutExampleApp",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}
            },
        },
    ],
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("authz") / "home"


@pytest.fixture(scope="module")
def clients(home: Path) -> Iterator[tuple[Any, Any]]:
    alice_key = create_access_key(home, ALICE)
    bob_key = create_access_key(home, BOB)
    running = KmsServer(home)
    try:
        yield running.client(alice_key), running.client(bob_key)
    finally:
        assert running.stop() == 0


def _denied(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as info:
        call(**params)
    error = info.value.response["Error"]
    assert error["Code"] == "AccessDeniedException", error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Message"])


def _records(home: Path, key_arn: str) -> list[dict[str, Any]]:
    from kmskit.keystore import open_audit_log

    with open_audit_log(home) as log:
        assert log.verify().ok
        return [r.to_dict() for r in log.records() if r.key_arn == key_arn]


def test_a_grant_lets_bob_generate_data_keys_only_with_purpose_test(
    clients: tuple[Any, Any], home: Path
) -> None:
    alice, bob = clients
    key = alice.create_key(Policy=json.dumps(ALICE_ONLY))["KeyMetadata"]
    arn = key["Arn"]
    assert json.loads(alice.get_key_policy(KeyId=arn, PolicyName="default")["Policy"]) == (
        ALICE_ONLY
    )
    # Nothing lets Bob in yet: the message names him, the action and the key, as AWS does.
    message = _denied(bob.generate_data_key, KeyId=arn, KeySpec="AES_256")
    assert message == (
        f"User: {BOB} is not authorized to perform: kms:GenerateDataKey on resource: {arn}"
        " because no resource-based policy allows the kms:GenerateDataKey action"
    )

    grant = alice.create_grant(
        KeyId=arn,
        GranteePrincipal=BOB,
        Operations=["GenerateDataKey"],
        Constraints={"EncryptionContextEquals": {"Purpose": "Test"}},
        Name="bob-test",
    )
    assert len(grant["GrantId"]) == 64 and grant["GrantToken"]
    listed = alice.list_grants(KeyId=arn)["Grants"]
    assert len(listed) == 1
    entry = listed[0]
    assert entry["GrantId"] == grant["GrantId"]
    assert entry["KeyId"] == arn
    assert entry["GranteePrincipal"] == BOB
    assert entry["Operations"] == ["GenerateDataKey"]
    assert entry["Constraints"] == {"EncryptionContextEquals": {"Purpose": "Test"}}
    assert entry["IssuingAccount"] == ROOT
    assert entry["Name"] == "bob-test"
    assert entry["CreationDate"].year >= 2024  # a timestamp on the wire, parsed by botocore

    # The grant allows exactly Purpose=Test (keys compare case-insensitively, values not).
    made = bob.generate_data_key(
        KeyId=arn, KeySpec="AES_256", EncryptionContext={"Purpose": "Test"}
    )
    assert len(made["Plaintext"]) == 32 and made["KeyId"] == arn
    bob.generate_data_key(KeyId=arn, KeySpec="AES_256", EncryptionContext={"purpose": "Test"})
    for context in ({}, {"Purpose": "test"}, {"Purpose": "Prod"},
                    {"Purpose": "Test", "Extra": "x"}):
        _denied(bob.generate_data_key, KeyId=arn, KeySpec="AES_256", EncryptionContext=context)
    # Only the operation granted: Bob may not Decrypt what he made, nor list the grants.
    _denied(
        bob.decrypt,
        CiphertextBlob=made["CiphertextBlob"],
        EncryptionContext={"Purpose": "Test"},
    )
    _denied(bob.list_grants, KeyId=arn)
    # The grant token is good while the grant lives.
    bob.generate_data_key(
        KeyId=arn,
        KeySpec="AES_256",
        EncryptionContext={"Purpose": "Test"},
        GrantTokens=[grant["GrantToken"]],
    )

    # Revoked: it stops working at once, and its token is refused.
    alice.revoke_grant(KeyId=arn, GrantId=grant["GrantId"])
    assert alice.list_grants(KeyId=arn)["Grants"] == []
    _denied(bob.generate_data_key, KeyId=arn, KeySpec="AES_256",
            EncryptionContext={"Purpose": "Test"})
    with pytest.raises(ClientError) as info:
        bob.generate_data_key(
            KeyId=arn,
            KeySpec="AES_256",
            EncryptionContext={"Purpose": "Test"},
            GrantTokens=[grant["GrantToken"]],
        )
    assert info.value.response["Error"]["Code"] == "InvalidGrantTokenException"

    # The audit names who did what and why: the statement or the grant that decided.
    records = _records(home, arn)
    gdk = [r for r in records if r["Operation"] == "GenerateDataKey"]
    allowed = [r for r in gdk if r["Outcome"] == "Success"]
    assert allowed and all(r["Principal"] == BOB for r in allowed)
    assert all(
        r["Authorization"]
        == [{"Action": "kms:GenerateDataKey", "Decision": "Allow",
             "DecidingGrant": grant["GrantId"]}]
        for r in allowed
    )
    refused = [r for r in gdk if r["Outcome"] == "AccessDeniedException"]
    assert len(refused) == 6  # before the grant, four contexts, after the revocation
    assert all(
        r["Principal"] == BOB
        and r["Authorization"] == [{"Action": "kms:GenerateDataKey", "Decision": "ImplicitDeny"}]
        and r["ErrorMessage"].startswith(f"User: {BOB} is not authorized")
        for r in refused
    )
    created = next(r for r in records if r["Operation"] == "CreateGrant")
    assert created["Principal"] == ALICE
    assert created["Authorization"] == [
        {"Action": "kms:CreateGrant", "Decision": "Allow", "DecidingStatement": "AliceAdministers"}
    ]
    revoked = next(r for r in records if r["Operation"] == "RevokeGrant")
    assert revoked["Principal"] == ALICE and revoked["Parameters"]["GrantId"] == grant["GrantId"]


def test_a_deny_on_decrypt_without_example_app_beats_every_allow(
    clients: tuple[Any, Any], home: Path
) -> None:
    alice, bob = clients
    arn = alice.create_key()["KeyMetadata"]["Arn"]
    # The default policy names the account: both may use the key.
    assert json.loads(alice.get_key_policy(KeyId=arn)["Policy"])["Statement"][0]["Principal"] == {
        "AWS": ROOT
    }
    assert alice.list_key_policies(KeyId=arn)["PolicyNames"] == ["default"]
    app = {"AppName": "ExampleApp"}
    other = {"AppName": "Other"}
    with_app = bob.encrypt(KeyId=arn, Plaintext=b"with app", EncryptionContext=app)
    without = bob.encrypt(KeyId=arn, Plaintext=b"no app")
    with_other = bob.encrypt(KeyId=arn, Plaintext=b"other", EncryptionContext=other)
    assert bob.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"] == b"no app"

    alice.put_key_policy(KeyId=arn, PolicyName="default",
                         Policy=json.dumps(DENY_DECRYPT_WITHOUT_APP))
    # A grant to Bob for Decrypt, unconstrained: one more Allow, which the Deny still beats.
    alice.create_grant(KeyId=arn, GranteePrincipal=BOB, Operations=["Decrypt"])

    for client, who in ((alice, ALICE), (bob, BOB)):
        got = client.decrypt(CiphertextBlob=with_app["CiphertextBlob"], EncryptionContext=app)
        assert got["Plaintext"] == b"with app" and got["KeyId"] == arn
        message = _denied(client.decrypt, CiphertextBlob=without["CiphertextBlob"])
        assert message == (
            f"User: {who} is not authorized to perform: kms:Decrypt on resource: {arn}"
            " with an explicit deny in a resource-based policy"
        )
        _denied(client.decrypt, CiphertextBlob=with_other["CiphertextBlob"],
                EncryptionContext=other)
        # Naming the key changes nothing; other operations are not denied.
        _denied(client.decrypt, CiphertextBlob=without["CiphertextBlob"], KeyId=arn)
        client.encrypt(KeyId=arn, Plaintext=b"still", EncryptionContext=other)
    # ReEncrypt decrypts too, but its action is kms:ReEncryptFrom: the Deny names Decrypt only.
    moved = bob.re_encrypt(CiphertextBlob=without["CiphertextBlob"], DestinationKeyId=arn,
                           DestinationEncryptionContext=app)
    assert bob.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext=app)[
        "Plaintext"
    ] == b"no app"

    decrypts = [r for r in _records(home, arn) if r["Operation"] == "Decrypt"]
    denied = [r for r in decrypts if r["Outcome"] == "AccessDeniedException"]
    assert {r["Principal"] for r in denied} == {ALICE, BOB}
    assert all(
        r["Authorization"] == [{"Action": "kms:Decrypt", "Decision": "ExplicitDeny",
                                "DecidingStatement": "DenyDecryptWithoutExampleApp"}]
        for r in denied
    )
    ok = [r for r in decrypts if r["Outcome"] == "Success"]
    by_bob = [r for r in ok if r["Principal"] == BOB]
    assert by_bob[0]["Authorization"][0]["DecidingStatement"] == "Enable IAM User Permissions"


def test_put_key_policy_refuses_a_lockout_and_bad_documents(clients: tuple[Any, Any]) -> None:
    alice, bob = clients
    arn = alice.create_key(Policy=json.dumps(ALICE_ONLY))["KeyMetadata"]["Arn"]
    bob_only = json.loads(json.dumps(ALICE_ONLY).replace(ALICE, BOB))
    with pytest.raises(ClientError) as info:
        alice.put_key_policy(KeyId=arn, PolicyName="default", Policy=json.dumps(bob_only))
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert "will not allow you to update the key policy" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        alice.put_key_policy(KeyId=arn, PolicyName="default", Policy="{not json")
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
    # Bob may not even try.
    _denied(bob.put_key_policy, KeyId=arn, PolicyName="default", Policy=json.dumps(bob_only))
    # Bypassed, the lockout happens: Alice is out, Bob is in.
    alice.put_key_policy(KeyId=arn, PolicyName="default", Policy=json.dumps(bob_only),
                         BypassPolicyLockoutSafetyCheck=True)
    _denied(alice.describe_key, KeyId=arn)
    assert bob.describe_key(KeyId=arn)["KeyMetadata"]["Arn"] == arn


def test_retiring_principal_retires_and_lists_retirable_grants(clients: tuple[Any, Any]) -> None:
    alice, bob = clients
    arn = alice.create_key(Policy=json.dumps(ALICE_ONLY))["KeyMetadata"]["Arn"]
    grant = alice.create_grant(
        KeyId=arn, GranteePrincipal=BOB, RetiringPrincipal=BOB, Operations=["Encrypt"]
    )
    retirable = alice.list_retirable_grants(RetiringPrincipal=BOB)["Grants"]
    assert grant["GrantId"] in [g["GrantId"] for g in retirable]
    bob.encrypt(KeyId=arn, Plaintext=b"x")
    bob.retire_grant(GrantToken=grant["GrantToken"])
    _denied(bob.encrypt, KeyId=arn, Plaintext=b"x")
    assert alice.list_grants(KeyId=arn)["Grants"] == []
