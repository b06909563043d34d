"""A KMS API request from its JSON 1.1 body (what ``kmskit serve`` receives).

The AWS JSON 1.1 protocol sends the request members by their API names; blobs are base64
strings and timestamps epoch seconds (Smithy, "AWS JSON 1.1 protocol"). This module checks
each member against the operation's parameters and turns it into the request the operation
table's call takes, the same request ``kmskit kms`` builds from flags. Messages follow the
shape of KMS's own (``1 validation error detected: Value null at 'keyId' failed to satisfy
constraint: Member must not be null``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kmskit.keystore.api import AwsParam, Operation
from kmskit.offline.errors import KmsError, ValidationException

__all__ = ["SerializationException", "request_from_json"]


class SerializationException(KmsError):
    """The body is not the JSON the operation takes: not an object, a member of the wrong
    JSON type, a blob that is not base64 (what AWS's JSON protocol calls it)."""

    code = "SerializationException"


def _camel(member: str) -> str:
    """KMS names members in camelCase in validation messages (``keyId``)."""
    return member[:1].lower() + member[1:]


def request_from_json(operation: Operation, document: object) -> dict[str, Any]:
    """The request of ``operation`` from a parsed JSON body.

    Raises :class:`SerializationException` for a value of the wrong type and
    :class:`ValidationException` for a missing required member, a value outside the
    member's enum, or a member the operation does not have.
    """
    if not isinstance(document, dict):
        raise SerializationException("the request body must be a JSON object")
    params = {p.member: p for p in operation.params if not p.cli_only}
    request: dict[str, Any] = {}
    for member, value in document.items():
        param = params.get(member)
        if param is None:
            raise ValidationException(f"{operation.api} has no parameter {member!r}")
        if value is None:
            continue  # JSON null is an absent member, as AWS's deserialisers treat it
        request[member] = _value(param, value)
    missing = [p.member for p in params.values() if p.required and p.member not in request]
    if missing:
        errors = "; ".join(
            f"Value null at '{_camel(m)}' failed to satisfy constraint: Member must not be null"
            for m in missing
        )
        count = len(missing)
        raise ValidationException(
            f"{count} validation error{'s' if count > 1 else ''} detected: {errors}"
        )
    return request


def _value(param: AwsParam, value: object) -> Any:
    kind = param.kind
    where = param.member
    if kind == "string":
        text = _typed(value, str, where)
        if param.choices and text not in param.choices:
            raise ValidationException(
                f"1 validation error detected: Value '{text}' at '{_camel(where)}' failed to"
                f" satisfy constraint: Member must satisfy enum value set:"
                f" [{', '.join(param.choices)}]"
            )
        return text
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerializationException(f"{where} must be an integer")
        return value
    if kind == "boolean":
        return _typed(value, bool, where)
    if kind == "blob":
        text = _typed(value, str, where)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise SerializationException(f"{where} is not valid base64") from None
    if kind == "timestamp":
        return _timestamp(value, where)
    if kind == "map":
        mapping = _typed(value, dict, where)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise SerializationException(f"{where} must map strings to strings")
        return dict(mapping)
    if kind == "structure":
        return dict(_typed(value, dict, where))
    if kind == "list":
        items = _typed(value, list, where)
        if not all(isinstance(item, str) for item in items):
            raise SerializationException(f"{where} must be a list of strings")
        if param.choices and any(item not in param.choices for item in items):
            raise ValidationException(
                f"{where} members must be one of: {', '.join(param.choices)}"
            )
        return list(items)
    # structures: a list of objects with exactly the element's string fields
    items = _typed(value, list, where)
    out: list[dict[str, str]] = []
    for item in items:
        element = _typed(item, dict, where)
        if set(element) != set(param.fields) or not all(
            isinstance(v, str) for v in element.values()
        ):
            raise SerializationException(
                f"each {where} element takes the strings {', '.join(param.fields)}"
            )
        out.append(dict(element))
    return out


def _typed(value: object, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SerializationException(f"{where} must be a JSON {_JSON_NAMES[kind]}")
    return value


_JSON_NAMES: Mapping[type, str] = {
    str: "string",
    bool: "boolean",
    dict: "object",
    list: "array",
}


def _timestamp(value: object, where: str) -> datetime:
    """Epoch seconds (the protocol's form); an ISO 8601 string is accepted too."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    except (TypeError, ValueError, OverflowError, OSError):
        pass
    raise SerializationException(f"{where} must be a timestamp (epoch seconds)")
