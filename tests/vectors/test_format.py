"""The document format and the checker's contract: every flag explained, one flag per case,
malformed files refused, and every kind of mismatch reported."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from kmskit import vectors
from kmskit.offline.errors import InvalidCiphertextException, ValidationException
from kmskit.vectors._family import Verdict, judged
from kmskit.vectors._notes import BUG_TYPES, FLAGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "vectors.md"


def test_every_flag_has_a_bug_type_and_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for flag, note in FLAGS.items():
        assert note.bug_type in BUG_TYPES, flag
        assert f"| `{flag}` |" in text, f"docs/vectors.md does not list {flag}"


@pytest.mark.parametrize("kind", vectors.KINDS)
def test_shape_of_each_shipped_set(kind: str, shipped_docs: dict[str, dict[str, Any]]) -> None:
    doc = shipped_docs[kind]
    assert doc["generator"]["kind"] == kind
    assert set(doc) == {"algorithm", "generator", "header", "notes", "numberOfTests", "testGroups"}
    used: set[str] = set()
    tc_ids = []
    for group in doc["testGroups"]:
        for test in group["tests"]:
            tc_ids.append(test["tcId"])
            assert len(test["flags"]) == 1, "one failure (one flag) per case"
            used.update(test["flags"])
            assert test["result"] in vectors.RESULTS
            for field in ("msg", "sig", "ct", "public", "private", "shared"):
                if field in test:
                    bytes.fromhex(test[field])
            if kind in ("sm2-sign", "ecdsa", "rsa-pss", "rsa-pkcs1"):
                assert test.get("messageType", "DIGEST") == "DIGEST"
        if kind in ("sm2-sign", "ecdsa", "rsa-pss", "rsa-pkcs1"):
            assert {"publicKeyPem", "publicKeyDer", "sha"} <= set(group)
        if kind in ("sm2-encrypt", "rsa-oaep"):
            assert {"privateKeyPem", "publicKeyPem"} <= set(group)
    assert tc_ids == list(range(1, len(tc_ids) + 1))
    assert set(doc["notes"]) == used
    assert all(set(n) == {"bugType", "description"} for n in doc["notes"].values())


def test_sm2_groups_cover_default_and_custom_ids(shipped_docs: dict[str, dict[str, Any]]) -> None:
    groups = shipped_docs["sm2-sign"]["testGroups"]
    ids = [g.get("sm2Id") for g in groups]
    assert None in ids and "" in ids and b"alice@example.com".hex() in ids
    assert any(i is not None and len(i) == 256 for i in ids)  # the 128-byte binary ID
    types = {t.get("messageType", "RAW") for g in groups for t in g["tests"]}
    assert types == {"RAW", "DIGEST"}


def test_kinds_cover_the_issue(shipped_docs: dict[str, dict[str, Any]]) -> None:
    ecdsa = {(g["curve"], g["sha"]) for g in shipped_docs["ecdsa"]["testGroups"]}
    assert ecdsa == {
        ("secp256r1", "SHA-256"),
        ("secp384r1", "SHA-384"),
        ("secp521r1", "SHA-512"),
        ("secp256k1", "SHA-256"),
    }
    encodings = {
        t["encoding"] for g in shipped_docs["sm2-encrypt"]["testGroups"] for t in g["tests"]
    }
    assert encodings == {"DER", "C1C3C2", "C1C2C3"}
    assert {g["curve"] for g in shipped_docs["ecdh"]["testGroups"]} == {
        "secp256r1",
        "secp384r1",
        "secp521r1",
    }
    for kind in ("rsa-pss", "rsa-pkcs1", "rsa-oaep"):
        sizes = {g["keySize"] for g in shipped_docs[kind]["testGroups"]}
        assert sizes == {2048, 3072, 4096}


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return vectors.generate("sm2-ecdh", seed="format", count=1)


def _mutated(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    change(new)
    return new


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("generator"), "no generator.kind"),
        (lambda d: d["generator"].update(kind="envelope"), "writes a directory"),
        (lambda d: d.update(algorithm="ECDSA"), "does not match"),
        (lambda d: d["testGroups"][0]["tests"][0].update(result="acceptable"), "result must be"),
        (lambda d: d["testGroups"][0]["tests"][1].update(tcId=1), "duplicate tcId"),
        (lambda d: d.update(numberOfTests=1), "numberOfTests"),
        (lambda d: d["notes"].pop("Normal"), "no entry in notes"),
        (lambda d: d.update(testGroups={}), "testGroups missing"),
        (lambda d: d["testGroups"][0]["tests"][2].update(public="zz"), "public is not hex"),
        (lambda d: d["testGroups"][0].update(tests=[1]), "not an object"),
    ],
)
def test_malformed_documents_are_refused(small: dict[str, Any], change: Any, message: str) -> None:
    with pytest.raises(ValidationException, match=re.escape(message)):
        vectors.check(_mutated(small, change))
    with pytest.raises(ValidationException):
        vectors.check([])  # type: ignore[arg-type]


def _first(doc: dict[str, Any], flag: str) -> dict[str, Any]:
    for group in doc["testGroups"]:
        for test in group["tests"]:
            if flag in test["flags"]:
                return test  # type: ignore[no-any-return]
    raise AssertionError(flag)


def test_the_checker_reports_each_kind_of_mismatch(small: dict[str, Any]) -> None:
    doc = copy.deepcopy(small)
    normal = _first(doc, "Normal")
    normal["shared"] = "00" * 32  # kmskit derives something else
    _first(doc, "OffCurvePoint")["result"] = "valid"  # kmskit rejects it
    _first(doc, "CompressedPoint")["result"] = "invalid"  # kmskit accepts it
    report = vectors.check(doc)
    assert not report.ok
    got = sorted((p.flags[0], p.got) for p in report.failures)
    assert got == [
        ("CompressedPoint", "accepted"),
        ("Normal", "wrong output"),
        ("OffCurvePoint", "rejected"),
    ]
    assert report.passed == report.total - 3
    assert report.to_json()["failed"] == 3


def test_kmskit_crashes_are_failures_not_rejections() -> None:
    # A KmskitError is a rejection; anything else escaping kmskit is a bug, never "invalid".
    def crash() -> bytes:
        raise IndexError("parser bug")

    def reject() -> bytes:
        raise InvalidCiphertextException("no")

    crashed, rejected = judged(crash), judged(reject)
    assert crashed.crashed and not crashed.accepted and "IndexError" in crashed.detail
    assert not rejected.crashed and not rejected.accepted
    assert rejected.detail.startswith("InvalidCiphertextException")
    assert judged(lambda: b"x") == Verdict(True, output=b"x")


def test_progress_is_reported(small: dict[str, Any]) -> None:
    seen: list[tuple[int, int]] = []
    vectors.check(small, progress=lambda done, total: seen.append((done, total)))
    n = small["numberOfTests"]
    assert seen[-1] == (n, n) and len(seen) == n
