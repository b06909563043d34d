"""The aliyun-kms keyring and Alibaba's Encryption SDK through the same ``kmskit serve``.

Alibaba's Python Encryption SDK (``.venv-aliyun-esdk``, tests/interop/aliyun_esdk_peer.py)
calls the server's Alibaba API through its own aliyun-python-sdk-core client, changed only
in its KMS endpoint. In this process kmskit's keyring is given a client that speaks the same
RPC protocol (HMAC-SHA1, written here from Alibaba's signature document), because the SDK the
keyring uses by default, alibabacloud-kms20160120, holds cryptography below 51 and so is not
in the test environment. The real SDK path runs in ``.venv-aliyun-kms``, where kmskit[aliyun]
is installed (Makefile): that venv's ``kmskit encrypt``/``decrypt`` with
``--wrapping-key provider=aliyun-kms,…`` against the same server, cross-checked with this
process's keyring both ways.
"""

from __future__ import annotations

import base64
import io
import json
import os
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kmskit.envelope import decrypt, encrypt, inspect
from kmskit.envelope.aliyun_format import parse_message
from kmskit.envelope.aliyun_message import decrypt_aliyun, encrypt_aliyun
from kmskit.envelope.keyrings import AliyunKmsKeyring
from kmskit.offline.errors import (
    AwsConfigurationError,
    InvalidCiphertextException,
    NotFoundException,
)
from kmskit.server.aliyun_sig import rpc_signature
from tests._peers import require_peer
from tests.interop.test_aliyun_esdk import PEER, PEER_PYTHON
from tests.server._server import AccessKey, KmsServer, clean_env, create_access_key
from tests.server.test_durability import _self_signed

REGION = "cn-shanghai"
# kmskit[aliyun] in the Alibaba KMS SDK venv (Makefile: .venv-aliyun-kms/.installed).
SDK_KMSKIT = Path(__file__).resolve().parents[2] / ".venv-aliyun-kms" / "bin" / "kmskit"
CONTEXT = {"tenant": "acme", "ünï": "cödé"}

pytestmark = [pytest.mark.interop, pytest.mark.slow]


class RpcError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RpcClient:
    """Alibaba KMS RPC calls (the keyring's ``encrypt``/``decrypt`` client protocol)."""

    def __init__(self, url: str, key: AccessKey, ca: Path) -> None:
        self.url, self.key = url, key
        self.context = ssl.create_default_context(cafile=str(ca))

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        query = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in params.items()}
        query.update(
            Action=action,
            Version="2016-01-20",
            RegionId=REGION,
            Format="JSON",
            AccessKeyId=self.key.access_key_id,
            SignatureMethod="HMAC-SHA1",
            SignatureVersion="1.0",
            SignatureNonce=str(uuid.uuid4()),
            Timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        query["Signature"] = rpc_signature("POST", query, self.key.secret.encode())[0]
        request = urllib.request.Request(  # noqa: S310 (the server's own loopback URL)
            self.url + "/",
            data=urllib.parse.urlencode(query).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as reply:  # noqa: S310
                body: dict[str, Any] = json.load(reply)
        except urllib.error.HTTPError as exc:
            error = json.load(exc)
            raise RpcError(error["Code"], error["Message"]) from None
        return body

    def encrypt(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.call("Encrypt", params)

    def decrypt(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.call("Decrypt", params)


class Setup:
    def __init__(self, server: KmsServer, key: AccessKey, ca: Path) -> None:
        self.server, self.key, self.ca = server, key, ca
        self.rpc = RpcClient(server.url, key, ca)
        self.arn = self.rpc.call("CreateKey", {"KeySpec": "Aliyun_AES_256"})["KeyMetadata"]["Arn"]

    def keyring(self, arn: str | None = None) -> AliyunKmsKeyring:
        return AliyunKmsKeyring(arn or self.arn, client=self.rpc)

    def peer(self, **request: Any) -> dict[str, Any]:
        request.update(
            endpoint=self.server.url.split("://", 1)[1],
            region=REGION,
            access_key_id=self.key.access_key_id,
            secret=self.key.secret,
            key_arn=request.get("key_arn", self.arn),
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD")}
        env["ALIBABA_CLOUD_CA_BUNDLE"] = str(self.ca)
        done = subprocess.run(
            [str(PEER_PYTHON), str(PEER)],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    require_peer(PEER_PYTHON, "the Alibaba SDK peer venv", ".venv-aliyun-esdk/.installed")
    work = tmp_path_factory.mktemp("aliyun-keyring")
    cert, private = _self_signed(work)
    home = work / "home"
    key = create_access_key(home)
    server = KmsServer(home, "--tls-cert", str(cert), "--tls-key", str(private), ca=cert)
    try:
        yield Setup(server, key, cert)
    finally:
        assert server.stop() == 0


def test_esdk_format_round_trip(setup: Setup) -> None:
    data = os.urandom(5000)
    message = encrypt(data, keyrings=setup.keyring(), encryption_context=CONTEXT)
    [edk] = inspect(io.BytesIO(message)).encrypted_data_keys
    assert (edk.provider_id, edk.key_name) == ("aliyun-kms", setup.arn)
    # The EDK's ciphertext is Alibaba's CiphertextBlob of the base64 text of the data key.
    text = setup.rpc.decrypt(
        {"CiphertextBlob": base64.b64encode(edk.ciphertext).decode(), "EncryptionContext": CONTEXT}
    )["Plaintext"]
    assert len(base64.b64decode(text, validate=True)) == 32
    plaintext, _ = decrypt(message, keyrings=setup.keyring())
    assert plaintext == data


@pytest.mark.parametrize("algorithm_id", [1, 2])
def test_alibaba_sdk_encrypts_kmskit_decrypts(setup: Setup, algorithm_id: int) -> None:
    data = os.urandom(4000)
    answer = setup.peer(
        op="kms-encrypt",
        algorithm_id=algorithm_id,
        context=CONTEXT,
        data=base64.b64encode(data).decode(),
    )
    assert answer["ok"], answer["error"]
    message = base64.b64decode(answer["message"])
    plaintext, info = decrypt_aliyun(message, keyrings=setup.keyring(), required_context=CONTEXT)
    assert plaintext == data
    assert info.header.algorithm.value == algorithm_id


@pytest.mark.parametrize("algorithm", ["AES_GCM_128", "AES_GCM_256"])
def test_kmskit_encrypts_alibaba_sdk_decrypts(setup: Setup, algorithm: str) -> None:
    data = os.urandom(4000)
    message, _ = encrypt_aliyun(
        data, keyrings=setup.keyring(), encryption_context=CONTEXT, algorithm=algorithm
    )
    answer = setup.peer(op="kms-decrypt", message=base64.b64encode(message).decode())
    assert answer["ok"], answer["error"]
    assert base64.b64decode(answer["data"]) == data
    assert answer["context"] == CONTEXT


def test_sm4_message_with_an_sm4_key(setup: Setup) -> None:
    """Id 9 (which the Python SDK lacks) with an Aliyun_SM4 key, all through the Alibaba API."""
    arn = setup.rpc.call("CreateKey", {"KeySpec": "Aliyun_SM4"})["KeyMetadata"]["Arn"]
    message, _ = encrypt_aliyun(b"gm", keyrings=setup.keyring(arn), algorithm="SM4_GCM")
    assert decrypt_aliyun(message, keyrings=setup.keyring(arn))[0] == b"gm"


def test_keyring_errors(setup: Setup) -> None:
    message, _ = encrypt_aliyun(b"x", keyrings=setup.keyring(), encryption_context={"k": "v"})
    missing = setup.arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(NotFoundException):
        setup.keyring(missing).wrap(bytes(32), {})
    [key] = parse_message(message, max_encrypted_data_keys=None).header.data_keys
    at = message.index(key.ciphertext) + len(key.ciphertext) - 1
    tampered = bytearray(message)
    tampered[at] ^= 1  # the blob's last byte: Alibaba KMS's Decrypt refuses it
    with pytest.raises(InvalidCiphertextException):
        decrypt_aliyun(bytes(tampered), keyrings=setup.keyring())


def test_missing_extra_names_it() -> None:
    try:
        import alibabacloud_kms20160120  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("alibabacloud-kms20160120 is installed here")
    keyring = AliyunKmsKeyring("acs:kms:cn-hangzhou:1:key/k")
    with pytest.raises(AwsConfigurationError, match=r"pip install 'kmskit\[aliyun\]'"):
        keyring.wrap(bytes(32), {})


def _sdk_kmskit(setup: Setup, *args: str) -> None:
    """Run the SDK venv's kmskit with the access key in Alibaba's environment variables."""
    require_peer(SDK_KMSKIT, "kmskit[aliyun] in its own venv", ".venv-aliyun-kms/.installed")
    env = clean_env(
        ALIBABA_CLOUD_ACCESS_KEY_ID=setup.key.access_key_id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=setup.key.secret,
    )
    env = {k: v for k, v in env.items() if k != "ALIBABA_CLOUD_SECURITY_TOKEN"}
    done = subprocess.run(
        [str(SDK_KMSKIT), *args], capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("message_format", ["esdk", "aliyun"])
def test_real_sdk_keyring_through_the_cli(
    setup: Setup, tmp_path: Path, message_format: str
) -> None:
    """kmskit[aliyun]'s keyring, on alibabacloud-kms20160120 itself, encrypts what this
    process's keyring decrypts, and decrypts what it encrypts; in both message formats."""
    wrapping = (
        f"provider=aliyun-kms,key={setup.arn},endpoint={setup.server.url},ca-bundle={setup.ca}"
    )
    aliyun = message_format == "aliyun"
    data = os.urandom(3000)
    (tmp_path / "plain").write_bytes(data)
    _sdk_kmskit(
        setup, "encrypt", str(tmp_path / "plain"), "-o", str(tmp_path / "sealed"),
        "--wrapping-key", wrapping, "-c", "tenant=acme",
        *(["--format", "aliyun"] if aliyun else []),
    )  # fmt: skip
    sealed = (tmp_path / "sealed").read_bytes()
    if aliyun:
        opened, info = decrypt_aliyun(sealed, keyrings=setup.keyring())
        [key] = info.header.data_keys
        assert key.key_id == setup.arn.encode()
    else:
        opened, _ = decrypt(sealed, keyrings=setup.keyring())
        [edk] = inspect(io.BytesIO(sealed)).encrypted_data_keys
        assert (edk.provider_id, edk.key_name) == ("aliyun-kms", setup.arn)
    assert opened == data

    other = os.urandom(2000)
    if aliyun:
        message, _ = encrypt_aliyun(other, keyrings=setup.keyring(), encryption_context=CONTEXT)
    else:
        message = encrypt(other, keyrings=setup.keyring(), encryption_context=CONTEXT)
    (tmp_path / "theirs").write_bytes(message)
    _sdk_kmskit(
        setup, "decrypt", str(tmp_path / "theirs"), "-o", str(tmp_path / "opened"),
        "--wrapping-key", wrapping,
    )  # fmt: skip
    assert (tmp_path / "opened").read_bytes() == other
