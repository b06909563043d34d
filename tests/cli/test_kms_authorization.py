"""``kmskit kms`` as a principal: ``--principal`` / ``KMSKIT_PRINCIPAL`` / the account root,
the key policy and grant operations, and refusals as the AWS CLI prints them (exit 254).

Expected answers come from the KMS API Reference (PutKeyPolicy's lockout message,
AccessDeniedException's message shape, GetKeyPolicy's default policy) and the AWS CLI's
output and exit codes; flags are checked against botocore's model in test_kms_args.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli._kms import Kms
from tests.cli._runner import assert_one_line_error, kmskit, ok

ACCOUNT = "111122223333"  # the home's default account id (docs/keystore.md)
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ALICE_ONLY = json.dumps(
    {
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
)


@pytest.fixture
def kms(tmp_path: Path) -> Kms:
    return Kms(tmp_path / "home")


def _audit(kms: Kms) -> list[dict[str, object]]:
    out = ok(kmskit("audit", "list", "--home", kms.home, env={"KMSKIT_PASSPHRASE": None})).out
    return [json.loads(line) for line in out.splitlines()]


def test_the_default_principal_is_the_account_root_and_is_audited(kms: Kms) -> None:
    key_id = kms.key()
    policy = json.loads(kms.json("get-key-policy", "--key-id", key_id)["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": ROOT},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    # paged as the AWS CLI pages it (Truncated only with --no-paginate)
    assert kms.json("list-key-policies", "--key-id", key_id) == {"PolicyNames": ["default"]}
    assert kms.json("list-key-policies", "--key-id", key_id, "--no-paginate") == {
        "PolicyNames": ["default"],
        "Truncated": False,
    }
    records = [r for r in _audit(kms) if r["Operation"] == "GetKeyPolicy"]
    assert records[0]["Principal"] == ROOT
    assert records[0]["Authorization"] == [
        {
            "Action": "kms:GetKeyPolicy",
            "Decision": "Allow",
            "DecidingStatement": "Enable IAM User Permissions",
        }
    ]


def test_create_key_policy_lockout_and_principal_flag(kms: Kms, work: Path) -> None:
    (work / "policy.json").write_text(ALICE_ONLY)
    # As the root, a policy naming only Alice would lock the caller out.
    refused = kms("create-key", "--policy", "file://policy.json")
    message = assert_one_line_error(refused, 254, "MalformedPolicyDocumentException")
    assert message == (
        "The new key policy will not allow you to update the key policy in the future."
    )
    assert "CreateKey operation" in refused.stderr
    # As Alice (the group's --principal, or the operation's, as the AWS CLI's globals) it is
    # fine; so it is for the root with the check bypassed.
    key_id = ok(
        kmskit("kms", "--principal", ALICE, "create-key", "--home", kms.home,
               "--policy", "file://policy.json")
    ).json()["KeyMetadata"]["KeyId"]
    kms.key("--policy", "file://policy.json", "--bypass-policy-lockout-safety-check")
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    denied = kms("describe-key", "--key-id", key_id)
    assert assert_one_line_error(denied, 254, "AccessDeniedException") == (
        f"User: {ROOT} is not authorized to perform: kms:DescribeKey on resource: {arn}"
        " because no resource-based policy allows the kms:DescribeKey action"
    )
    assert "when calling the DescribeKey operation" in denied.stderr
    described = kms.json("describe-key", "--key-id", key_id, "--principal", ALICE)
    assert described["KeyMetadata"]["Arn"] == arn
    as_env = Kms(kms.home, env={"KMSKIT_PRINCIPAL": ALICE})
    assert json.loads(as_env.json("get-key-policy", "--key-id", key_id)["Policy"]) == json.loads(
        ALICE_ONLY
    )
    # --principal wins over KMSKIT_PRINCIPAL
    assert_one_line_error(
        as_env("describe-key", "--key-id", key_id, "--principal", BOB), 254,
        "AccessDeniedException",
    )
    refusals = [r for r in _audit(kms) if r["Outcome"] == "AccessDeniedException"]
    assert [r["Principal"] for r in refusals] == [ROOT, BOB]
    assert all(r["KeyArn"] == arn for r in refusals)


def test_a_bad_principal_is_one_line(kms: Kms) -> None:
    kms.key()
    result = kms("list-keys", "--principal", "alice")
    assert "'alice' is not an IAM principal ARN" in assert_one_line_error(
        result, 254, "ValidationException"
    )


def test_put_key_policy_and_malformed_documents(kms: Kms, work: Path) -> None:
    key_id = kms.key()
    bad = kms("put-key-policy", "--key-id", key_id, "--policy", "{nope")
    assert_one_line_error(bad, 254, "MalformedPolicyDocumentException")
    not_default = kms("get-key-policy", "--key-id", key_id, "--policy-name", "other")
    assert_one_line_error(not_default, 254, "NotFoundException")
    (work / "policy.json").write_text(ALICE_ONLY)
    ok(kms("put-key-policy", "--key-id", key_id, "--policy-name", "default",
           "--policy", "file://policy.json", "--bypass-policy-lockout-safety-check"))
    assert kms("get-key-policy", "--key-id", key_id).code == 254  # the root is out now
    got = kms.json("get-key-policy", "--key-id", key_id, "--principal", ALICE,
                   "--query", "Policy", "--output", "text")
    assert got == json.loads(ALICE_ONLY)  # the document itself, printed as text


def test_grants_from_the_command_line(kms: Kms) -> None:
    key_id = kms.key()
    (work_policy := kms.home.parent / "alice.json").write_text(ALICE_ONLY)
    ok(kms("put-key-policy", "--key-id", key_id, "--policy", f"file://{work_policy}",
           "--bypass-policy-lockout-safety-check"))
    as_alice = Kms(kms.home, env={"KMSKIT_PRINCIPAL": ALICE})
    as_bob = Kms(kms.home, env={"KMSKIT_PRINCIPAL": BOB})
    created = as_alice.json(
        "create-grant",
        "--key-id", key_id,
        "--grantee-principal", BOB,
        "--retiring-principal", ALICE,
        "--operations", "GenerateDataKey", "DescribeKey",
        "--constraints", "EncryptionContextEquals={Purpose=Test}",
        "--name", "bob-test",
    )
    assert set(created) == {"GrantId", "GrantToken"}
    grants = as_alice.json("list-grants", "--key-id", key_id)["Grants"]
    assert [(g["GrantId"], g["GranteePrincipal"], g["Operations"], g["Constraints"])
            for g in grants] == [
        (created["GrantId"], BOB, ["GenerateDataKey", "DescribeKey"],
         {"EncryptionContextEquals": {"Purpose": "Test"}})
    ]
    retirable = as_alice.json("list-retirable-grants", "--retiring-principal", ALICE)
    assert [g["GrantId"] for g in retirable["Grants"]] == [created["GrantId"]]

    made = as_bob.json("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256",
                       "--encryption-context", "Purpose=Test")
    assert made["KeyId"].endswith(key_id)
    wrong = as_bob("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256",
                   "--encryption-context", "Purpose=Prod")
    assert_one_line_error(wrong, 254, "AccessDeniedException")
    # A grant token must name a live grant.
    bad = as_bob("describe-key", "--key-id", key_id, "--grant-tokens", "not-a-token")
    assert_one_line_error(bad, 254, "InvalidGrantTokenException")
    ok(as_bob("describe-key", "--key-id", key_id, "--grant-tokens", created["GrantToken"]))
    # Grant ids are 64 hex digits.
    malformed = as_alice("revoke-grant", "--key-id", key_id, "--grant-id", "xyz")
    assert_one_line_error(malformed, 254, "InvalidGrantIdException")
    # Carol (another account) is neither the retiring principal, nor the grantee, nor of
    # the account the grant was made in (under the "account" IAM mapping Bob would be).
    carol = "arn:aws:iam::444455556666:user/carol"
    assert_one_line_error(
        as_bob("retire-grant", "--grant-token", created["GrantToken"], "--principal", carol),
        254,
        "AccessDeniedException",
    )
    ok(as_alice("retire-grant", "--key-id", key_id, "--grant-id", created["GrantId"]))
    assert as_alice.json("list-grants", "--key-id", key_id)["Grants"] == []
    gone = as_bob("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256",
                  "--encryption-context", "Purpose=Test")
    assert_one_line_error(gone, 254, "AccessDeniedException")

    second = as_alice.json("create-grant", "--key-id", key_id, "--grantee-principal", BOB,
                           "--operations", "DescribeKey")
    ok(as_alice("revoke-grant", "--key-id", key_id, "--grant-id", second["GrantId"]))
    assert_one_line_error(as_bob("describe-key", "--key-id", key_id), 254,
                          "AccessDeniedException")
    records = _audit(kms)
    retired = next(r for r in records if r["Operation"] == "RetireGrant"
                   and r["Outcome"] == "Success")
    assert retired["Principal"] == ALICE
    assert retired["Authorization"] == [
        {"Action": "kms:RetireGrant", "DecidingGrant": created["GrantId"], "Decision": "Allow"}
    ]
