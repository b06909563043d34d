"""The oracles are real checks: they reject what they should, and their helpers are right."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit import vectors
from kmskit.offline import _sm2_curve, sm2
from kmskit.offline.errors import ValidationException
from kmskit.vectors import _curves
from kmskit.vectors.oracles import _sm2_layout, get_oracle
from kmskit.vectors.oracles import openssl as openssl_oracle
from kmskit.vectors.oracles.openssl import OpensslOracle

# Known leniencies where OpenSSL even returns the right plaintext: inverted to "valid", they
# agree. (EmptyC2 decrypts to an empty plaintext, so inverted it still disagrees.)
LENIENT_WITH_MSG = {flag for _, flag in openssl_oracle.KNOWN_LENIENCIES} - {"EmptyC2"}


def _first_group_flipped(doc: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Only the first group, with every result inverted; returns the doc and its size."""
    new = copy.deepcopy(doc)
    group = new["testGroups"][0]
    new["testGroups"] = [group]
    for test in group["tests"]:
        test["result"] = "invalid" if test["result"] == "valid" else "valid"
    new["numberOfTests"] = len(group["tests"])
    return new, len(group["tests"])


@pytest.mark.interop
@pytest.mark.parametrize("kind", vectors.KINDS)
def test_openssl_disagrees_with_every_inverted_result(
    kind: str, shipped_docs: dict[str, dict[str, Any]]
) -> None:
    doc, n = _first_group_flipped(shipped_docs[kind])
    report = vectors.check(doc, oracle="openssl")
    assert report.oracle is not None
    lenient = sum(1 for t in doc["testGroups"][0]["tests"] if set(t["flags"]) & LENIENT_WITH_MSG)
    if kind != "sm2-encrypt":
        lenient = 0
    assert len(report.oracle.disagreements) == n - lenient
    assert len(report.failures) == n  # kmskit, of course, disagrees with all of them


@pytest.mark.interop
def test_gmssl_disagrees_with_inverted_signatures(shipped_docs: dict[str, dict[str, Any]]) -> None:
    doc, _ = _first_group_flipped(shipped_docs["sm2-sign"])
    assert "sm2Id" not in doc["testGroups"][0]  # the default-ID group, which gmssl can run
    report = vectors.check(doc, oracle="gmssl")
    assert report.oracle is not None
    lenient = {"IntegerPadding", "WrongDigestLength"}
    expected = sum(1 for t in doc["testGroups"][0]["tests"] if not set(t["flags"]) & lenient)
    assert len(report.oracle.disagreements) == expected


def test_unknown_or_missing_oracles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValidationException, match="unknown oracle"):
        get_oracle("bouncycastle")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ValidationException, match="openssl command"):
        OpensslOracle.locate()


def test_sm2_generator_2g_for_the_explicit_parameters() -> None:
    assert openssl_oracle._SM2_G2 == _sm2_curve.mul_base(2)


def test_sm2_layouts() -> None:
    key = sm2.SM2PrivateKey(12345)
    msg = b"layout"
    for encoding in ("C1C3C2", "C1C2C3"):
        raw = sm2.encrypt(key.public_key(), msg, encoding=encoding)
        der = sm2.convert_ciphertext(raw, from_encoding=encoding, to_encoding="DER")
        with_prefix = _sm2_layout.raw_to_parts(raw, encoding)
        assert with_prefix is not None
        assert _sm2_layout.raw_to_parts(raw[1:], encoding) == with_prefix
        assert _sm2_layout.parts_to_der(with_prefix) == der
        assert _sm2_layout.der_to_parts(der) == with_prefix
    assert _sm2_layout.raw_to_parts(b"\x04" + bytes(50), "C1C3C2") is None
    assert _sm2_layout.der_to_parts(b"\x30\x03\x02\x01") is None
    assert _sm2_layout.der_to_parts(b"\x31\x00") is None
    assert _sm2_layout.on_curve(_sm2_curve.GX_INT, _sm2_curve.GY_INT)
    assert not _sm2_layout.on_curve(_sm2_curve.GX_INT, _sm2_curve.GY_INT + 1)


def test_sm2_spki_rewrap_keeps_other_keys() -> None:
    p256 = bytes.fromhex(
        vectors.generate("ecdh", seed="rewrap", count=1)["testGroups"][0]["tests"][0]["public"]
    )
    assert openssl_oracle._rewrap_sm2_spki(p256) == p256
    assert openssl_oracle._rewrap_sm2_spki(b"\x30") == b"\x30"
    sm2_spki = sm2.SM2PrivateKey(7).public_key().spki_der()
    rewrapped = openssl_oracle._rewrap_sm2_spki(sm2_spki)
    assert rewrapped != sm2_spki and rewrapped.endswith(sm2_spki[-66:])


@pytest.mark.parametrize("curve", _curves.CURVES[:4], ids=lambda c: c.name)
def test_curve_constants_match_cryptography(curve: _curves.Curve) -> None:
    assert curve.pyca is not None
    ec.derive_private_key(curve.n - 1, curve.pyca())
    with pytest.raises(ValueError):
        ec.derive_private_key(curve.n, curve.pyca())
    for d in (1, 2, 0xC0FFEE):
        nums = ec.derive_private_key(d, curve.pyca()).public_key().public_numbers()
        assert curve.on_curve(nums.x, nums.y) and curve.has_y(nums.x)
        assert not curve.on_curve(nums.x, nums.y + 1)
    assert _curves.by_name(curve.name) is curve
    with pytest.raises(KeyError):
        _curves.by_name("brainpoolP256r1")


def test_sm2_curve_constants() -> None:
    c = _curves.SM2
    assert c.on_curve(_sm2_curve.GX_INT, _sm2_curve.GY_INT)
    assert (c.p, c.n, c.coord_len) == (_sm2_layout.SM2_P, _sm2_layout.SM2_N, 32)


def test_every_known_leniency_is_documented() -> None:
    from kmskit.vectors.oracles import gmssl as gmssl_oracle

    text = (Path(__file__).resolve().parents[2] / "docs" / "vectors.md").read_text("utf-8")
    for name, table in (
        ("openssl", openssl_oracle.KNOWN_LENIENCIES),
        ("gmssl", gmssl_oracle.KNOWN_LENIENCIES),
    ):
        for kind, flag in table:
            assert f"| {name} | {kind} | `{flag}` |" in text, (name, kind, flag)
