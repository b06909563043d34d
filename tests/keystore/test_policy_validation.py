"""Key policy validation: what PutKeyPolicy refuses, and that the error names it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmskit.keystore.policy_context import KeyFacts
from kmskit.keystore.policy_defaults import (
    ALIBABA_ADMINISTRATOR_ACTIONS,
    ALIBABA_USER_ACTIONS,
    alibaba_role_policy,
    check_lockout,
    default_key_policy,
)
from kmskit.keystore.policy_document import MAX_POLICY_BYTES, parse_key_policy
from kmskit.keystore.policy_principals import IamMapping, Principal
from kmskit.offline.errors import MalformedPolicyDocumentException

ACCOUNT = "111122223333"
KEY = KeyFacts(
    f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "SYMMETRIC_DEFAULT",
    "ENCRYPT_DECRYPT",
    "AWS_KMS",
)
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/Alice"


def _statement(**overrides: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": "S1",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:*",
        "Resource": "*",
    }
    for name, value in overrides.items():
        if value is None:
            statement.pop(name, None)
        else:
            statement[name] = value
    return statement


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _refused(document: str, *fragments: str) -> None:
    with pytest.raises(MalformedPolicyDocumentException) as info:
        parse_key_policy(document)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert info.value.code == "MalformedPolicyDocumentException"


def test_the_default_policy_parses_and_allows_the_root() -> None:
    policy = parse_key_policy(default_key_policy(ACCOUNT))
    (statement,) = policy.statements
    assert statement.sid == "Enable IAM User Permissions"
    assert statement.principals == (("AWS", ROOT),)
    assert statement.actions == ("kms:*",)


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        ("", ("non-empty",)),
        ("{", ("not valid JSON",)),
        ("[]", ("JSON object",)),
        ('{"Statement": []}', ("Statement",)),
        ('{"Version": "2012-10-17"}', ("Statement",)),
        ('{"Version": "2020-01-01", "Statement": {}}', ("Version",)),
        ('{"Statement": [], "Extra": 1}', ("'Extra'",)),
        ('{"Id": 5, "Statement": []}', ("Id",)),
        ('{"Statement": [1]}', ("Statement[0]", "object")),
        ('{"Statement": {"Effect": "Allow"}, "Statement": {}}', ("'Statement' twice",)),
    ],
)
def test_document_shape(document: str, fragments: tuple[str, ...]) -> None:
    _refused(document, *fragments)


def test_size_limit_is_32_kb() -> None:
    base = _policy(_statement(Sid="x"))
    padded = base.replace('"x"', '"' + "x" * (MAX_POLICY_BYTES - len(base) + 1) + '"')
    assert len(padded) == MAX_POLICY_BYTES
    parse_key_policy(padded)
    _refused(padded.replace('"xx', '"xxx'), "over 32768 bytes")


def test_characters_outside_latin1_are_refused() -> None:
    # KMS checks the document's own characters (Key policy format); a JSON escape is ASCII.
    raw = json.dumps({"Statement": _statement(Sid="caf\u00e9 \u2603")}, ensure_ascii=False)
    _refused(raw, "character", "\u2603")
    _refused(raw.replace("\u2603", "\x07"), "character")
    parse_key_policy(raw.replace(" \u2603", ""))


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"Effect": "allow"}, ("'S1'", "Effect")),
        ({"Effect": None}, ("Effect",)),
        ({"Principal": None}, ("needs a Principal",)),
        ({"NotPrincipal": {"AWS": ROOT}, "Principal": None}, ("NotPrincipal is not supported",)),
        ({"Principal": {"Federated": "cognito-identity.amazonaws.com"}}, ("'Federated'",)),
        ({"Principal": {"AWS": "arn:aws:iam::11112222333x:root"}}, ("11112222333x",)),
        ({"Principal": {"AWS": "arn:aws:iam::111122223333:group/G"}}, ("group/G",)),
        ({"Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}}, ("wildcard",)),
        ({"Principal": {"AWS": []}}, ("Principal AWS",)),
        ({"Principal": "someone"}, ("Principal",)),
        ({"Action": None}, ("Action and NotAction",)),
        ({"NotAction": "kms:Decrypt"}, ("Action and NotAction",)),
        ({"Action": "s3:GetObject"}, ("'s3:GetObject'", "not a KMS action")),
        ({"Action": "kms:Encyrpt"}, ("'kms:Encyrpt'",)),
        ({"Action": "kms:Foo*"}, ("matches no KMS action",)),
        ({"Action": []}, ("Action",)),
        ({"Resource": None}, ("Resource and NotResource",)),
        ({"Resource": "key/1234"}, ("neither",)),
        ({"Sid": 3}, ("Sid",)),
        ({"Condtion": {}}, ("unknown element 'Condtion'",)),
        ({"Condition": {}}, ("Condition",)),
        ({"Condition": {"StringEqualz": {"kms:CallerAccount": ACCOUNT}}}, ("'StringEqualz'",)),
        ({"Condition": {"StringEquals": {"kms:CallerAcount": ACCOUNT}}}, ("'kms:CallerAcount'",)),
        ({"Condition": {"StringEquals": {"aws:SourceIp": "10.0.0.1"}}}, ("'aws:SourceIp'",)),
        ({"Condition": {"StringEquals": {"kms:EncryptionContext:": "x"}}},
         ("unknown condition key",)),
        ({"Condition": {"StringEquals": {"kms:EncryptionContextKeys": "a"}}},
         ("multivalued", "ForAnyValue:StringEquals")),
        ({"Condition": {"StringEquals": {"kms:GrantOperations": "Decrypt"}}}, ("multivalued",)),
        ({"Condition": {"Bool": {"kms:KeySpec": "true"}}}, ("Bool needs a Boolean",)),
        ({"Condition": {"Bool": {"kms:GrantIsForAWSResource": "yes"}}}, ("true or false",)),
        ({"Condition": {"NumericLessThanEquals": {"kms:KeyUsage": "1"}}}, ("numeric",)),
        ({"Condition": {"NumericLessThanEquals": {"kms:ValidTo": "soon"}}}, ("numbers",)),
        ({"Condition": {"ArnLike": {"kms:KeySpec": "arn:*"}}}, ("ARN condition key",)),
        ({"Condition": {"NullIfExists": {"kms:KeySpec": "true"}}}, ("'NullIfExists'",)),
        ({"Condition": {"ForAnyValue:Null": {"kms:KeySpec": "true"}}}, ("'ForAnyValue:Null'",)),
        ({"Condition": {"ForSomeValues:StringEquals": {"kms:KeySpec": "x"}}}, ("ForSomeValues",)),
        ({"Condition": {"StringEquals": {"kms:KeySpec": []}}}, ("values",)),
        ({"Condition": {"StringEquals": {"kms:KeySpec": {"a": 1}}}}, ("values",)),
        ({"Condition": {"StringEquals": {"aws:PrincipalArn": "${aws:username}"}}},
         ("policy variables",)),
        ({"Condition": {"StringEquals": "x"}}, ("must map condition keys",)),
    ],
)
def test_statement_errors_name_the_problem(
    overrides: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    _refused(_policy(_statement(**overrides)), *fragments)


def test_duplicate_sids_are_refused() -> None:
    _refused(_policy(_statement(), _statement()), "'S1'", "more than one")


def test_accepted_forms() -> None:
    document = _policy(
        _statement(Principal="*", Action=["kms:Describe*", "KMS:ENCRYPT"]),
        _statement(
            Sid="S2",
            Effect="Deny",
            Principal={"AWS": [ACCOUNT, ALICE], "Service": "dynamodb.amazonaws.com"},
            NotAction="kms:Decrypt",
            Action=None,
            Resource=None,
            NotResource=KEY.arn,
            Condition={
                "forallvalues:stringequals": {"kms:encryptioncontextkeys": ["a", "b"]},
                "StringEqualsIfExists": {"kms:EncryptionContext:AppName": "x"},
                "Bool": {"kms:GrantIsForAWSResource": False},
                "NumericLessThanEquals": {"kms:ValidTo": 1546257599},
                "Null": {"kms:EncryptionContextKeys": "false"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Dev*"},
            },
        ),
    )
    policy = parse_key_policy(document)
    assert policy.document == document
    assert [s.label for s in policy.statements] == ["S1", "S2"]
    assert policy.statements[1].not_action and policy.statements[1].not_resource
    bool_clause = next(c for c in policy.statements[1].conditions if c.base == "Bool")
    assert bool_clause.values == ("false",)


def test_single_statement_object_is_accepted() -> None:
    policy = parse_key_policy(json.dumps({"Statement": _statement(Sid=None)}))
    assert policy.statements[0].label == "Statement[0]"


def test_lockout_check() -> None:
    caller = Principal(ALICE)
    lockout = parse_key_policy(
        _policy(_statement(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/Bob"}))
    )
    with pytest.raises(MalformedPolicyDocumentException, match="will not allow you to update"):
        check_lockout(lockout, KEY, caller, home_account=ACCOUNT)
    check_lockout(lockout, KEY, caller, home_account=ACCOUNT, bypass=True)
    # The default policy keeps Alice in under the "account" IAM mapping, not under
    # "root-only"; the root itself always passes.
    default = parse_key_policy(default_key_policy(ACCOUNT))
    check_lockout(default, KEY, caller, home_account=ACCOUNT)
    with pytest.raises(MalformedPolicyDocumentException):
        check_lockout(default, KEY, caller, home_account=ACCOUNT, iam=IamMapping.ROOT_ONLY)
    check_lockout(default, KEY, Principal.root(ACCOUNT), home_account=ACCOUNT,
                  iam=IamMapping.ROOT_ONLY)
    # A Deny of PutKeyPolicy locks out even the root.
    deny = parse_key_policy(
        _policy(_statement(), _statement(Sid="D", Effect="Deny", Action="kms:PutKeyPolicy"))
    )
    with pytest.raises(MalformedPolicyDocumentException):
        check_lockout(deny, KEY, Principal.root(ACCOUNT), home_account=ACCOUNT)


def test_alibaba_templates() -> None:
    assert "kms:Encrypt" not in ALIBABA_ADMINISTRATOR_ACTIONS
    assert "kms:PutKeyPolicy" not in ALIBABA_USER_ACTIONS
    both = set(ALIBABA_ADMINISTRATOR_ACTIONS) | set(ALIBABA_USER_ACTIONS)
    assert "kms:CreateGrant" not in both
    document = json.loads(
        alibaba_role_policy(ACCOUNT, administrators=[ALICE], include_root=False)
    )
    assert [s["Sid"] for s in document["Statement"]] == ["Allow access for Key Administrators"]
    with pytest.raises(MalformedPolicyDocumentException, match="not an AWS account id"):
        alibaba_role_policy(ACCOUNT, users=["bob"])
    with pytest.raises(MalformedPolicyDocumentException, match="no statement"):
        alibaba_role_policy(ACCOUNT, include_root=False)


@pytest.mark.parametrize(
    "arn",
    ["bob", "arn:aws:iam::111122223333:assumed-role/R/s", "arn:aws:sts::111122223333:user/B",
     "arn:aws:iam::" + "1" * 33 + ":root", "arn:aws:s3:::bucket", "arn:AWS:iam::1:root"],
)
def test_principal_arns(arn: str) -> None:
    with pytest.raises(ValueError, match="not an IAM principal ARN"):
        Principal(arn)


def test_alibaba_sized_accounts() -> None:
    # A home's account id may have 1-32 digits (Alibaba's have 16): its principals work.
    root = Principal.root("1234567890123456")
    assert root.is_root and root.account == "1234567890123456"
    policy = parse_key_policy(_policy(_statement(Principal={"AWS": "1234567890123456"})))
    assert policy.statements[0].principals == (("AWS", "1234567890123456"),)


def test_session_principal_arn_is_the_role() -> None:
    session = Principal("arn:aws:sts::111122223333:assumed-role/Dev/s1")
    assert session.principal_arn == "arn:aws:iam::111122223333:role/Dev"
    assert session.account == ACCOUNT and not session.is_root
