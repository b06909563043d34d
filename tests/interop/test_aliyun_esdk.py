"""kmskit's Alibaba-format messages against Alibaba Cloud's Python Encryption SDK.

The SDK (``bestv-aliyun-encryption-sdk``, pinning cryptography==3.2.1) runs in
``.venv-aliyun-esdk`` (``make .venv-aliyun-esdk/.installed``, a prerequisite of ``make
test``) through tests/interop/aliyun_esdk_peer.py, one process per call. The peer drives the
SDK's own DefaultEncryptHandler and Asn1FormatHandler with a known data key and KMS-shaped
EDKs, so these tests pin the byte format for ids 1 and 2 (the SDK has no SM4: id 9 is pinned
by the hand-built known answer in tests/envelope/test_aliyun_format.py).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kmskit.envelope.aliyun_format import encode_message, parse_message
from kmskit.envelope.aliyun_message import decrypt_aliyun, encrypt_aliyun
from kmskit.offline.errors import HeaderAuthenticationError, PayloadAuthenticationError
from tests._peers import require_peer
from tests.envelope.test_aliyun_format import KnownKeyKeyring

ROOT = Path(__file__).resolve().parents[2]
PEER_PYTHON = ROOT / ".venv-aliyun-esdk" / "bin" / "python"
PEER = Path(__file__).with_name("aliyun_esdk_peer.py")
ARN_A = "acs:kms:cn-hangzhou:1234567890:key/key-hzz62f1cb66fa42qo3xx1"
ARN_B = "acs:kms:cn-beijing:1234567890:key/key-bjj00000000000000000a"
CONTEXT = {"tenant": "acme", "purpose": "backup", "ünï": "cödé", "a": ""}

pytestmark = [pytest.mark.interop]


@pytest.fixture(scope="module", autouse=True)
def _peer_venv() -> None:
    require_peer(PEER_PYTHON, "the Alibaba SDK peer venv", ".venv-aliyun-esdk/.installed")


def peer(**request: Any) -> dict[str, Any]:
    done = subprocess.run(
        [str(PEER_PYTHON), str(PEER)],
        input=json.dumps(request).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(("algorithm_id", "key_length"), [(1, 16), (2, 32)])
@pytest.mark.parametrize("context", [CONTEXT, {}])
def test_alibaba_sdk_encrypts_kmskit_decrypts(
    algorithm_id: int, key_length: int, context: dict[str, str]
) -> None:
    data_key = os.urandom(key_length)
    data = os.urandom(5000)
    answer = peer(
        op="seal",
        algorithm_id=algorithm_id,
        data_key=_b64(data_key),
        edks=[
            {"key_id": ARN_A, "blob": _b64(b"blob-a" * 20)},
            {"key_id": ARN_B, "blob": _b64(b"b")},
        ],
        context=context,
        data=_b64(data),
    )
    assert answer["ok"], answer["error"]
    message = base64.b64decode(answer["message"])
    keyring = KnownKeyKeyring(ARN_B, b"b", data_key)
    plaintext, info = decrypt_aliyun(message, keyrings=keyring)
    assert plaintext == data
    assert info.header.algorithm.value == algorithm_id
    assert dict(info.header.encryption_context) == context
    # Byte for byte: kmskit's encoder, given the parts, writes the SDK's exact DER.
    parsed = parse_message(message, max_encrypted_data_keys=None)
    assert encode_message(parsed.header, parsed.iv, parsed.ciphertext, parsed.tag) == message


@pytest.mark.parametrize("algorithm", ["AES_GCM_128", "AES_GCM_256"])
@pytest.mark.parametrize("context", [CONTEXT, {}])
def test_kmskit_encrypts_alibaba_sdk_decrypts(algorithm: str, context: dict[str, str]) -> None:
    a = KnownKeyKeyring(ARN_A, b"\x00\xffblob-a")
    b = KnownKeyKeyring(ARN_B, b"blob-b")
    data = os.urandom(3000)
    message, info = encrypt_aliyun(
        data, keyrings=[a, b], encryption_context=context, algorithm=algorithm
    )
    answer = peer(op="open", message=_b64(message), data_key=_b64(a.data_key))
    assert answer["ok"], answer["error"]
    assert base64.b64decode(answer["data"]) == data
    assert answer["algorithm_id"] == info.header.algorithm.value
    assert answer["version"] == 1
    assert answer["context"] == context
    assert answer["edks"] == [  # the peer lists them sorted by key id
        {"key_id": ARN_B, "blob": _b64(b"blob-b")},
        {"key_id": ARN_A, "blob": _b64(b"\x00\xffblob-a")},
    ]


def test_alibaba_sdk_refuses_a_kmskit_message_with_a_changed_context() -> None:
    a = KnownKeyKeyring(ARN_A, b"blob")
    message, _ = encrypt_aliyun(b"x" * 100, keyrings=a, encryption_context={"k": "v"})
    bad = message.replace(b"\x04\x01k\x04\x01v", b"\x04\x01k\x04\x01w")
    answer = peer(op="open", message=_b64(bad), data_key=_b64(a.data_key))
    assert not answer["ok"] and "header authTag verify failed" in answer["error"]
    with pytest.raises(HeaderAuthenticationError):
        decrypt_aliyun(bad, keyrings=a)


def test_kmskit_refuses_an_alibaba_message_with_a_changed_body() -> None:
    data_key = os.urandom(32)
    answer = peer(
        op="seal",
        algorithm_id=2,
        data_key=_b64(data_key),
        edks=[{"key_id": ARN_A, "blob": _b64(b"blob")}],
        context={},
        data=_b64(b"y" * 64),
    )
    message = bytearray(base64.b64decode(answer["message"]))
    message[-20] ^= 1  # inside the ciphertext, before the 16-byte tag's TLV
    with pytest.raises(PayloadAuthenticationError):
        decrypt_aliyun(bytes(message), keyrings=KnownKeyKeyring(ARN_A, b"blob", data_key))
