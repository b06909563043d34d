"""Condition operators one by one, against IAM's documented semantics (IAM User Guide,
"Condition operators"): the ones the evaluation table uses less, missing keys, and the
negated forms."""

from __future__ import annotations

import pytest

from kmskit.keystore.policy_conditions import conditions_hold, parse_conditions

ROLE = "arn:aws:iam::111122223333:role/Dev"


def _holds(block: dict[str, object], request: dict[str, tuple[str, ...]]) -> bool:
    clauses, problem = parse_conditions(block, "test")
    assert problem is None
    return conditions_hold(clauses, request)


@pytest.mark.parametrize(
    ("operator", "policy", "request_value", "expected"),
    [
        ("NumericEquals", "30", "30", True),
        ("NumericEquals", "30", "30.0", True),
        ("NumericEquals", "30", "7", False),
        ("NumericNotEquals", "30", "7", True),
        ("NumericNotEquals", "30", "30", False),
        ("NumericLessThan", "30", "29", True),
        ("NumericLessThan", "30", "30", False),
        ("NumericLessThanEquals", "30", "30", True),
        ("NumericGreaterThan", "7", "8", True),
        ("NumericGreaterThan", "7", "7", False),
        ("NumericGreaterThanEquals", "7", "7", True),
        ("NumericGreaterThanEquals", "7", "6", False),
    ],
)
def test_numeric(operator: str, policy: str, request_value: str, expected: bool) -> None:
    key = "kms:ScheduleKeyDeletionPendingWindowInDays"
    request = {key.lower(): (request_value,)}
    assert _holds({operator: {key: policy}}, request) is expected


@pytest.mark.parametrize(
    ("operator", "policy", "value", "expected"),
    [
        ("ArnEquals", ROLE, ROLE, True),
        ("ArnEquals", "arn:aws:iam::*:role/Dev", ROLE, True),
        ("ArnLike", "arn:aws:iam::111122223333:role/*", ROLE, True),
        ("ArnLike", "arn:aws:iam::111122223333:user/*", ROLE, False),
        # a wildcard does not cross an ARN's colons: the account part is matched on its own
        ("ArnLike", "arn:aws:iam::*", ROLE, False),
        ("ArnNotLike", "arn:aws:iam::111122223333:user/*", ROLE, True),
        ("ArnNotEquals", ROLE, ROLE, False),
        ("StringNotEqualsIgnoreCase", "arn:aws:iam::111122223333:ROLE/DEV", ROLE, False),
        ("StringNotEqualsIgnoreCase", "other", ROLE, True),
    ],
)
def test_arn_and_ignore_case(operator: str, policy: str, value: str, expected: bool) -> None:
    request = {"aws:principalarn": (value,)}
    assert _holds({operator: {"aws:PrincipalArn": policy}}, request) is expected


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ({"StringEquals": {"kms:KeySpec": "RSA_2048"}}, False),
        ({"StringNotEquals": {"kms:KeySpec": "RSA_2048"}}, True),
        ({"StringNotLike": {"kms:KeySpec": "RSA*"}}, True),
        ({"StringEqualsIfExists": {"kms:KeySpec": "RSA_2048"}}, True),
        ({"StringNotEqualsIfExists": {"kms:KeySpec": "RSA_2048"}}, True),
        ({"Bool": {"kms:GrantIsForAWSResource": "false"}}, False),
        ({"BoolIfExists": {"kms:GrantIsForAWSResource": "false"}}, True),
        ({"NumericLessThan": {"kms:ValidTo": "1"}}, False),
        ({"Null": {"kms:KeySpec": "true"}}, True),
        ({"Null": {"kms:KeySpec": "false"}}, False),
        ({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": "a"}}, True),
        ({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "a"}}, False),
        ({"ForAnyValue:StringEqualsIfExists": {"kms:EncryptionContextKeys": "a"}}, True),
    ],
)
def test_missing_keys(block: dict[str, object], expected: bool) -> None:
    assert _holds(block, {}) is expected


def test_and_across_keys_or_across_values() -> None:
    block = {
        "StringEquals": {"kms:KeySpec": ["RSA_2048", "RSA_3072"], "kms:KeyUsage": "SIGN_VERIFY"}
    }
    assert _holds(block, {"kms:keyspec": ("RSA_3072",), "kms:keyusage": ("SIGN_VERIFY",)})
    assert not _holds(block, {"kms:keyspec": ("RSA_3072",), "kms:keyusage": ("ENCRYPT_DECRYPT",)})
    assert not _holds(block, {"kms:keyspec": ("RSA_4096",), "kms:keyusage": ("SIGN_VERIFY",)})


def test_negated_operator_with_several_values_is_a_nor() -> None:
    block = {"StringNotEquals": {"kms:KeySpec": ["RSA_2048", "RSA_3072"]}}
    assert not _holds(block, {"kms:keyspec": ("RSA_2048",)})
    assert not _holds(block, {"kms:keyspec": ("RSA_3072",)})
    assert _holds(block, {"kms:keyspec": ("RSA_4096",)})


def test_json_booleans_and_numbers_read_as_text() -> None:
    assert _holds({"Bool": {"kms:ReEncryptOnSameKey": True}}, {"kms:reencryptonsamekey": ("true",)})
    assert _holds({"NumericEquals": {"kms:ValidTo": 5}}, {"kms:validto": ("5",)})


def test_numeric_values_must_be_finite_numbers() -> None:
    for value in ("NaN", "Infinity", "1e", ""):
        _clauses, problem = parse_conditions({"NumericEquals": {"kms:ValidTo": value}}, "S")
        assert problem is not None and "numbers" in problem
