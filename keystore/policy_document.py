"""Parsing and validating a key policy document (PutKeyPolicy, CreateKey ``Policy``).

The rules are the KMS Developer Guide's "Key policy format" and IAM's policy grammar: a JSON
object of at most 32 KB in printable ASCII, Latin-1, tab, LF and CR; an optional ``Version``
(``2012-10-17`` or ``2008-10-17``) and ``Id``; ``Statement``, one object or a non-empty list.
Each statement has an optional unique ``Sid``, ``Effect`` ``Allow`` or ``Deny``, a
``Principal``, ``Action`` or ``NotAction``, ``Resource`` or ``NotResource``, and an optional
``Condition``.

kmskit refuses, naming the statement and element: any other element, duplicate JSON names,
``NotPrincipal`` (IAM evaluates it against every identity of a session, role and account
together; kmskit would rather refuse than approximate it: use ``Principal`` with an
``aws:PrincipalArn`` condition), actions that are no KMS action, principals that are not
principals, and every condition problem :mod:`keystore.policy_conditions` finds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kmskit.keystore.policy_actions import canonical_action, pattern_matches_some_action
from kmskit.keystore.policy_conditions import ConditionClause, parse_conditions
from kmskit.keystore.policy_principals import parse_principal_entry
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import MalformedPolicyDocumentException

__all__ = ["MAX_POLICY_BYTES", "KeyPolicy", "Statement", "parse_key_policy"]

MAX_POLICY_BYTES = 32 * 1024
_VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_LEVEL = {"Version", "Id", "Statement"}
_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
_BAD_CHARACTER = re.compile(r"[^\t\n\r\x20-\x7e\xa0-\xff]")


class Statement(FrozenRecord):
    """One validated statement; ``index`` is its position in ``Statement`` (from 0)."""

    index: int
    sid: str | None
    effect: str  # "Allow" or "Deny"
    principals: tuple[tuple[str, str], ...]  # (kind, entry): kind "AWS" or "Service"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[ConditionClause, ...]

    @property
    def label(self) -> str:
        """What names the statement in a decision and the audit log: its Sid, or its index."""
        return self.sid if self.sid else f"Statement[{self.index}]"


# Statement and KeyPolicy are FrozenRecords rather than frozen dataclasses or NamedTuples:
# every operation's authorization loads this module (start-up; kmskit.offline._record).
class KeyPolicy(FrozenRecord):
    """A validated key policy; ``document`` is the text as put (GetKeyPolicy returns it)."""

    document: str
    statements: tuple[Statement, ...]


def _refuse(message: str) -> MalformedPolicyDocumentException:
    return MalformedPolicyDocumentException(message)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise _refuse(f"the policy has the name {name!r} twice in one object")
        seen[name] = value
    return seen


def _strings(value: object, where: str, element: str) -> tuple[str, ...]:
    listed = value if isinstance(value, list) else [value]
    if not listed or not all(isinstance(v, str) and v for v in listed):
        raise _refuse(f"{where}: {element} must be a non-empty string or list of strings")
    return tuple(listed)


def parse_key_policy(document: object) -> KeyPolicy:
    """Validate a key policy document (JSON text); raises
    :class:`MalformedPolicyDocumentException` naming what is wrong."""
    if not isinstance(document, str) or not document.strip():
        raise _refuse("the key policy must be a non-empty JSON document")
    if len(document.encode("utf-8")) > MAX_POLICY_BYTES:
        raise _refuse(f"the key policy is over {MAX_POLICY_BYTES} bytes")
    bad = _BAD_CHARACTER.search(document)
    if bad:
        raise _refuse(f"the key policy has a character KMS does not allow: {bad.group()!r}")
    try:
        tree = json.loads(document, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise _refuse(f"the key policy is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(tree, dict):
        raise _refuse("the key policy must be a JSON object")
    unknown = sorted(set(tree) - _TOP_LEVEL)
    if unknown:
        raise _refuse(f"unknown policy element {unknown[0]!r}")
    if "Version" in tree and tree["Version"] not in _VERSIONS:
        raise _refuse(f"unsupported policy Version {tree['Version']!r}")
    if "Id" in tree and not isinstance(tree["Id"], str):
        raise _refuse("the policy Id must be a string")
    raw = tree.get("Statement")
    listed = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else None
    if not listed:
        raise _refuse("the policy needs a Statement: an object or a non-empty list of them")
    statements = tuple(_statement(i, s) for i, s in enumerate(listed))
    sids = [s.sid for s in statements if s.sid]
    duplicate = next((sid for sid in sids if sids.count(sid) > 1), None)
    if duplicate is not None:
        raise _refuse(f"the Sid {duplicate!r} is used by more than one statement")
    return KeyPolicy(document, statements)


def _statement(index: int, raw: object) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise _refuse(f"{where} must be a JSON object")
    sid = raw.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise _refuse(f"{where}: Sid must be a string")
        where = f"statement {sid!r}"
    unknown = sorted(set(raw) - _ELEMENTS)
    if unknown:
        raise _refuse(f"{where}: unknown element {unknown[0]!r}")
    if "NotPrincipal" in raw:
        raise _refuse(
            f"{where}: NotPrincipal is not supported; use Principal with a condition on"
            " aws:PrincipalArn"
        )
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise _refuse(f"{where}: Effect must be \"Allow\" or \"Deny\", not {effect!r}")
    principals = _principals(raw.get("Principal"), where)
    actions, not_action = _one_of(raw, "Action", "NotAction", where)
    for action in actions:
        _check_action(action, where)
    resources, not_resource = _one_of(raw, "Resource", "NotResource", where)
    for resource in resources:
        if resource != "*" and not resource.startswith("arn:"):
            raise _refuse(f"{where}: Resource {resource!r} is neither \"*\" nor an ARN")
        if "${" in resource:
            raise _refuse(f"{where}: policy variables are not supported ({resource!r})")
    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        conditions, problem = parse_conditions(raw["Condition"], where)
        if problem:
            raise _refuse(problem)
    return Statement(
        index, sid or None, effect, principals, actions, not_action, resources, not_resource,
        conditions,
    )


def _one_of(
    raw: dict[str, Any], name: str, negated: str, where: str
) -> tuple[tuple[str, ...], bool]:
    if (name in raw) == (negated in raw):
        raise _refuse(f"{where}: needs exactly one of {name} and {negated}")
    element = name if name in raw else negated
    return _strings(raw[element], where, element), element == negated


def _principals(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        raise _refuse(f"{where}: a key policy statement needs a Principal")
    if raw == "*":
        return (("AWS", "*"),)
    if not isinstance(raw, dict) or not raw:
        raise _refuse(f"{where}: Principal must be \"*\" or an object such as {{\"AWS\": …}}")
    entries: list[tuple[str, str]] = []
    for kind, value in raw.items():
        if kind not in ("AWS", "Service"):
            raise _refuse(f"{where}: Principal type {kind!r} is not supported (AWS, Service)")
        for entry in _strings(value, where, f"Principal {kind}"):
            problem = parse_principal_entry(kind, entry)
            if problem:
                raise _refuse(f"{where}: {problem}")
            entries.append((kind, entry))
    return tuple(entries)


def _check_action(action: str, where: str) -> None:
    if action == "*":
        return
    if not action.lower().startswith("kms:"):
        raise _refuse(f"{where}: {action!r} is not a KMS action (kms:…)")
    if "*" in action or "?" in action:
        if not pattern_matches_some_action(action):
            raise _refuse(f"{where}: the action pattern {action!r} matches no KMS action")
    elif canonical_action(action) is None:
        raise _refuse(f"{where}: {action!r} is not a KMS action")
