"""docs/format.md is precise enough to implement from: its example message is regenerated,
then decoded by a reader written from the document alone (hashlib/hmac for HKDF-SM3,
``cryptography`` only for the SM4-GCM and AES-GCM primitives)."""

from __future__ import annotations

import hmac
import re
import struct
from itertools import count
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.envelope import encrypt
from kmskit.envelope._crypto import derive_keys
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.envelope.suites import parse_algorithm

DOC = Path(__file__).resolve().parents[2] / "docs" / "format.md"


def _doc_example_hex() -> bytes:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Example message (0x4D04)") :]
    block = re.search(r"```\n([0-9a-f\n]+)```", section)
    assert block is not None
    return bytes.fromhex(block.group(1).replace("\n", ""))


def _example_message() -> bytes:
    counter = count()

    def rng(n: int) -> bytes:
        return bytes(next(counter) & 0xFF for _ in range(n))

    keyring = RawAesKeyring(
        "example", "wrapping-key-1", bytes(range(0xA0, 0xB0)), rng=lambda n: b"\xee" * n
    )
    return encrypt(
        b"GM suites: SM4-GCM",
        keyrings=keyring,
        encryption_context={"purpose": "example"},
        algorithm="SM4_GCM_HKDF_SM3_COMMIT_KEY",
        frame_length=16,
        rng=rng,
    )


def test_the_documented_example_is_what_kmskit_writes() -> None:
    assert _example_message() == _doc_example_hex()


def test_the_documented_key_derivation_example() -> None:
    suite = parse_algorithm("SM4_GCM_HKDF_SM3_COMMIT_KEY")
    body, commit = derive_keys(suite, bytes(range(16)), bytes(range(32)))
    text = DOC.read_text(encoding="utf-8")
    assert f"body key   = {body.hex()}" in text
    assert f"commit key = {commit.hex()}" in text
    assert _hkdf_sm3(bytes(range(16)), bytes(range(32)), b"\x4d\x04DERIVEKEY", 16) == body
    assert _hkdf_sm3(bytes(range(16)), bytes(range(32)), b"COMMITKEY", 32) == commit


# -- a reader written from docs/format.md --------------------------------------------------


def _hkdf_sm3(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, "sm3").digest()
    okm, block = b"", b""
    for i in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([i]), "sm3").digest()
        okm += block
    return okm[:length]


def _sm4_gcm_open(key: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
    dec = Cipher(algorithms.SM4(key), modes.GCM(iv, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(ciphertext) + dec.finalize()


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        out = self.data[self.pos : self.pos + n]
        assert len(out) == n
        self.pos += n
        return out

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def short(self) -> bytes:
        return self.take(self.u16())


def _read_from_the_document(message: bytes, wrapping_key: bytes) -> bytes:
    c = _Cursor(message)
    assert c.take(1) == b"\x02"
    suite_id = c.take(2)
    assert suite_id == b"\x4d\x04"
    message_id = c.take(32)
    context_bytes = c.take(c.u16())
    count_ = struct.unpack(">H", context_bytes[:2])[0]
    assert count_ == 1
    edks = [(c.short(), c.short(), c.short()) for _ in range(c.u16())]
    assert c.take(1) == b"\x02"
    frame_length = c.u32()
    commit_key = c.take(32)
    header_body = message[: c.pos]
    header_tag = c.take(16)

    # raw AES keyring: info = name ‖ uint32 128 ‖ uint32 12 ‖ IV; AAD = serialized context
    provider_id, info, wrapped = edks[0]
    assert provider_id == b"example"
    name, tag_bits, iv_len = info[:-20], *struct.unpack(">II", info[-20:-12])
    assert (name, tag_bits, iv_len) == (b"wrapping-key-1", 128, 12)
    data_key = AESGCM(wrapping_key).decrypt(info[-12:], wrapped, context_bytes)
    assert len(data_key) == 16

    body_key = _hkdf_sm3(data_key, message_id, suite_id + b"DERIVEKEY", 16)
    assert hmac.compare_digest(_hkdf_sm3(data_key, message_id, b"COMMITKEY", 32), commit_key)
    _sm4_gcm_open(body_key, bytes(12), b"", header_tag, header_body)

    plaintext = b""
    seq = 1
    while True:
        first = c.take(4)
        if first == b"\xff\xff\xff\xff":
            assert c.u32() == seq
            iv = c.take(12)
            length = c.u32()
            label = b"AWSKMSEncryptionClient Final Frame"
        else:
            assert struct.unpack(">I", first)[0] == seq
            iv = c.take(12)
            length = frame_length
            label = b"AWSKMSEncryptionClient Frame"
        assert iv == bytes(8) + struct.pack(">I", seq)
        ciphertext, tag = c.take(length), c.take(16)
        aad = message_id + label + struct.pack(">IQ", seq, length)
        plaintext += _sm4_gcm_open(body_key, iv, ciphertext, tag, aad)
        if first == b"\xff\xff\xff\xff":
            break
        seq += 1
    assert c.pos == len(message)
    return plaintext


def test_a_reader_written_from_the_document_decodes_the_example() -> None:
    plaintext = _read_from_the_document(_doc_example_hex(), bytes(range(0xA0, 0xB0)))
    assert plaintext == b"GM suites: SM4-GCM"
