"""Key policy conditions: the condition keys and operators kmskit knows, parsing a
``Condition`` block, and evaluating it against a request's condition-key values.

IAM semantics (IAM User Guide, "IAM JSON policy elements: Condition", "Condition operators"
and "Single-valued vs. multivalued context keys"):

- every operator of a block, and every key under an operator, must hold (AND); the values
  listed for one key are alternatives (OR); a negated operator (``StringNotEquals``,
  ``StringNotLike`` …) holds when the request value matches none of them;
- a key missing from the request makes a positive operator false and a negated one true;
  ``…IfExists`` makes any operator true then; ``Null`` tests for presence;
- ``ForAnyValue:`` holds if some request value satisfies the operator (false when the key is
  missing or empty); ``ForAllValues:`` holds if every request value does (true when missing
  or empty).

kmskit refuses when the policy is put: an unknown operator or condition key; ``Bool`` and
the ``Numeric…`` operators on keys of another type; ``Arn…`` on keys that are no ARNs; and a
multivalued key (``kms:EncryptionContextKeys``, ``kms:GrantOperations``) under an operator
without ``ForAnyValue:``/``ForAllValues:``, whose meaning IAM leaves to the number of values in
the request. Condition key names are case-insensitive; so is the ``<key>`` part of
``kms:EncryptionContext:<key>`` (KMS Developer Guide, kms:EncryptionContext:context-key).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from kmskit.keystore.policy_wildcards import wildcard_match
from kmskit.offline._record import FrozenRecord

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "CONDITION_KEYS",
    "ConditionClause",
    "KeyType",
    "conditions_hold",
    "encryption_context_key",
    "parse_conditions",
]


class KeyType(StrEnum):
    STRING = "String"
    BOOL = "Bool"
    NUMERIC = "Numeric"
    ARN = "ARN"


# These value types are FrozenRecords, not frozen dataclasses or NamedTuples: every
# operation's authorization loads this module (start-up; kmskit.offline._record).
class _KeyInfo(FrozenRecord):
    name: str
    type: KeyType
    multivalued: bool = False


_EC_PREFIX = "kms:encryptioncontext:"

# name → (type, multivalued). The KMS Developer Guide's "AWS KMS condition keys" and the IAM
# global keys kmskit can fill in locally.
CONDITION_KEYS: dict[str, _KeyInfo] = {
    info.name.lower(): info
    for info in (
        _KeyInfo("kms:EncryptionContextKeys", KeyType.STRING, multivalued=True),
        _KeyInfo("kms:CallerAccount", KeyType.STRING),
        _KeyInfo("kms:KeySpec", KeyType.STRING),
        _KeyInfo("kms:KeyUsage", KeyType.STRING),
        _KeyInfo("kms:KeyOrigin", KeyType.STRING),
        _KeyInfo("kms:CustomerMasterKeySpec", KeyType.STRING),
        _KeyInfo("kms:CustomerMasterKeyUsage", KeyType.STRING),
        _KeyInfo("kms:EncryptionAlgorithm", KeyType.STRING),
        _KeyInfo("kms:SigningAlgorithm", KeyType.STRING),
        _KeyInfo("kms:MacAlgorithm", KeyType.STRING),
        _KeyInfo("kms:KeyAgreementAlgorithm", KeyType.STRING),
        _KeyInfo("kms:MessageType", KeyType.STRING),
        _KeyInfo("kms:DataKeyPairSpec", KeyType.STRING),
        _KeyInfo("kms:GrantOperations", KeyType.STRING, multivalued=True),
        _KeyInfo("kms:GranteePrincipal", KeyType.ARN),
        _KeyInfo("kms:RetiringPrincipal", KeyType.ARN),
        _KeyInfo("kms:GrantConstraintType", KeyType.STRING),
        _KeyInfo("kms:GrantIsForAWSResource", KeyType.BOOL),
        _KeyInfo("kms:RequestAlias", KeyType.STRING),
        _KeyInfo("kms:ExpirationModel", KeyType.STRING),
        _KeyInfo("kms:ValidTo", KeyType.NUMERIC),
        _KeyInfo("kms:ReEncryptOnSameKey", KeyType.BOOL),
        _KeyInfo("kms:BypassPolicyLockoutSafetyCheck", KeyType.BOOL),
        _KeyInfo("kms:ScheduleKeyDeletionPendingWindowInDays", KeyType.NUMERIC),
        _KeyInfo("kms:RotationPeriodInDays", KeyType.NUMERIC),
        _KeyInfo("aws:PrincipalArn", KeyType.ARN),
        _KeyInfo("aws:PrincipalAccount", KeyType.STRING),
    )
}

_STRING_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
}
_NUMERIC_OPERATORS = {
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
}
_ARN_OPERATORS = {"ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"}
_OPERATORS = {op.lower(): op for op in (*_STRING_OPERATORS, *_NUMERIC_OPERATORS,
                                         *_ARN_OPERATORS, "Bool", "Null")}
_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "ArnNotEquals",
    "ArnNotLike",
}
_QUALIFIERS = ("ForAnyValue", "ForAllValues")


def encryption_context_key(context_key: str) -> str:
    """The (lower-cased) condition key name for one encryption context key."""
    return _EC_PREFIX + context_key.lower()


class ConditionClause(FrozenRecord):
    """One operator applied to one condition key, with the policy's values for it."""

    operator: str  # as written, for messages
    base: str  # canonical operator without qualifier or IfExists
    qualifier: str  # "", "ForAnyValue" or "ForAllValues"
    if_exists: bool
    key: str  # lower-cased condition key name
    values: tuple[str, ...]


def _key_info(key: str) -> _KeyInfo | None:
    lowered = key.lower()
    if lowered.startswith(_EC_PREFIX):
        return _KeyInfo(key, KeyType.STRING) if len(lowered) > len(_EC_PREFIX) else None
    return CONDITION_KEYS.get(lowered)


def _split_operator(text: str) -> tuple[str, str, bool] | None:
    qualifier = ""
    rest = text
    for candidate in _QUALIFIERS:
        if rest.lower().startswith(candidate.lower() + ":"):
            qualifier, rest = candidate, rest[len(candidate) + 1 :]
            break
    if_exists = rest.lower().endswith("ifexists") and rest.lower() != "ifexists"
    if if_exists:
        rest = rest[: -len("IfExists")]
    base = _OPERATORS.get(rest.lower())
    if base is None or (base == "Null" and (if_exists or qualifier)):
        return None
    return base, qualifier, if_exists


def _value_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _check_value(base: str, value: str) -> str | None:
    if base in ("Bool", "Null") and value.lower() not in ("true", "false"):
        return f"{base} takes true or false, not {value!r}"
    if base in _NUMERIC_OPERATORS and _number(value) is None:
        return f"{base} takes numbers, not {value!r}"
    if "${" in value:
        return f"policy variables are not supported ({value!r})"
    return None


def parse_conditions(block: object, where: str) -> tuple[tuple[ConditionClause, ...], str | None]:
    """Parse a ``Condition`` element; returns the clauses, or an error naming what is wrong
    (``where`` names the statement)."""
    if not isinstance(block, Mapping) or not block:
        return (), f"{where}: Condition must be a non-empty object"
    clauses: list[ConditionClause] = []
    for operator, entries in block.items():
        split = _split_operator(str(operator))
        if split is None:
            return (), f"{where}: unknown condition operator {operator!r}"
        base, qualifier, if_exists = split
        if not isinstance(entries, Mapping) or not entries:
            return (), f"{where}: {operator} must map condition keys to values"
        for key, raw in entries.items():
            info = _key_info(str(key))
            if info is None:
                return (), f"{where}: unknown condition key {key!r}"
            problem = _operator_fits(base, qualifier, info)
            if problem:
                return (), f"{where}: {operator} on {key}: {problem}"
            listed = raw if isinstance(raw, list) else [raw]
            values = [_value_text(v) for v in listed]
            if not values or None in values:
                return (), f"{where}: {operator} {key} needs string, number or boolean values"
            for value in values:
                assert value is not None
                problem = _check_value(base, value)
                if problem:
                    return (), f"{where}: {operator} {key}: {problem}"
            texts = tuple(v for v in values if v is not None)
            clauses.append(
                ConditionClause(str(operator), base, qualifier, if_exists, key.lower(), texts)
            )
    return tuple(clauses), None


def _operator_fits(base: str, qualifier: str, info: _KeyInfo) -> str | None:
    if base == "Bool" and info.type is not KeyType.BOOL:
        return f"Bool needs a Boolean condition key; {info.name} is {info.type}"
    if base in _NUMERIC_OPERATORS and info.type is not KeyType.NUMERIC:
        return f"{base} needs a numeric condition key; {info.name} is {info.type}"
    if base in _ARN_OPERATORS and info.type is not KeyType.ARN:
        return f"{base} needs an ARN condition key; {info.name} is {info.type}"
    if info.multivalued and base != "Null" and not qualifier:
        return (
            f"{info.name} is multivalued: use ForAnyValue:{base} or ForAllValues:{base}"
        )
    return None


def _arn_like(pattern: str, arn: str) -> bool:
    # IAM compares each of the six colon-separated ARN parts separately.
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    return len(wanted) == len(actual) and all(
        wildcard_match(w, a) for w, a in zip(wanted, actual, strict=True)
    )


def _number(text: str) -> Decimal | None:
    # decimal, not float: IAM compares the numbers as written (no binary rounding).
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _positive(base: str, value: str, wanted: tuple[str, ...]) -> bool:
    """Whether the request value matches one of the policy values under the positive form
    of ``base`` (``StringNotEquals`` → ``StringEquals``)."""
    if base in ("StringEquals", "StringNotEquals"):
        return value in wanted
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return value.casefold() in {w.casefold() for w in wanted}
    if base in ("StringLike", "StringNotLike"):
        return any(wildcard_match(w, value) for w in wanted)
    if base in _ARN_OPERATORS:  # ArnEquals takes wildcards too (IAM)
        return any(_arn_like(w, value) for w in wanted)
    if base == "Bool":
        return value.lower() in {w.lower() for w in wanted}
    number = _number(value)
    if number is None:
        return False
    limits = [limit for limit in map(_number, wanted) if limit is not None]
    compare = {
        "NumericEquals": number.__eq__,
        "NumericNotEquals": number.__eq__,
        "NumericLessThan": number.__lt__,
        "NumericLessThanEquals": number.__le__,
        "NumericGreaterThan": number.__gt__,
        "NumericGreaterThanEquals": number.__ge__,
    }[base]
    return any(compare(limit) for limit in limits)


def _clause_holds(clause: ConditionClause, request: Mapping[str, tuple[str, ...]]) -> bool:
    values = request.get(clause.key, ())
    if clause.base == "Null":
        absent = not values
        return any((w.lower() == "true") == absent for w in clause.values)
    if not values and clause.if_exists:
        return True
    negated = clause.base in _NEGATED

    def one(value: str) -> bool:
        return _positive(clause.base, value, clause.values) != negated

    if clause.qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if clause.qualifier == "ForAnyValue":
        return any(one(v) for v in values)
    if not values:
        return negated
    if negated:  # no request value may match any policy value
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def conditions_hold(
    clauses: tuple[ConditionClause, ...], request: Mapping[str, tuple[str, ...]]
) -> bool:
    """Whether every clause holds for the request's condition-key values (lower-cased keys,
    one tuple of values each; a missing key or empty tuple is "not in the request")."""
    return all(_clause_holds(clause, request) for clause in clauses)
