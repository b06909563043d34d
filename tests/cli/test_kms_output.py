"""``--output json|text``, ``--query`` and paging, with awscli's own formatters as the oracle.

The responses are KMS-shaped dicts (as ``to_response()`` gives them) plus the shapes a
``--query`` can leave (a scalar, a list, None). awscli runs in the base interpreter, in one
subprocess per test (see test_kms_args.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kmskit.cli._aws_args import GlobalOptions
from kmskit.cli._aws_output import compile_query, format_json, format_text, paginate
from tests.cli.test_kms_args import run_awscli

pytestmark = pytest.mark.unit

ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RESPONSES: list[dict[str, Any]] = [
    {"CiphertextBlob": "AQID", "KeyId": ARN, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    {
        "KeyMetadata": {
            "AWSAccountId": "111122223333",
            "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Arn": ARN,
            "CreationDate": "2026-11-23T08:00:00.123000+00:00",
            "Enabled": True,
            "Description": "",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": "Enabled",
            "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": False,
        }
    },
    {
        "Keys": [{"KeyId": "a", "KeyArn": "arn:a"}, {"KeyId": "b", "KeyArn": "arn:b"}],
        "Truncated": False,
    },
    {"Keys": []},
    {
        "Aliases": [
            {"AliasName": "alias/x", "AliasArn": "arn:x", "TargetKeyId": "a"},
            {"AliasName": "alias/aws/y", "AliasArn": "arn:y"},
        ],
        "NextMarker": "m",
        "Truncated": True,
    },
    {"Tags": [{"TagKey": "k", "TagValue": "v"}, {"TagKey": "é", "TagValue": "tab\there"}]},
    # Not KMS shapes, but the formatter's other paths. (awscli itself crashes on a list
    # that mixes dicts and scalars, so that one is left out.)
    {"a": [[1, 2], 3, [4, [5]]], "c": {"d": [], "e": None, "f": [{"g": 1}, {"h": [2]}]}},
    {},
]
QUERIES = [
    None,
    "CiphertextBlob",
    "Keys[].KeyId",
    "KeyMetadata.Enabled",
    "KeyMetadata.KeyId",
    "Nope",
    "Tags",
    "Keys[0]",
    "[KeyMetadata.KeyId, KeyMetadata.Arn]",
    "Aliases[].[AliasName, TargetKeyId]",
    "KeyMetadata.EncryptionAlgorithms",
    "{id: KeyMetadata.KeyId, n: `3`}",
    "a",
    "c",
]
CASES = [(r, q) for r in RESPONSES for q in QUERIES]

_ORACLE = """
import io, json, sys
import jmespath
from awscli.formatter import get_formatter
class Args:
    color = "off"
    def __init__(self, query):
        self.query = None if query is None else jmespath.compile(query)
out = []
for output, response, query in json.load(sys.stdin):
    stream = io.StringIO()
    get_formatter(output, Args(query))("kms", response, stream)
    out.append(stream.getvalue())
print(json.dumps(out))
"""


def _ours(output: str, response: dict[str, Any], query: str | None) -> str:
    data = dict(response)
    if query is not None:
        data = compile_query(query).search(data)
    if output == "text":
        return format_text(data)
    return "" if data == {} else format_json(data)


@pytest.mark.parametrize("output", ["json", "text"])
def test_output_matches_awscli(output: str) -> None:
    expected = run_awscli(_ORACLE, [(output, r, q) for r, q in CASES])
    got = [_ours(output, r, q) for r, q in CASES]
    mismatches = [(c, g, e) for c, g, e in zip(CASES, got, expected, strict=True) if g != e]
    assert mismatches == []


def test_known_text_shapes() -> None:
    """The lines scripts rely on, spelled out (the oracle above checks the rest)."""
    assert format_text(RESPONSES[0]) == f"AQID\tSYMMETRIC_DEFAULT\t{ARN}\n"
    assert format_text(RESPONSES[2]) == "False\nKEYS\tarn:a\ta\nKEYS\tarn:b\tb\n"
    assert format_text(None) == "None\n"
    assert format_text(compile_query("CiphertextBlob").search(RESPONSES[0])) == "AQID\n"


# -- paging -------------------------------------------------------------------------------


class FakeList:
    """A ListKeys that hands out ``page`` items per call, with opaque markers."""

    def __init__(self, count: int, page: int) -> None:
        self.items = [{"KeyId": f"k{i:02}"} for i in range(count)]
        self.page = page
        self.calls: list[tuple[int | None, str | None]] = []

    def __call__(self, limit: int | None, marker: str | None) -> dict[str, Any]:
        self.calls.append((limit, marker))
        start = 0 if marker is None else int(marker)
        size = limit or self.page
        chunk = self.items[start : start + size]
        end = start + len(chunk)
        if end < len(self.items):
            return {"Keys": chunk, "NextMarker": str(end), "Truncated": True}
        return {"Keys": chunk, "Truncated": False}


def _all(pages: list[dict[str, Any]]) -> list[str]:
    return [k["KeyId"] for p in pages for k in p["Keys"]]


def test_paginate_reads_every_page() -> None:
    fake = FakeList(7, 3)
    pages, token = paginate(fake, "Keys", GlobalOptions())
    assert (_all(pages), token, len(fake.calls)) == ([f"k{i:02}" for i in range(7)], None, 3)


@pytest.mark.parametrize(("max_items", "page_size"), [(1, None), (3, None), (4, 2), (5, 3), (6, 1)])
def test_max_items_and_starting_token_resume_exactly(max_items: int, page_size: int | None) -> None:
    seen: list[str] = []
    token: str | None = None
    for _ in range(20):
        fake = FakeList(7, 3)
        options = GlobalOptions(max_items=max_items, page_size=page_size, starting_token=token)
        pages, token = paginate(fake, "Keys", options)
        got = _all(pages)
        assert len(got) <= max_items
        seen += got
        if token is None:
            break
        assert json.loads(base64.b64decode(token))  # opaque, but our own format
    assert seen == [f"k{i:02}" for i in range(7)]


def test_bad_starting_token() -> None:
    import click

    with pytest.raises(click.BadParameter, match="not a NextToken"):
        paginate(FakeList(1, 1), "Keys", GlobalOptions(starting_token="nope"))
