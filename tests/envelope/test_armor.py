"""Base64 armour (``--encode``/``--decode``): the standard encoding, streamed both ways."""

from __future__ import annotations

import base64
import io
import os

import pytest

from kmskit.envelope import decrypt_stream, encrypt_stream
from kmskit.envelope.armor import ArmorReader, ArmorWriter
from kmskit.offline.errors import ArmorFormatError
from tests.envelope._helpers import ShortReads, aes_keyring


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 100, 65537, 200_001])
def test_writer_is_standard_base64_on_one_line(size: int) -> None:
    data = os.urandom(size)
    out = io.BytesIO()
    writer = ArmorWriter(out)
    for i in range(0, size, 7777):
        writer.write(memoryview(data)[i : i + 7777])
    writer.close()
    assert out.getvalue() == base64.b64encode(data)
    reader = ArmorReader(ShortReads(out.getvalue(), step=13))
    got = b"".join(iter(lambda: reader.read(1000), b""))
    assert got == data


def test_reader_accepts_whitespace_only() -> None:
    text = base64.encodebytes(os.urandom(1000))  # 76-character lines
    assert ArmorReader(io.BytesIO(b"  " + text.replace(b"\n", b"\r\n"))).read() != b""
    for bad in [b"AAA", b"AA=A", b"AAAA=", b"AA==AAAA", b"AA*A", b"\x00\x01\x02\x03"]:
        with pytest.raises(ArmorFormatError):
            ArmorReader(io.BytesIO(bad)).read()


def test_streams_through_encrypt_and_decrypt() -> None:
    data = os.urandom(300_000)
    armoured = io.BytesIO()
    writer = ArmorWriter(armoured)
    encrypt_stream(io.BytesIO(data), writer, keyrings=aes_keyring(), frame_length=4096)
    writer.close()
    out = io.BytesIO()
    decrypt_stream(ArmorReader(io.BytesIO(armoured.getvalue())), out, keyrings=aes_keyring())
    assert out.getvalue() == data
