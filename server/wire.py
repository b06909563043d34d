"""Responses as the AWS JSON 1.1 protocol sends them.

``to_response()`` prints times the way AWS CLI v2 shows them (ISO 8601); on the wire the
protocol sends timestamps as epoch seconds (Smithy, "AWS JSON 1.1 protocol": timestamps
default to ``epoch-seconds``). Which members are timestamps comes from botocore's KMS
service model, the one every AWS SDK is generated from; operations it does not have
(kmskit's extensions) have no timestamps to convert.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

__all__ = ["to_wire"]


@functools.cache
def _output_shapes() -> dict[str, Shape | None]:
    model = botocore.session.get_session().get_service_model("kms")
    return {name: model.operation_model(name).output_shape for name in model.operation_names}


def to_wire(api: str, response: dict[str, Any]) -> dict[str, Any]:
    """``response`` with its timestamp members as epoch seconds."""
    shape = _output_shapes().get(api)
    if shape is None:
        return response
    converted = _convert(shape, response)
    assert isinstance(converted, dict)
    return converted


def _convert(shape: Shape, value: Any) -> Any:
    if shape.type_name == "timestamp" and isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = shape.members
        return {
            name: _convert(members[name], item) if name in members else item
            for name, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_convert(shape.member, item) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _convert(shape.value, item) for key, item in value.items()}
    return value
