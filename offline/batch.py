"""Verify or sign many items listed as JSON Lines: in order, in constant memory, on every core.

One input line is one JSON object (docs/offline.md, "Batches"). Each item's outcome is a
:class:`BatchOutcome`, produced in input order. The engine never prints and never exits; the
CLI writes the outcomes and the summary.

How it stays fast and small:

* lines are read in chunks of :data:`CHUNK_ITEMS`; at most two chunks per worker are in
  flight, so memory does not grow with the input;
* with ``jobs > 1`` the chunks go to worker processes (forked on Linux; ``spawn``
  elsewhere) and come back in order; a batch that fits in one chunk runs in this process;
* each process keeps the keys it parsed, by file, for the :data:`KEY_CACHE_SIZE` most
  recently used key files: a key is parsed once, and an SM2 key object builds its comb table
  (:meth:`offline.sm2.SM2PublicKey.precompute`) after a few verifications and then reuses
  it; ECDSA reuses ``cryptography``'s key object.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import multiprocessing
import os
import sys
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

from kmskit.offline import file_digest, signature_forms
from kmskit.offline.errors import (
    KMSInvalidSignatureException,
    KmskitError,
)
from kmskit.offline.keys import PrivateKey, PublicKey, load_private_key, load_public_key
from kmskit.offline.signing import sign, verify
from kmskit.offline.specs import MAX_RAW_MESSAGE, MessageType

__all__ = [
    "CHUNK_ITEMS",
    "KEY_CACHE_SIZE",
    "MAX_LINE",
    "BatchOutcome",
    "default_jobs",
    "sign_batch",
    "verify_batch",
]

CHUNK_ITEMS: Final = 256
KEY_CACHE_SIZE: Final = 16
# A line holds at most a 4096-byte message in base64 or an ML-DSA-87 signature: 64 KiB is
# ample, and bounds what one bad line can make the engine hold.
MAX_LINE: Final = 1 << 16
# Key, signature files: no KMS key or signature comes near this.
_MAX_SMALL_FILE: Final = 1 << 20

Result = Literal["valid", "invalid", "error", "signed"]
_Raw = tuple[int, Any, str, str | None, str | None]  # index, id, result, reason, signature b64
# What a worker sends back: the outcome's fields and its JSON line, serialised in the worker
# so that the process that reads and writes does as little per item as possible.
_Done = tuple[_Raw, str]


class BinaryLines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class BatchOutcome:
    """One item's outcome. ``index`` is the input line number, counting from 1."""

    index: int
    id: Any
    result: Result
    reason: str | None = None
    signature: str | None = None  # base64, for sign batches
    _line: str | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> str:
        """The outcome as one JSON object (the CLI's output line, without the newline)."""
        if self._line is not None:
            return self._line
        return _outcome_json((self.index, self.id, self.result, self.reason, self.signature))


def _outcome_json(raw: _Raw) -> str:
    index, ident, result, reason, signature = raw
    doc: dict[str, Any] = {"index": index, "id": ident, "result": result}
    if signature is not None:
        doc["signatureBase64"] = signature
    if reason is not None:
        doc["reason"] = reason
    return _ENCODER.encode(doc)


# One encoder for every line: json.dumps with any non-default option builds a new one per call.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False)


class _ItemError(Exception):
    """The item cannot be processed as written (result ``error``)."""


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def verify_batch(
    source: BinaryLines, *, jobs: int | None = None, signature_form: str = "auto"
) -> Iterator[BatchOutcome]:
    """Verify every item of the JSON Lines ``source``; yield outcomes in input order.

    Each outcome is ``valid``, ``invalid`` (the signature does not verify, or is malformed,
    as KMS Verify answers) or ``error`` (the item cannot be checked: bad JSON, a missing
    file, an algorithm the key does not have, a bad message length ...). ``signature_form``
    is the default for items without ``signatureFormat`` (der, raw or auto).
    """
    if signature_form not in signature_forms.SIGNATURE_FORMS:
        raise ValueError(f"unknown signature format {signature_form!r}")
    return _run("verify", signature_form, source, default_jobs() if jobs is None else jobs)


def sign_batch(source: BinaryLines, *, jobs: int | None = None) -> Iterator[BatchOutcome]:
    """Sign every item of the JSON Lines ``source`` (``privateKey`` instead of
    ``publicKey``, no signature); yield ``signed`` outcomes with the DER/binary signature in
    base64, or ``error``."""
    return _run("sign", "auto", source, default_jobs() if jobs is None else jobs)


# ---------------------------------------------------------------------------------------------
# Scheduling


def _chunks(source: BinaryLines) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number in itertools.count(1):
        line = source.readline(MAX_LINE + 1)
        if not line:
            break
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line, in bounded reads
                rest = source.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
            line = b""  # marks "too long" for the worker
            chunk.append((number, line))
        elif line.strip():
            chunk.append((number, line))
        if len(chunk) >= CHUNK_ITEMS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run(kind: str, form: str, source: BinaryLines, jobs: int) -> Iterator[BatchOutcome]:
    chunks = _chunks(source)
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:
        for chunk in itertools.chain(head, chunks):
            for raw, line in process_chunk(kind, form, chunk):
                yield BatchOutcome(*raw, line)  # type: ignore[arg-type]
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context(method)
    ) as pool:
        pending: deque[Future[list[_Done]]] = deque()
        for chunk in itertools.chain(head, chunks):
            pending.append(pool.submit(process_chunk, kind, form, chunk))
            if len(pending) >= 2 * jobs:
                for raw, line in pending.popleft().result():
                    yield BatchOutcome(*raw, line)  # type: ignore[arg-type]
        while pending:
            for raw, line in pending.popleft().result():
                yield BatchOutcome(*raw, line)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Items (this part runs in the workers)


class _KeyCache:
    """The most recently used keys, parse failures included (parsed once either way).

    Entries are keyed by the file's identity and version (device, inode, size, mtime), not
    its name: two spellings of one path share an entry, and a key file replaced between
    two batches in one process is read again.
    """

    def __init__(self, loader: Callable[[bytes], Any]) -> None:
        self._loader = loader
        self._entries: OrderedDict[tuple[int, int, int, int], Any] = OrderedDict()

    def get(self, path: str) -> Any:
        try:
            st = os.stat(path)
        except OSError as exc:
            raise _ItemError(f"cannot read key {path}: {exc.strerror}") from None
        ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        entry = self._entries.get(ident)
        if entry is None:
            try:
                entry = self._loader(_read_file(path, "key"))
            except (KmskitError, ValueError, _ItemError) as exc:
                entry = _ItemError(f"{path}: {_name(exc)}: {exc}")
            self._entries[ident] = entry
            while len(self._entries) > KEY_CACHE_SIZE:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(ident)
        if isinstance(entry, _ItemError):
            raise entry
        return entry


_public_keys = _KeyCache(load_public_key)
_private_keys = _KeyCache(load_private_key)


def _name(exc: BaseException) -> str:
    return type(exc).__name__.lstrip("_")


def _read_file(path: str, what: str, limit: int = _MAX_SMALL_FILE) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _ItemError(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise _ItemError(f"{what} {path} is larger than {limit} bytes")
    return data


def _string(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _ItemError(f"{name} must be a string")
    return value


def _b64(obj: dict[str, Any], name: str) -> bytes:
    text = _string(obj, name) or ""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _ItemError(f"{name} is not base64") from None


def _one_of(obj: dict[str, Any], names: tuple[str, ...]) -> str:
    given = [n for n in names if obj.get(n) is not None]
    if len(given) != 1:
        raise _ItemError(f"give exactly one of {', '.join(names)}")
    return given[0]


def _sm2_id(obj: dict[str, Any]) -> bytes | None:
    text, hex_id = _string(obj, "sm2Id"), _string(obj, "sm2IdHex")
    if text is not None and hex_id is not None:
        raise _ItemError("give sm2Id or sm2IdHex, not both")
    if hex_id is not None:
        try:
            return bytes.fromhex(hex_id)
        except ValueError:
            raise _ItemError("sm2IdHex is not hex") from None
    return None if text is None else text.encode("utf-8")


def _message(
    obj: dict[str, Any],
    public_key: Callable[[], PublicKey],
    algorithm: str,
    sm2_id: bytes | None,
) -> tuple[bytes, str, bytes | None]:
    """(message or digest, message type, ID still to apply) for an item."""
    field = _one_of(obj, ("message", "messageBase64", "digest", "digestOf"))
    mtype = _string(obj, "messageType")
    if field == "digestOf":
        if mtype is not None:
            raise _ItemError("digestOf sets the message type itself; drop messageType")
        path = _string(obj, field) or ""
        try:
            with open(path, "rb") as fh:
                kind, digest = file_digest.digest_of_stream(
                    public_key(), algorithm, fh, sm2_id=sm2_id
                )
        except OSError as exc:
            raise _ItemError(f"cannot read digestOf {path}: {exc.strerror}") from None
        return digest, kind.value, None
    if field == "digest":
        try:
            digest = bytes.fromhex(_string(obj, field) or "")
        except ValueError:
            raise _ItemError("digest is not hex") from None
        if mtype == MessageType.RAW:
            raise _ItemError("digest implies messageType DIGEST (or EXTERNAL_MU)")
        return digest, mtype or MessageType.DIGEST.value, sm2_id
    if field == "message":
        data = _read_file(_string(obj, field) or "", "message", MAX_RAW_MESSAGE)
    else:
        data = _b64(obj, field)
    return data, mtype or MessageType.RAW.value, sm2_id


def _item(line: bytes) -> dict[str, Any]:
    if not line:
        raise _ItemError(f"line longer than {MAX_LINE} bytes")
    try:
        # Decoded here (a BOM is dropped): json's own encoding detection costs more.
        obj = json.loads(line.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise _ItemError("not a JSON object") from None
    if not isinstance(obj, dict):
        raise _ItemError("not a JSON object")
    return obj


def _verify_one(
    obj: dict[str, Any], default_form: str, keys: dict[str, Any]
) -> tuple[str, str | None]:
    path = _string(obj, "publicKey") or _missing("publicKey")
    pub: PublicKey | None = keys.get(path)
    if pub is None:
        pub = keys[path] = _public_keys.get(path)
    algorithm = _string(obj, "signingAlgorithm") or _missing("signingAlgorithm")
    form = _string(obj, "signatureFormat") or default_form
    if form not in signature_forms.SIGNATURE_FORMS:
        raise _ItemError("signatureFormat must be der, raw or auto")
    message, mtype, sm2_id = _message(obj, lambda: pub, algorithm, _sm2_id(obj))
    if _one_of(obj, ("signature", "signatureBase64")) == "signature":
        signature = _read_file(_string(obj, "signature") or "", "signature")
    else:
        signature = _b64(obj, "signatureBase64")
    try:
        verify(pub, message, signature, algorithm, mtype, sm2_id=sm2_id, signature_format=form)
    except KMSInvalidSignatureException as exc:
        return "invalid", str(exc)
    return "valid", None


def _sign_one(obj: dict[str, Any]) -> str:
    priv: PrivateKey = _private_keys.get(_string(obj, "privateKey") or _missing("privateKey"))
    algorithm = _string(obj, "signingAlgorithm") or _missing("signingAlgorithm")
    message, mtype, sm2_id = _message(obj, priv.public_key, algorithm, _sm2_id(obj))
    return base64.b64encode(sign(priv, message, algorithm, mtype, sm2_id=sm2_id)).decode()


def _missing(name: str) -> str:
    raise _ItemError(f"{name} is required")


def process_chunk(kind: str, form: str, chunk: Iterable[tuple[int, bytes]]) -> list[_Done]:
    """Run one chunk of (line number, line) items; module-level so workers can import it."""
    out: list[_Done] = []
    # Keys by path for this chunk only: saves a stat() per item; files are re-checked per chunk.
    keys: dict[str, Any] = {}
    for number, line in chunk:
        ident: Any = None
        raw: _Raw
        try:
            obj = _item(line)
            ident = obj.get("id")
            if kind == "verify":
                result, reason = _verify_one(obj, form, keys)
                raw = (number, ident, result, reason, None)
            else:
                raw = (number, ident, "signed", None, _sign_one(obj))
        except _ItemError as exc:
            raw = (number, ident, "error", str(exc), None)
        except KmskitError as exc:
            raw = (number, ident, "error", f"{_name(exc)}: {exc}", None)
        except ValueError as exc:  # e.g. an unencodable sm2Id
            raw = (number, ident, "error", f"{_name(exc)}: {exc}", None)
        out.append((raw, _outcome_json(raw)))
    return out
