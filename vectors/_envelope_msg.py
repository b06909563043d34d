"""Envelope messages for test vectors, built field by field so that exactly one can be wrong.

This is a second, independent writer of the message format (docs/format.md): it shares only
the suite table and the spec constants with :mod:`envelope`, never its encryption code, so
the vectors check kmskit's decrypt rather than echo it. Every value that the format draws at
random comes from the DRBG instead (docs/vectors.md#envelope-draws): the message id, the data
key, each EDK's IV / OAEP seed / SM2 ephemeral k, the signing key and the SM2 signing nonce.
ECDSA P-384 footers use RFC 6979 nonces, so they need no draw. A test checks that, fed the
same draws, ``envelope.encrypt`` writes exactly these bytes.

A :class:`Message` keeps the header fields, frames and keys apart; negative cases change one
of them with :func:`dataclasses.replace` and re-encode, recomputing the header tag (unless
the case is about the tag) and the footer signature, so only the one change is wrong.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as pyca_hmac
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kmskit.envelope.frames import (
    FINAL_FRAME_LABEL,
    FINAL_FRAME_MARKER,
    FRAME_LABEL,
    NON_FRAMED_LABEL,
    frame_iv,
)
from kmskit.envelope.header import MESSAGE_ID_LENGTH
from kmskit.envelope.suites import (
    MESSAGE_FORMAT_VERSION,
    PUBLIC_KEY_CONTEXT_KEY,
    BodyCipher,
    FooterSignature,
    SuiteProfile,
)
from kmskit.offline import sm2
from kmskit.offline.encryption_context import serialize_encryption_context
from kmskit.offline.errors import ValidationException
from kmskit.offline.hashing import pyca_hash
from kmskit.vectors import _rsa_math
from kmskit.vectors._curves import P384
from kmskit.vectors._drbg import Drbg

__all__ = [
    "AES_TAG_BITS",
    "Edk",
    "Frame",
    "Header",
    "Message",
    "NonFramed",
    "Recipient",
    "build",
]

# docs/format.md#key-derivation and #raw-aes-keyring (the ESDK's values).
_DERIVE_LABEL: Final = b"DERIVEKEY"
_COMMIT_LABEL: Final = b"COMMITKEY"
AES_TAG_BITS: Final = 128
_AES_IV_LENGTH: Final = 12
_FRAMED: Final = 0x02
_NON_FRAMED: Final = 0x01
_OAEP_HASH_LENGTH: Final = {"SHA-1": 20, "SHA-256": 32}


def _u16(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


@dataclass(frozen=True)
class Edk:
    """An encrypted data key as raw header fields (no validation: cases may break them)."""

    provider_id: bytes
    provider_info: bytes
    ciphertext: bytes

    def encode(self) -> bytes:
        return _u16(self.provider_id) + _u16(self.provider_info) + _u16(self.ciphertext)


@dataclass(frozen=True)
class Recipient:
    """How one EDK is made, in the framework's raw master-key terms.

    ``kind`` ``aes`` wraps with AES-GCM under ``secret`` (ESDK raw AES layout), ``rsa`` with
    RSAES-OAEP (``oaep_hash`` SHA-1 or SHA-256, MGF1 with the same hash), ``sm2`` with
    SM2PKE (GM/T 0009 DER, kmskit's SM2 keyring). ``key_id`` is the EDK's key name.
    """

    kind: Literal["aes", "rsa", "sm2"]
    provider_id: str
    key_id: str
    secret: bytes = field(default=b"", repr=False)
    rsa_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    sm2_key: sm2.SM2PrivateKey | None = field(default=None, repr=False)
    oaep_hash: str = "SHA-256"

    def wrap(self, data_key: bytes, serialized_context: bytes, rng: Drbg) -> Edk:
        """The EDK of ``data_key``; IV, OAEP seed or SM2 k drawn from ``rng``."""
        provider_id = self.provider_id.encode("utf-8")
        name = self.key_id.encode("utf-8")
        if self.kind == "aes":
            iv = rng.child("iv").read(_AES_IV_LENGTH)
            info = name + struct.pack(">II", AES_TAG_BITS, _AES_IV_LENGTH) + iv
            return Edk(
                provider_id, info, AESGCM(self.secret).encrypt(iv, data_key, serialized_context)
            )
        if self.kind == "rsa":
            assert self.rsa_key is not None
            public = self.rsa_key.public_key()
            k = (public.key_size + 7) // 8
            seed = rng.child("seed").read(_OAEP_HASH_LENGTH[self.oaep_hash])
            em = _rsa_math.eme_oaep(
                data_key, seed, k, hash_name=self.oaep_hash, mgf_hash=self.oaep_hash
            )
            c = _rsa_math.rsa_public(public, _rsa_math.as_int(em))
            return Edk(provider_id, name, c.to_bytes(k, "big"))
        assert self.sm2_key is not None
        nonces = rng.child("k")
        while True:
            k_sm2 = nonces.scalar(sm2.N - 1)
            try:
                ct = sm2.encrypt(self.sm2_key.public_key(), data_key, k_for_test_vectors=k_sm2)
            except ValidationException:  # pragma: no cover - an all-zero KDF output
                continue
            return Edk(provider_id, name, ct)


class Signer:
    """The footer signer of one signed message: a DRBG key pair for the suite.

    ECDSA P-384: d = scalar(n − 1) from ``rng``; RFC 6979 nonces (SHA-384), and of (r, s) and
    (r, n − s) the one whose DER is 103 bytes when there is one, as the ESDK writes them.
    SM2: d = scalar(n − 2); the nonce k = scalar(n − 1) from ``rng/k``, the next draw if
    unusable; e = SM3(Z_A ‖ M) with the default ID.
    """

    def __init__(self, suite: SuiteProfile, rng: Drbg) -> None:
        self._suite = suite
        self._rng = rng
        self._ec: ec.EllipticCurvePrivateKey | None = None
        self._sm2: sm2.SM2PrivateKey | None = None
        if suite.signature is FooterSignature.ECDSA_P384:
            self._ec = ec.derive_private_key(rng.scalar(P384.n - 1), ec.SECP384R1())
            point = self._ec.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        else:
            self._sm2 = sm2.SM2PrivateKey(rng.scalar(sm2.N - 2))
            point = self._sm2.public_key().to_bytes(compressed=True)
        self.public_key_text = base64.b64encode(point).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        """The DER signature over ``data`` (deterministic)."""
        if self._sm2 is not None:
            nonces = self._rng.child("k")
            while True:
                try:
                    return sm2.sign(self._sm2, data, k_for_test_vectors=nonces.scalar(sm2.N - 1))
                except ValidationException:  # pragma: no cover - r = 0, r + k = n or s = 0
                    continue
        assert self._ec is not None
        sig = self._ec.sign(data, ec.ECDSA(hashes.SHA384(), deterministic_signing=True))
        if len(sig) != self._suite.signature_length:
            r, s = decode_dss_signature(sig)
            other = encode_dss_signature(r, P384.n - s)
            if len(other) == self._suite.signature_length:
                return other
        return sig


@dataclass(frozen=True)
class Header:
    """The header body fields, as written (``edk_count`` may disagree with ``edks``)."""

    version: int
    suite_id: int
    message_id: bytes
    context: bytes  # the serialized encryption context
    edks: tuple[Edk, ...]
    edk_count: int
    content_type: int
    frame_length: int
    commit_key: bytes

    def encode(self) -> bytes:
        out = struct.pack(">BH", self.version, self.suite_id) + self.message_id
        out += _u16(self.context) + struct.pack(">H", self.edk_count)
        out += b"".join(edk.encode() for edk in self.edks)
        return out + struct.pack(">BI", self.content_type, self.frame_length) + self.commit_key


@dataclass(frozen=True)
class Frame:
    """One frame: regular (seq ‖ IV ‖ ct ‖ tag) or final (marker ‖ seq ‖ IV ‖ len ‖ ct ‖ tag).

    ``length`` is the final frame's content-length field (the ciphertext length when None).
    """

    seq: int
    iv: bytes
    ciphertext: bytes
    tag: bytes
    final: bool
    length: int | None = None

    def encode(self) -> bytes:
        if not self.final:
            return struct.pack(">I", self.seq) + self.iv + self.ciphertext + self.tag
        n = len(self.ciphertext) if self.length is None else self.length
        head = struct.pack(">II", FINAL_FRAME_MARKER, self.seq) + self.iv + struct.pack(">I", n)
        return head + self.ciphertext + self.tag


@dataclass(frozen=True)
class NonFramed:
    """The non-framed body: IV ‖ uint64 length ‖ ct ‖ tag."""

    iv: bytes
    ciphertext: bytes
    tag: bytes

    def encode(self) -> bytes:
        return self.iv + struct.pack(">Q", len(self.ciphertext)) + self.ciphertext + self.tag


def _derive(suite: SuiteProfile, data_key: bytes, message_id: bytes) -> tuple[bytes, bytes]:
    """(body key, commit key): HKDF-extract with salt = message id, then two expands."""
    extract = pyca_hmac.HMAC(message_id, pyca_hash(suite.kdf_hash))
    extract.update(data_key)
    prk = extract.finalize()
    body = HKDFExpand(
        pyca_hash(suite.kdf_hash), suite.data_key_length, suite.id_bytes + _DERIVE_LABEL
    ).derive(prk)
    commit = HKDFExpand(pyca_hash(suite.kdf_hash), suite.commit_key_length, _COMMIT_LABEL).derive(
        prk
    )
    return body, commit


def _seal(
    suite: SuiteProfile, key: bytes, iv: bytes, plaintext: bytes, aad: bytes
) -> tuple[bytes, bytes]:
    """(ciphertext, tag) of AES-GCM or SM4-GCM."""
    algorithm = algorithms.AES(key) if suite.cipher is BodyCipher.AES_GCM else algorithms.SM4(key)
    enc = Cipher(algorithm, modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return ct, enc.tag


def _body_aad(message_id: bytes, label: bytes, seq: int, length: int) -> bytes:
    return message_id + label + struct.pack(">IQ", seq, length)


@dataclass(frozen=True)
class Message:
    """A message taken apart; :meth:`encode` puts it back together."""

    suite: SuiteProfile
    header: Header
    header_tag: bytes
    body: tuple[Frame, ...] | NonFramed
    body_key: bytes = field(repr=False)
    signer: Signer | None = field(repr=False)

    def retagged(self) -> Message:
        """The same message with the header tag recomputed over the current header."""
        _, tag = _seal(
            self.suite, self.body_key, bytes(self.suite.iv_length), b"", self.header.encode()
        )
        return replace(self, header_tag=tag)

    def encode(self, *, signature: bytes | None = None) -> bytes:
        """The message bytes; signed suites get a footer signed over everything before it
        (or ``signature``, for the cases about the signature)."""
        body = (
            self.body.encode()
            if isinstance(self.body, NonFramed)
            else b"".join(frame.encode() for frame in self.body)
        )
        data = self.header.encode() + self.header_tag + body
        if self.signer is None:
            return data
        sig = self.signer.sign(data) if signature is None else signature
        return data + _u16(sig)

    def signature(self) -> bytes:
        """The footer signature :meth:`encode` writes (signed suites only)."""
        assert self.signer is not None
        return self.signer.sign(replace(self, signer=None).encode())


def _frames(
    suite: SuiteProfile, key: bytes, message_id: bytes, plaintext: bytes, frame_length: int
) -> tuple[Frame, ...]:
    """Every full frame but the last is regular; the last piece (a full frame, a partial
    one, or empty for an empty plaintext) is the final frame (docs/format.md#body)."""
    count = max(1, -(-len(plaintext) // frame_length))
    frames = []
    for i in range(count):
        seq = i + 1
        chunk = plaintext[i * frame_length : (i + 1) * frame_length]
        final = seq == count
        label = FINAL_FRAME_LABEL if final else FRAME_LABEL
        iv = frame_iv(seq, suite.iv_length)
        ct, tag = _seal(suite, key, iv, chunk, _body_aad(message_id, label, seq, len(chunk)))
        frames.append(Frame(seq, iv, ct, tag, final))
    return tuple(frames)


def build(
    suite: SuiteProfile,
    *,
    recipients: Sequence[Recipient],
    context: Mapping[str, str],
    plaintext: bytes,
    frame_length: int,
    rng: Drbg,
) -> Message:
    """A valid message (``frame_length`` 0 = non-framed), every draw from ``rng``'s children:
    ``signer``, ``message-id``, ``data-key`` and ``edk{j}`` (docs/vectors.md#envelope-draws)."""
    full = dict(context)
    signer = Signer(suite, rng.child("signer")) if suite.signed else None
    if signer is not None:
        full[PUBLIC_KEY_CONTEXT_KEY] = signer.public_key_text
    serialized = serialize_encryption_context(full)
    message_id = rng.child("message-id").read(MESSAGE_ID_LENGTH)
    data_key = rng.child("data-key").read(suite.data_key_length)
    edks = tuple(
        r.wrap(data_key, serialized, rng.child(f"edk{j}")) for j, r in enumerate(recipients)
    )
    body_key, commit_key = _derive(suite, data_key, message_id)
    header = Header(
        version=MESSAGE_FORMAT_VERSION,
        suite_id=suite.suite_id,
        message_id=message_id,
        context=serialized,
        edks=edks,
        edk_count=len(edks),
        content_type=_FRAMED if frame_length else _NON_FRAMED,
        frame_length=frame_length,
        commit_key=commit_key,
    )
    body: tuple[Frame, ...] | NonFramed
    if frame_length:
        body = _frames(suite, body_key, message_id, plaintext, frame_length)
    else:
        iv = frame_iv(1, suite.iv_length)
        aad = _body_aad(message_id, NON_FRAMED_LABEL, 1, len(plaintext))
        body = NonFramed(iv, *_seal(suite, body_key, iv, plaintext, aad))
    unsigned = Message(suite, header, b"", body, body_key, signer)
    return unsigned.retagged()
