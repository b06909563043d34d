"""Encryption context serialization, checked byte for byte against aws-encryption-sdk."""

from __future__ import annotations

import pytest
from aws_encryption_sdk.internal.formatting.encryption_context import (
    deserialize_encryption_context as esdk_deserialize,
)
from aws_encryption_sdk.internal.formatting.encryption_context import (
    serialize_encryption_context as esdk_serialize,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from kmskit.offline.encryption_context import (
    parse_encryption_context,
    require_context_match,
    require_context_subset,
    serialize_encryption_context,
)
from kmskit.offline.errors import InvalidCiphertextException, KmskitError, ValidationException

_text = st.text(min_size=1, max_size=20)
_contexts = st.dictionaries(_text, st.text(max_size=20), max_size=6)


@settings(max_examples=200, deadline=None)
@given(_contexts)
def test_serialization_matches_the_esdk(context: dict[str, str]) -> None:
    ours = serialize_encryption_context(context)
    assert ours == bytes(esdk_serialize(context))
    assert parse_encryption_context(ours) == context
    assert esdk_deserialize(ours) == context


def test_sorting_is_by_utf8_bytes_not_code_points() -> None:
    # UTF-16 code-unit order would put U+1F600 (a surrogate pair, D83D…) before U+FF21;
    # UTF-8 byte order puts U+FF21 (EF BC A1) first. The ESDK sorts by UTF-8 bytes.
    context = {"\U0001f600": "a", "\uff21": "b", "Z": "c", "a": "d"}
    assert serialize_encryption_context(context) == bytes(esdk_serialize(context))


def test_exact_match_ignores_order_only() -> None:
    require_context_match({"a": "1", "b": "2"}, {"b": "2", "a": "1"})
    for other in ({"a": "1"}, {"a": "1", "b": "2", "c": "3"}, {"A": "1", "b": "2"}, {}):
        with pytest.raises(InvalidCiphertextException):
            require_context_match({"a": "1", "b": "2"}, other)


def test_subset() -> None:
    require_context_subset({"a": "1"}, {"a": "1", "b": "2"})
    with pytest.raises(InvalidCiphertextException, match="'c'"):
        require_context_subset({"c": "3"}, {"a": "1"})


def test_empty_keys_are_refused() -> None:
    with pytest.raises(ValidationException):
        serialize_encryption_context({"": "x"})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_parser_raises_only_kmskit_errors(data: bytes) -> None:
    try:
        parse_encryption_context(data)
    except KmskitError:
        pass
