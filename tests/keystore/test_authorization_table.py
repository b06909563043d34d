"""The authorization evaluation table: every case of authorization_cases.json.

The cases were written by hand from the AWS KMS Developer Guide's key policy, condition key,
grant and encryption context examples and the IAM User Guide's evaluation rules (each
scenario names its source); none was produced by kmskit. A case gives the policy, the grants,
the caller, the operation and its request, and the expected outcome with the statement or
grant that decides it (docs/authorization.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kmskit.keystore.grants import Grant
from kmskit.keystore.policy_context import KeyFacts, authorization_checks, request_context
from kmskit.keystore.policy_defaults import alibaba_role_policy
from kmskit.keystore.policy_document import parse_key_policy
from kmskit.keystore.policy_evaluation import Outcome, evaluate
from kmskit.keystore.policy_principals import IamMapping, Principal

_TABLE = json.loads((Path(__file__).with_name("authorization_cases.json")).read_text("utf-8"))
_ACCOUNT: str = _TABLE["account"]


def _cases() -> list[Any]:
    params = []
    for scenario in _TABLE["scenarios"]:
        for number, case in enumerate(scenario["cases"]):
            principal, operation = case[0], case[1]
            label = f"{scenario['scenario']} #{number} {principal} {operation}"
            params.append(pytest.param(scenario, case, id=label))
    return params


def _policy_text(scenario: dict[str, Any]) -> str:
    if scenario["policy"] == "alibaba":
        return alibaba_role_policy(
            _ACCOUNT,
            administrators=["arn:aws:iam::111122223333:role/KMSAdminRole"],
            users=["arn:aws:iam::111122223333:role/KMSKeyUsers"],
        )
    return json.dumps(scenario["policy"])


def _grant(raw: dict[str, Any], default_key: str) -> Grant:
    return Grant(
        grant_id=raw["id"],
        key_arn=raw.get("key", default_key),
        grantee_principal=raw["grantee"],
        operations=tuple(raw["operations"]),
        issuing_account=f"arn:aws:iam::{_ACCOUNT}:root",
        creation_date=datetime(2026, 1, 1, tzinfo=UTC),
        equals=raw.get("equals"),
        subset=raw.get("subset"),
    )


def test_the_table_is_big_enough() -> None:
    assert len(_cases()) >= 200


@pytest.mark.parametrize(("scenario", "case"), _cases())
def test_evaluation(scenario: dict[str, Any], case: list[Any]) -> None:
    principal_name, operation, request, expected, deciding = case[:5]
    options: dict[str, Any] = case[5] if len(case) > 5 else {}
    key_fields = {**_TABLE["key"], **scenario.get("key", {})}
    key = KeyFacts(
        arn=key_fields["arn"],
        key_spec=key_fields["key_spec"],
        key_usage=key_fields["key_usage"],
        origin=key_fields["origin"],
    )
    policy = parse_key_policy(_policy_text(scenario))
    grants = [_grant(g, key.arn) for g in scenario.get("grants", [])]
    checks = authorization_checks(operation)
    action = options.get("action")
    check = next(c for c in checks if action is None or c.action == action)
    context = request_context(
        operation,
        request,
        key=key if check.key_field is not None else None,
        principal=Principal(_TABLE["principals"][principal_name]),
        home_account=_ACCOUNT,
        action=action,
        reencrypt_on_same_key=options.get("same_key"),
    )
    decision = evaluate(policy, context, grants=grants, iam=IamMapping(scenario["iam"]))
    assert decision.outcome is Outcome(expected)
    if deciding is None:
        assert decision.statement is None and decision.grant_id is None
    elif deciding.startswith("grant:"):
        assert decision.grant_id == deciding.removeprefix("grant:")
        assert decision.statement is None
    else:
        assert decision.statement == deciding
        assert decision.grant_id is None
