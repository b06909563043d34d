"""Determinism: same seed, same bytes; another seed, other bytes; labels isolate groups."""

from __future__ import annotations

import pytest

from kmskit import vectors
from kmskit.offline.errors import ValidationException


@pytest.mark.parametrize("kind", vectors.KINDS)
def test_same_seed_same_bytes_other_seed_other_bytes(kind: str) -> None:
    first = vectors.dumps(vectors.generate(kind, seed="determinism-a", count=1))
    again = vectors.dumps(vectors.generate(kind, seed="determinism-a", count=1))
    other = vectors.dumps(vectors.generate(kind, seed="determinism-b", count=1))
    assert first == again
    assert first != other
    assert first.endswith(b"}\n") and first.isascii()


@pytest.mark.parametrize("kind", ["sm2-sign", "ecdsa", "sm2-encrypt"])
def test_more_keys_leave_earlier_groups_unchanged(kind: str) -> None:
    one = vectors.generate(kind, seed="labels", count=1)["testGroups"]
    two = vectors.generate(kind, seed="labels", count=2)["testGroups"]

    # tcIds shift, the content does not: every group of the smaller file reappears.
    def strip(groups: list[dict[str, object]]) -> list[object]:
        return [
            {**g, "tests": [{k: v for k, v in t.items() if k != "tcId"} for t in g["tests"]]}  # type: ignore[attr-defined]
            for g in groups
        ]

    smaller, larger = strip(one), strip(two)
    assert all(group in larger for group in smaller)


def test_canonical_json() -> None:
    doc = {"b": [1, {"z": "é", "a": True}], "a": None}
    expected = '{\n  "a": null,\n  "b": [\n    1,\n    {\n      "a": true,\n      "z": "\\u00e9"\n'
    assert vectors.dumps(doc) == (expected + "    }\n  ]\n}\n").encode()


@pytest.mark.parametrize(
    ("kind", "count", "seed"),
    [("nope", 1, "s"), ("envelope", 1, "s"), ("ecdh", 0, "s"), ("ecdh", 65, "s"), ("ecdh", 1, 5)],
)
def test_bad_arguments(kind: str, count: int, seed: object) -> None:
    with pytest.raises(ValidationException):
        vectors.generate(kind, seed=seed, count=count)  # type: ignore[arg-type]
