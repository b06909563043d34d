"""The batch engine: every item's outcome, in order, whatever the mix, with 1 or N processes.

Signatures come from ``cryptography`` and the openssl CLI (SM2, with the default ID), never
from the engine under test; ``sign_batch`` is then checked by ``cryptography``.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.offline import batch
from kmskit.offline.batch import BatchOutcome, sign_batch, verify_batch

MESSAGE = b"release 1.2.3\n"


def _lines(*items: Any) -> io.BytesIO:
    text = "".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items)
    return io.BytesIO(text.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def p256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ec.EllipticCurvePrivateKey:
    monkeypatch.chdir(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    Path("pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    Path("key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    Path("msg").write_bytes(MESSAGE)
    Path("msg.sig").write_bytes(key.sign(MESSAGE, ec.ECDSA(hashes.SHA256())))
    return key


def _item(**kw: Any) -> dict[str, Any]:
    return {"publicKey": "pub.pem", "signingAlgorithm": "ECDSA_SHA_256", **kw}


def test_every_kind_of_item(p256: ec.EllipticCurvePrivateKey) -> None:
    sig = Path("msg.sig").read_bytes()
    digest = hashes.Hash(hashes.SHA256())
    digest.update(MESSAGE)
    raw = _raw(sig)
    long_line = json.dumps(_item(id="long", messageBase64="A" * batch.MAX_LINE))
    source = _lines(
        _item(id="path", message="msg", signature="msg.sig"),
        _item(id="b64", messageBase64=_b64(MESSAGE), signatureBase64=_b64(sig)),
        _item(id="digest", digest=digest.finalize().hex(), signatureBase64=_b64(raw)),
        _item(id="digestOf", digestOf="msg", signatureBase64=_b64(sig)),
        _item(id="text", message="msg", signatureBase64=_b64(_b64(sig).encode())),
        _item(id={"any": ["json"]}, messageBase64=_b64(b"other"), signature="msg.sig"),
        "",
        "{not json",
        "[1, 2]",
        _item(id="two messages", message="msg", digest="00", signature="msg.sig"),
        _item(id="no key", publicKey=None, message="msg", signature="msg.sig"),
        _item(id="missing", message="nope", signature="msg.sig"),
        _item(id="bad alg", signingAlgorithm="ECDSA_SHA_384", message="msg", signature="msg.sig"),
        _item(id="short digest", digest="00" * 31, signature="msg.sig"),
        _item(id="raw as der", message="msg", signatureBase64=_b64(raw), signatureFormat="der"),
        long_line,
        _item(id="last", message="msg", signature="msg.sig"),
    )
    got = [(o.index, o.id, o.result) for o in verify_batch(source, jobs=1)]
    assert got == [
        (1, "path", "valid"),
        (2, "b64", "valid"),
        (3, "digest", "valid"),
        (4, "digestOf", "valid"),
        (5, "text", "valid"),
        (6, {"any": ["json"]}, "invalid"),
        (8, None, "error"),
        (9, None, "error"),
        (10, "two messages", "error"),
        (11, "no key", "error"),
        (12, "missing", "error"),
        (13, "bad alg", "error"),
        (14, "short digest", "error"),
        (15, "raw as der", "invalid"),
        (16, None, "error"),
        (17, "last", "valid"),
    ]


def _raw(der: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_reasons_are_one_line_and_name_the_problem(p256: ec.EllipticCurvePrivateKey) -> None:
    source = _lines(
        _item(id=1, message="nope", signature="msg.sig"),
        _item(id=2, message="msg", signatureBase64=_b64(b"\x30\x03abc")),
        _item(id=3, publicKey="msg", message="msg", signature="msg.sig"),
    )
    reasons = {o.id: o.reason or "" for o in verify_batch(source, jobs=1)}
    assert "cannot read message nope" in reasons[1]
    assert "malformed signature" in reasons[2]
    assert reasons[3].startswith("msg: KeyFormatError")
    assert all("\n" not in r for r in reasons.values())


def test_processes_keep_the_order(p256: ec.EllipticCurvePrivateKey) -> None:
    sig = Path("msg.sig").read_bytes()
    items = []
    bad = {5, 300, 301, 700, 784}
    for i in range(3 * batch.CHUNK_ITEMS + 17):
        message = MESSAGE if i not in bad else b"tampered"
        items.append(_item(id=i, messageBase64=_b64(message), signatureBase64=_b64(sig)))
    serial = list(verify_batch(_lines(*items), jobs=1))
    parallel = list(verify_batch(_lines(*items), jobs=2))
    assert serial == parallel
    assert [o.id for o in parallel] == list(range(len(items)))
    assert {o.id for o in parallel if o.result == "invalid"} == bad


def test_sign_batch_makes_signatures_a_peer_accepts(p256: ec.EllipticCurvePrivateKey) -> None:
    source = _lines(
        {"id": "a", "privateKey": "key.pem", "signingAlgorithm": "ECDSA_SHA_256", "message": "msg"},
        {
            "id": "b",
            "privateKey": "key.pem",
            "signingAlgorithm": "ECDSA_SHA_256",
            "digestOf": "msg",
        },
        {"id": "c", "privateKey": "nope", "signingAlgorithm": "ECDSA_SHA_256", "message": "msg"},
    )
    out = list(sign_batch(source, jobs=1))
    assert [o.result for o in out] == ["signed", "signed", "error"]
    for o in out[:2]:
        assert o.signature is not None
        p256.public_key().verify(base64.b64decode(o.signature), MESSAGE, ec.ECDSA(hashes.SHA256()))
    doc = json.loads(out[0].to_json())
    assert doc == {"index": 1, "id": "a", "result": "signed", "signatureBase64": out[0].signature}


def test_sm2_items_with_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def openssl(*args: str) -> bytes:
        return subprocess.run(["openssl", *args], capture_output=True, check=True).stdout

    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "k.pem")
    Path("pub.pem").write_bytes(openssl("pkey", "-in", "k.pem", "-pubout"))
    Path("m").write_bytes(MESSAGE)
    default = openssl("dgst", "-sm3", "-sign", "k.pem", "-sigopt", "distid:1234567812345678", "m")
    alice = openssl("dgst", "-sm3", "-sign", "k.pem", "-sigopt", "distid:alice", "m")
    base = {"publicKey": "pub.pem", "signingAlgorithm": "SM2DSA", "message": "m"}
    items = [{**base, "id": i, "signatureBase64": _b64(default)} for i in range(20)]
    items.append({**base, "id": "alice", "sm2Id": "alice", "signatureBase64": _b64(alice)})
    items.append(
        {**base, "id": "alice hex", "sm2IdHex": b"alice".hex(), "signatureBase64": _b64(alice)}
    )
    items.append({**base, "id": "wrong id", "signatureBase64": _b64(alice)})
    items.append(
        {
            **base,
            "message": None,
            "id": "digestOf",
            "digestOf": "m",
            "sm2Id": "alice",
            "signatureBase64": _b64(alice),
        }
    )
    outcomes = list(verify_batch(_lines(*items), jobs=1))
    out = {o.id: o.result for o in outcomes}
    assert out.pop("wrong id") == "invalid"
    assert set(out.values()) == {"valid"}, [o for o in outcomes if o.result == "error"]


def test_outcome_json() -> None:
    assert json.loads(BatchOutcome(3, None, "invalid", "bad").to_json()) == {
        "index": 3,
        "id": None,
        "result": "invalid",
        "reason": "bad",
    }


class _Lines:
    """An endless-looking source that makes its lines on demand (nothing held in memory)."""

    def __init__(self, count: int, line: bytes) -> None:
        self.count, self.line = count, line

    def readline(self, size: int = -1) -> bytes:
        if not self.count:
            return b""
        self.count -= 1
        return self.line


def test_memory_does_not_grow_with_the_input(p256: ec.EllipticCurvePrivateKey) -> None:
    import tracemalloc

    line = (json.dumps(_item(id="x", message="msg", signature="msg.sig")) + "\n").encode()

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            results = sum(o.result == "valid" for o in verify_batch(_Lines(count, line), jobs=1))
            assert results == count
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2 * batch.CHUNK_ITEMS), peak(12 * batch.CHUNK_ITEMS)
    assert large < small + 256 * 1024, (small, large)
