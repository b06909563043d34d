"""Key policies and grants on a real keystore: CreateGrant and its rules, idempotency, the
grant lists, retiring and revoking (who may, and that it takes effect at once), grant
tokens, PutKeyPolicy/GetKeyPolicy/ListKeyPolicies, and Keystore.authorize."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from kmskit.keystore import Keystore
from kmskit.keystore.policy_evaluation import Outcome
from kmskit.keystore.policy_principals import IamMapping
from kmskit.offline.errors import (
    AccessDeniedException,
    InvalidGrantIdException,
    InvalidGrantTokenException,
    InvalidMarkerException,
    KMSInvalidStateException,
    MalformedPolicyDocumentException,
    NotFoundException,
    ValidationException,
)

ACCOUNT = "111122223333"  # HomeConfig's default account
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/Alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/Bob"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/App"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/App/i-1"


@pytest.fixture
def strict(ks: Keystore) -> Iterator[Keystore]:
    """A keystore whose absent IAM allows nothing: only policies and grants decide."""
    ks.iam_mapping = IamMapping.ROOT_ONLY
    yield ks


def _gdk(ks: Keystore, key_id: str, principal: str, context: dict[str, str],
         **extra: Any) -> Outcome:
    request = {"KeyId": key_id, "EncryptionContext": context, **extra}
    (decision,) = ks.authorize("GenerateDataKey", request, principal=principal)
    return decision.outcome


def test_create_grant_and_list(ks: Keystore) -> None:
    key = ks.create_key()
    result = ks.create_grant(
        key.key_id, BOB, ["GenerateDataKey", "Decrypt"], retiring_principal=ALICE,
        constraints={"EncryptionContextEquals": {"Purpose": "Test"}}, name="bob-test",
    )
    assert re.fullmatch(r"[0-9a-f]{64}", result.grant_id)
    assert result.to_response() == {"GrantToken": result.grant_token, "GrantId": result.grant_id}
    page = ks.list_grants(key.arn)
    (entry,) = page.to_response()["Grants"]
    assert page.to_response()["Truncated"] is False
    assert entry["GrantId"] == result.grant_id and entry["KeyId"] == key.arn
    assert entry["GranteePrincipal"] == BOB and entry["RetiringPrincipal"] == ALICE
    assert entry["Operations"] == ["GenerateDataKey", "Decrypt"]
    assert entry["Constraints"] == {"EncryptionContextEquals": {"Purpose": "Test"}}
    assert entry["IssuingAccount"] == ROOT and entry["Name"] == "bob-test"
    records = [r for r in ks.audit.records() if r.operation == "CreateGrant"]
    assert records[-1].parameters["GrantId"] == result.grant_id
    assert result.grant_token not in json.dumps([r.to_dict() for r in ks.audit.records()])


def test_create_grant_is_idempotent_by_name_and_parameters(ks: Keystore) -> None:
    key = ks.create_key()
    first = ks.create_grant(key.key_id, BOB, ["Encrypt", "Decrypt"], name="n1")
    again = ks.create_grant(key.key_id, BOB, ["Decrypt", "Encrypt"], name="n1")
    assert again.grant_id == first.grant_id and again.grant_token != first.grant_token
    other = ks.create_grant(key.key_id, BOB, ["Decrypt"], name="n1")
    unnamed = [ks.create_grant(key.key_id, BOB, ["Decrypt"]) for _ in range(2)]
    ids = {first.grant_id, other.grant_id, *(u.grant_id for u in unnamed)}
    assert len(ids) == 4
    assert len(ks.list_grants(key.key_id).grants) == 4
    # Both tokens of the idempotent grant work.
    for token in (first.grant_token, again.grant_token):
        ks.authorize("DescribeKey", {"KeyId": key.key_id, "GrantTokens": [token]})


@pytest.mark.parametrize(
    ("spec", "usage", "kwargs", "message"),
    [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"operations": ["Sign"]}, "not valid for"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"operations": ["Dance"]}, "not a grant"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"operations": []}, "non-empty"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"grantee": "Bob"}, "GranteePrincipal"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"retiring": "*"}, "RetiringPrincipal"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"name": "bad name"}, "Name"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"name": "x" * 257}, "Name"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
         {"constraints": {"EncryptionContextEquals": {"a": "1"},
                          "EncryptionContextSubset": {"b": "2"}}}, "not both"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
         {"constraints": {"EncryptionContextSubset": {str(i): "v" for i in range(9)}}}, "8"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
         {"constraints": {"EncryptionContextSubset": {"a": "v" * 385}}}, "384"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
         {"constraints": {"EncryptionContextSubset": {"a": "1", "A": "2"}}}, "case"),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
         {"constraints": {"KeyContext": {"a": "1"}}}, "'KeyContext'"),
        ("HMAC_256", "GENERATE_VERIFY_MAC",
         {"operations": ["GenerateMac"], "constraints": {"EncryptionContextEquals": {"a": "1"}}},
         "symmetric encryption key"),
        ("HMAC_256", "GENERATE_VERIFY_MAC", {"operations": ["Encrypt"]}, "not valid for"),
        ("ECC_NIST_P256", "SIGN_VERIFY", {"operations": ["Decrypt"]}, "not valid for"),
        ("RSA_2048", "ENCRYPT_DECRYPT", {"operations": ["GenerateDataKey"]}, "not valid for"),
    ],
)
def test_create_grant_validation(
    ks: Keystore, spec: str, usage: str, kwargs: dict[str, Any], message: str
) -> None:
    key = ks.create_key(key_spec=spec, key_usage=usage)
    with pytest.raises(ValidationException, match=message):
        ks.create_grant(
            key.key_id,
            kwargs.get("grantee", BOB),
            kwargs.get("operations", ["Decrypt"]),
            retiring_principal=kwargs.get("retiring"),
            constraints=kwargs.get("constraints"),
            name=kwargs.get("name"),
        )
    assert ks.list_grants(key.key_id).grants == ()


def test_grants_suit_each_key_type(ks: Keystore) -> None:
    signing = ks.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    ks.create_grant(signing.key_id, BOB, ["Sign", "Verify", "GetPublicKey", "DescribeKey"])
    hmac_key = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
    ks.create_grant(hmac_key.key_id, BOB, ["GenerateMac", "VerifyMac", "RetireGrant"])
    agreement = ks.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    ks.create_grant(agreement.key_id, BOB, ["DeriveSharedSecret", "CreateGrant"])


def test_issue_scenario_grant_for_purpose_test(strict: Keystore) -> None:
    """Issue 12: a grant lets Bob GenerateDataKey only with Purpose=Test; revoking it stops
    it at once, tokens included."""
    key = strict.create_key()
    with pytest.raises(AccessDeniedException) as denied:
        _gdk(strict, key.key_id, BOB, {"Purpose": "Test"})
    assert str(denied.value) == (
        f"User: {BOB} is not authorized to perform: kms:GenerateDataKey on resource: {key.arn}"
        " because no resource-based policy allows the kms:GenerateDataKey action"
    )
    grant = strict.create_grant(
        key.key_id, BOB, ["GenerateDataKey"],
        constraints={"EncryptionContextEquals": {"Purpose": "Test"}},
    )
    assert _gdk(strict, key.key_id, BOB, {"Purpose": "Test"}) is Outcome.ALLOW
    assert _gdk(strict, key.key_id, BOB, {"Purpose": "Test"},
                GrantTokens=[grant.grant_token]) is Outcome.ALLOW
    (decision,) = strict.authorize(
        "GenerateDataKey", {"KeyId": key.arn, "EncryptionContext": {"Purpose": "Test"}},
        principal=BOB,
    )
    assert decision.grant_id == grant.grant_id
    assert decision.audit_fields() == {"Decision": "Allow", "DecidingGrant": grant.grant_id}
    for context in ({"Purpose": "Prod"}, {}, {"Purpose": "Test", "More": "x"}):
        with pytest.raises(AccessDeniedException):
            _gdk(strict, key.key_id, BOB, context)
    strict.revoke_grant(key.key_id, grant.grant_id)
    with pytest.raises(AccessDeniedException):
        _gdk(strict, key.key_id, BOB, {"Purpose": "Test"})
    with pytest.raises(InvalidGrantTokenException):
        _gdk(strict, key.key_id, BOB, {"Purpose": "Test"}, GrantTokens=[grant.grant_token])
    assert strict.list_grants(key.key_id).grants == ()


def test_issue_scenario_explicit_deny(strict: Keystore) -> None:
    """Issue 12: a Deny on Decrypt without AppName=ExampleApp beats the root's Allow."""
    key = strict.create_key()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Deny without ExampleApp", "Effect": "Deny", "Principal": "*",
             "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringNotEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}}},
        ],
    }
    strict.put_key_policy(key.key_id, json.dumps(policy))
    strict.create_grant(key.key_id, BOB, ["Decrypt"])
    for principal in (ROOT, BOB):
        with pytest.raises(AccessDeniedException, match="with an explicit deny"):
            strict.authorize("Decrypt", {"KeyId": key.key_id}, principal=principal)
    (decision,) = strict.authorize(
        "Decrypt", {"KeyId": key.key_id, "EncryptionContext": {"AppName": "ExampleApp"}},
        principal=BOB,
    )
    assert decision.outcome is Outcome.ALLOW and decision.grant_id is not None


def test_retire_rules(strict: Keystore) -> None:
    key = strict.create_key()
    plain = strict.create_grant(key.key_id, BOB, ["Decrypt"], retiring_principal=ALICE)
    with pytest.raises(AccessDeniedException, match="kms:RetireGrant"):
        strict.retire_grant(key_id=key.key_id, grant_id=plain.grant_id, principal=BOB)
    strict.retire_grant(key_id=key.arn, grant_id=plain.grant_id, principal=ALICE)
    retirable = strict.create_grant(key.key_id, APP_ROLE, ["Decrypt", "RetireGrant"])
    strict.retire_grant(grant_token=retirable.grant_token, principal=APP_SESSION)
    third = strict.create_grant(key.key_id, BOB, ["Decrypt"])
    with pytest.raises(AccessDeniedException):
        strict.retire_grant(grant_token=third.grant_token, principal=ALICE)
    strict.retire_grant(grant_token=third.grant_token)  # the account root
    assert strict.list_grants(key.key_id).grants == ()
    records = [r for r in strict.audit.records() if r.operation == "RetireGrant"]
    assert [r.outcome for r in records] == [
        "AccessDeniedException", "Success", "Success", "AccessDeniedException", "Success"
    ]
    assert [r.parameters.get("RetiredBy") for r in records if r.outcome == "Success"] == [
        "RetiringPrincipal", "GranteePrincipal", "IssuingAccount"
    ]


def test_retire_and_revoke_errors(ks: Keystore) -> None:
    key = ks.create_key()
    other = ks.create_key()
    grant = ks.create_grant(key.key_id, BOB, ["Decrypt"])
    with pytest.raises(InvalidGrantIdException):
        ks.revoke_grant(key.key_id, "not-a-grant-id")
    with pytest.raises(NotFoundException):
        ks.revoke_grant(other.key_id, grant.grant_id)
    with pytest.raises(InvalidGrantTokenException):
        ks.retire_grant(grant_token="AAAA")
    with pytest.raises(ValidationException, match="GrantToken, or KeyId and GrantId"):
        ks.retire_grant(grant_id=grant.grant_id)
    with pytest.raises(ValidationException, match="does not match"):
        ks.retire_grant(grant_token=grant.grant_token, grant_id="0" * 64)
    ks.revoke_grant(key.key_id, grant.grant_id)
    with pytest.raises(NotFoundException):
        ks.revoke_grant(key.key_id, grant.grant_id)


def test_grant_tokens_are_checked(ks: Keystore) -> None:
    key = ks.create_key()
    with pytest.raises(InvalidGrantTokenException):
        ks.authorize("Encrypt", {"KeyId": key.key_id, "GrantTokens": ["forged"]})
    with pytest.raises(ValidationException, match="at most 10"):
        ks.authorize("Encrypt", {"KeyId": key.key_id, "GrantTokens": ["x"] * 11})
    with pytest.raises(InvalidGrantTokenException):
        ks.create_grant(key.key_id, BOB, ["Decrypt"], grant_tokens=["forged"])


def test_list_grants_pages_and_filters(ks: Keystore, clock: Any) -> None:
    key = ks.create_key()
    made = []
    for grantee in (BOB, ALICE, BOB):
        made.append(ks.create_grant(key.key_id, grantee, ["Decrypt"]).grant_id)
        clock.advance(seconds=1)
    first = ks.list_grants(key.key_id, limit=2)
    assert [g.grant_id for g in first.grants] == made[:2] and first.next_marker
    rest = ks.list_grants(key.key_id, limit=2, marker=first.next_marker)
    assert [g.grant_id for g in rest.grants] == made[2:] and rest.next_marker is None
    assert [g.grant_id for g in ks.list_grants(key.key_id, grantee_principal=ALICE).grants] == [
        made[1]
    ]
    assert [g.grant_id for g in ks.list_grants(key.key_id, grant_id=made[2]).grants] == [made[2]]
    with pytest.raises(InvalidMarkerException):
        ks.list_grants(key.key_id, marker="bogus")
    with pytest.raises(ValidationException):
        ks.list_grants(key.key_id, limit=101)


def test_list_retirable_grants(ks: Keystore) -> None:
    one, two = ks.create_key(), ks.create_key()
    a = ks.create_grant(one.key_id, BOB, ["Decrypt"], retiring_principal=ALICE)
    b = ks.create_grant(two.key_id, BOB, ["Encrypt"], retiring_principal=ALICE)
    ks.create_grant(two.key_id, BOB, ["Encrypt"], retiring_principal=BOB)
    page = ks.list_retirable_grants(ALICE)
    assert {(g.grant_id, g.key_arn) for g in page.grants} == {
        (a.grant_id, one.arn), (b.grant_id, two.arn)
    }
    with pytest.raises(ValidationException):
        ks.list_retirable_grants("Alice")


def test_deleting_a_key_deletes_its_grants(ks: Keystore, clock: Any) -> None:
    key = ks.create_key()
    ks.create_grant(key.key_id, BOB, ["Decrypt"], retiring_principal=ALICE)
    ks.schedule_key_deletion(key.key_id, pending_window_in_days=7)
    with pytest.raises(KMSInvalidStateException):
        ks.create_grant(key.key_id, BOB, ["Decrypt"])
    clock.advance(days=8)
    ks.purge_expired_keys()
    assert ks.list_retirable_grants(ALICE).grants == ()


def test_key_policy_operations(ks: Keystore) -> None:
    key = ks.create_key()
    default = ks.get_key_policy(key.key_id)
    assert default.policy_name == "default"
    assert json.loads(default.policy)["Statement"][0]["Principal"] == {"AWS": ROOT}
    assert ks.list_key_policies(key.key_id).to_response() == {
        "PolicyNames": ["default"], "Truncated": False
    }
    document = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Alice", "Effect": "Allow", "Principal": {"AWS": ALICE},
                       "Action": "kms:*", "Resource": "*"}],
    })
    # The root would lock itself out.
    with pytest.raises(MalformedPolicyDocumentException, match="will not allow you"):
        ks.put_key_policy(key.key_id, document)
    ks.put_key_policy(key.key_id, document, principal=ALICE)
    assert ks.get_key_policy(key.arn, policy_name="default").policy == document
    with pytest.raises(NotFoundException):
        ks.get_key_policy(key.key_id, policy_name="other")
    with pytest.raises(MalformedPolicyDocumentException, match="not valid JSON"):
        ks.put_key_policy(key.key_id, "{", principal=ALICE)
    ks.put_key_policy(key.key_id, document.replace(ALICE, BOB),
                      bypass_policy_lockout_safety_check=True, principal=ALICE)
    with pytest.raises(AccessDeniedException):
        ks.authorize("Encrypt", {"KeyId": key.key_id}, principal=ALICE)
    ks.authorize("Encrypt", {"KeyId": key.key_id}, principal=BOB)
    assert ks.key_policy(key.key_id).statements[0].sid == "Alice"


def test_authorize_account_actions_and_reencrypt(ks: Keystore) -> None:
    source, target = ks.create_key(), ks.create_key()
    (decision,) = ks.authorize("CreateKey", {}, principal=ALICE)
    assert decision.statement == "IAM"
    with pytest.raises(AccessDeniedException):
        ks.authorize("ListKeys", {}, principal="arn:aws:iam::444455556666:user/Eve")
    decisions = ks.authorize(
        "ReEncrypt", {"DestinationKeyId": target.key_id}, keys={"SourceKeyId": source.arn}
    )
    assert [d.statement for d in decisions] == ["Enable IAM User Permissions"] * 2
    with pytest.raises(ValidationException, match="needs KeyId"):
        ks.authorize("Decrypt", {})
    with pytest.raises(ValidationException, match="not an IAM principal"):
        ks.authorize("Decrypt", {"KeyId": source.key_id}, principal="Bob")
    ks.iam_mapping = IamMapping.ROOT_ONLY
    with pytest.raises(AccessDeniedException):
        ks.authorize("CreateKey", {}, principal=ALICE)


def test_a_version_2_store_is_upgraded(home: Any, clock: Any) -> None:
    import sqlite3

    from kmskit.keystore import open_keystore
    from kmskit.keystore.policy_context import KeyFacts

    with open_keystore(home, clock=clock) as store:
        key = store.create_key()
    conn = sqlite3.connect(home / "keystore.db")
    with conn:
        for table in ("grant_tokens", "grants", "key_policies"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("PRAGMA user_version = 3")
    conn.close()
    with open_keystore(home, clock=clock) as store:
        assert json.loads(store.get_key_policy(key.key_id).policy)["Id"] == "key-default-1"
        store.create_grant(key.key_id, BOB, ["Decrypt"])
        assert len(store.list_grants(key.key_id).grants) == 1
        facts = KeyFacts.from_metadata(store.describe_key(key.key_id))
        assert facts.arn == key.arn and facts.account == ACCOUNT
    conn = sqlite3.connect(home / "keystore.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    conn.close()


def test_authorize_inside_an_operation_transaction(ks: Keystore) -> None:
    key = ks.create_key()
    conn = ks._connection()
    conn.execute("BEGIN IMMEDIATE")
    try:
        (decision,) = ks.authorize("Encrypt", {"KeyId": key.key_id}, principal=ALICE)
        assert decision.allowed and conn.in_transaction
    finally:
        conn.rollback()


def test_the_issuing_account_may_retire(strict: Keystore) -> None:
    key = strict.create_key()
    foreign_root = "arn:aws:iam::444455556666:root"
    # A grant created by another account's principal: that account may retire it, and the
    # key's own account (not its issuer) may not, except through the grant's principals.
    grant = strict.create_grant(key.key_id, BOB, ["Decrypt"], principal=foreign_root)
    (entry,) = strict.list_grants(key.key_id).grants
    assert entry.issuing_account == foreign_root
    with pytest.raises(AccessDeniedException):
        strict.retire_grant(key_id=key.key_id, grant_id=grant.grant_id)
    strict.retire_grant(key_id=key.key_id, grant_id=grant.grant_id, principal=foreign_root)


def test_an_alibaba_home(home: Any, clock: Any) -> None:
    from kmskit.keystore import init_home, open_keystore

    init_home(home, partition="acs", region="cn-hangzhou", account_id="1234567890123456",
              naming="alibaba", clock=clock)
    with open_keystore(home, clock=clock) as store:
        key = store.create_key(key_spec="Aliyun_SM4")
        user = "arn:acs:iam::1234567890123456:user/Li"
        (decision,) = store.authorize("Encrypt", {"KeyId": key.key_id}, principal=user)
        assert decision.statement == "Enable IAM User Permissions"
        policy = json.loads(store.get_key_policy(key.key_id).policy)
        assert policy["Statement"][0]["Principal"] == {"AWS": "arn:acs:iam::1234567890123456:root"}
        grant = store.create_grant(key.key_id, user, ["Encrypt"],
                                   constraints={"EncryptionContextSubset": {"app": "x"}})
        store.retire_grant(grant_token=grant.grant_token, principal=user.replace("Li", "Wang"))


def test_grant_operations_are_the_kms_apis() -> None:
    """The known answer is botocore's copy of the KMS service model (its GrantOperation enum)."""
    import botocore.session

    from kmskit.keystore._grant_operations import GRANT_OPERATIONS
    from kmskit.keystore.api_table import operation_named
    from kmskit.offline.errors import UnsupportedOperationException

    model = botocore.session.get_session().get_service_model("kms")
    kms = set(model.shape_for("GrantOperation").enum)
    assert set(GRANT_OPERATIONS) <= kms
    # What KMS has and kmskit's grants lack are operations the keystore does not offer at all
    # (ML-KEM Encapsulate/Decapsulate in newer models).
    for missing in kms - set(GRANT_OPERATIONS):
        with pytest.raises(UnsupportedOperationException):
            operation_named(missing)
