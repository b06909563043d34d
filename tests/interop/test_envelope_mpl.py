"""kmskit against the ESDK with the Material Providers Library (MPL), in its own venv.

The MPL pins ``cryptography<51``; it runs in ``.venv-mpl`` (``make .venv-mpl/.installed``,
a prerequisite of ``make test``) through tests/interop/mpl_peer.py, one process per call.
Checked both ways:

* the required-encryption-context CMM (pairs bound, not stored), unsigned and signed;
* the MPL raw RSA keyring with every padding;
* the AWS KMS RSA keyring (``aws-kms-rsa`` EDKs): the MPL wraps offline to a local
  keystore RSA key's public key and kmskit unwraps through the keystore; kmskit wraps
  offline to a local key pair's get-public-key JSON and the MPL unwraps through "KMS"
  Decrypt, answered inside botocore by the peer with the private key after it checked the
  request the MPL built (KeyId, EncryptionAlgorithm). The same with a real KMS (``kmskit
  serve``), both ways, is tests/interop/test_mpl_through_serve.py.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmskit.envelope import decrypt, encrypt, inspect
from kmskit.envelope.keyrings import (
    AwsKmsRsaKeyring,
    EncryptedDataKey,
    RawAesKeyring,
    RsaKeyring,
)
from kmskit.keystore import Keystore, open_keystore
from kmskit.offline.errors import (
    HeaderAuthenticationError,
    InvalidCiphertextException,
    UnsupportedMessageError,
)
from kmskit.offline.keys import load_public_key
from tests._peers import require_peer
from tests.envelope._helpers import rsa_private_pem

ROOT = Path(__file__).resolve().parents[2]
PEER_PYTHON = ROOT / ".venv-mpl" / "bin" / "python"
PEER = Path(__file__).with_name("mpl_peer.py")
DATA = os.urandom(3000)
AES_KEY = bytes(range(32))
CONTEXT = {"tenant": "acme", "purpose": "backup", "ünï": "cödé"}
ARN = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
UNSIGNED = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"
SIGNED = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"
MPL_PADDING = {
    "RSAES_OAEP_SHA_1": "OAEP_SHA1_MGF1",
    "RSAES_OAEP_SHA_256": "OAEP_SHA256_MGF1",
    "RSAES_OAEP_SHA_384": "OAEP_SHA384_MGF1",
    "RSAES_OAEP_SHA_512": "OAEP_SHA512_MGF1",
    "RSAES_PKCS1_V1_5": "PKCS1",
}

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _peer_venv() -> None:
    require_peer(PEER_PYTHON, "the MPL peer venv", ".venv-mpl/.installed")


def peer(**request: Any) -> dict[str, Any]:
    request["data"] = base64.b64encode(request["data"]).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="peer",
        AWS_SECRET_ACCESS_KEY="peer",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
    )
    done = subprocess.run(
        [str(PEER_PYTHON), str(PEER)],
        input=json.dumps(request).encode(),
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    if answer["ok"]:
        answer["data"] = base64.b64decode(answer["data"])
    return answer


def peer_ok(**request: Any) -> bytes:
    answer = peer(**request)
    assert answer["ok"], answer["error"]
    data: bytes = answer["data"]
    return data


RAW_AES = {
    "type": "raw-aes",
    "namespace": "ns",
    "name": "aes",
    "key": base64.b64encode(AES_KEY).decode(),
}


def ours_aes() -> RawAesKeyring:
    return RawAesKeyring("ns", "aes", AES_KEY)


# -- the required encryption context CMM ------------------------------------------------------


@pytest.mark.parametrize("suite", [UNSIGNED, SIGNED])
def test_required_context_mpl_to_kmskit(suite: str) -> None:
    message = peer_ok(op="encrypt", data=DATA, keyring=RAW_AES, context=CONTEXT,
                      required_keys=["tenant", "ünï"], algorithm=suite)  # fmt: skip
    stored = dict(inspect(io.BytesIO(message)).encryption_context)
    assert "tenant" not in stored and stored["purpose"] == "backup"
    reproduced = {"tenant": "acme", "ünï": "cödé"}
    plaintext, _ = decrypt(message, keyrings=ours_aes(), required_context=reproduced)
    assert plaintext == DATA
    with pytest.raises(InvalidCiphertextException):
        decrypt(message, keyrings=ours_aes(), required_context={"tenant": "acme", "ünï": "x"})
    with pytest.raises((InvalidCiphertextException, HeaderAuthenticationError)):
        decrypt(message, keyrings=ours_aes())


@pytest.mark.parametrize("suite", [UNSIGNED, SIGNED])
def test_required_context_kmskit_to_mpl(suite: str) -> None:
    message = encrypt(DATA, keyrings=ours_aes(), encryption_context=CONTEXT,
                      required_context_keys=["tenant"], algorithm=suite)  # fmt: skip
    # The MPL decrypts with the reproduced context (its required-context CMM demands it).
    answer = peer(op="decrypt", data=message, keyring=RAW_AES, context={"tenant": "acme"},
                  required_keys=["tenant"])  # fmt: skip
    assert answer["ok"], answer["error"]
    assert answer["data"] == DATA
    assert "tenant" not in answer["context"]  # bound, not stored
    wrong = peer(op="decrypt", data=message, keyring=RAW_AES, context={"tenant": "other"})
    assert not wrong["ok"]
    missing = peer(op="decrypt", data=message, keyring=RAW_AES)
    assert not missing["ok"]


# -- raw RSA through the MPL's raw RSA keyring ------------------------------------------------


@pytest.mark.parametrize("padding", list(MPL_PADDING))
def test_mpl_raw_rsa_paddings_both_ways(padding: str) -> None:
    pem = rsa_private_pem()
    private = serialization.load_pem_private_key(pem, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    base = {
        "type": "raw-rsa",
        "namespace": "esdk-rsa",
        "name": "rsa-key",
        "padding": MPL_PADDING[padding],
    }
    message = peer_ok(op="encrypt", data=DATA, keyring={**base, "public_pem": public_pem})
    ours = RsaKeyring("esdk-rsa", "rsa-key", private_key=pem, algorithm=padding)
    assert decrypt(message, keyrings=ours)[0] == DATA
    legacy = padding == "RSAES_PKCS1_V1_5"
    wrapping = RsaKeyring("esdk-rsa", "rsa-key", public_key=public_pem.encode(),
                          algorithm=padding, allow_legacy_padding=legacy)  # fmt: skip
    ours_message = encrypt(DATA, keyrings=wrapping, encryption_context=CONTEXT)
    opening = {**base, "private_pem": pem.decode()}
    assert peer_ok(op="decrypt", data=ours_message, keyring=opening) == DATA


# -- the AWS KMS RSA keyring -----------------------------------------------------------------


@pytest.fixture
def keystore(tmp_path: Path) -> Iterator[Keystore]:
    store = open_keystore(tmp_path / "home")
    try:
        yield store
    finally:
        store.close()


def _pem(public_der: bytes) -> str:
    return load_public_key(public_der).spki_pem()


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"])
@pytest.mark.parametrize("context", [{}, CONTEXT], ids=["no-context", "context"])
def test_mpl_aws_kms_rsa_to_kmskit_keystore(
    keystore: Keystore, algorithm: str, context: dict[str, str]
) -> None:
    key = keystore.create_key(key_spec="RSA_3072", key_usage="ENCRYPT_DECRYPT")
    public = keystore.get_public_key(key.key_id)
    message = peer_ok(
        op="encrypt", data=DATA, context=context, algorithm=UNSIGNED,
        keyring={"type": "aws-kms-rsa", "key_arn": public.key_id, "algorithm": algorithm,
                 "public_pem": _pem(public.public_key)},
    )  # fmt: skip
    edks = inspect(io.BytesIO(message)).encrypted_data_keys
    assert [(e.provider_id, e.key_name) for e in edks] == [("aws-kms-rsa", public.key_id)]
    keyring = AwsKmsRsaKeyring.with_keystore(keystore, key.key_id)
    assert decrypt(message, keyrings=keyring)[0] == DATA
    # The EDK binds the context: another one does not open it.
    with pytest.raises(InvalidCiphertextException):
        decrypt(message, keyrings=keyring, required_context={"x": "y"})


def test_mpl_refuses_signed_suites_and_so_do_we(keystore: Keystore) -> None:
    key = keystore.create_key(key_spec="RSA_2048", key_usage="ENCRYPT_DECRYPT")
    public = keystore.get_public_key(key.key_id)
    answer = peer(
        op="encrypt", data=DATA, algorithm=SIGNED,
        keyring={"type": "aws-kms-rsa", "key_arn": public.key_id,
                 "algorithm": "RSAES_OAEP_SHA_256", "public_pem": _pem(public.public_key)},
    )  # fmt: skip
    assert not answer["ok"]
    with pytest.raises(UnsupportedMessageError, match="signed"):
        encrypt(
            DATA, keyrings=AwsKmsRsaKeyring.with_keystore(keystore, key.key_id), algorithm=SIGNED
        )


def _local_pair() -> tuple[bytes, bytes]:
    """A key pair standing for a KMS RSA key, and its AWS get-public-key JSON."""
    pem = rsa_private_pem()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    doc = {
        "KeyId": ARN,
        "PublicKey": base64.b64encode(der).decode(),
        "KeySpec": "RSA_2048",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "EncryptionAlgorithms": ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
    }
    return pem, json.dumps(doc).encode()


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"])
def test_kmskit_aws_kms_rsa_offline_to_mpl(algorithm: str) -> None:
    pem, public_json = _local_pair()
    keyring = AwsKmsRsaKeyring.from_public_key(public_json, algorithm=algorithm)
    message = encrypt(DATA, keyrings=keyring, encryption_context=CONTEXT)
    spec = {"type": "aws-kms-rsa", "key_arn": ARN, "algorithm": algorithm,
            "kms": {"private_pem": pem.decode()}}  # fmt: skip
    answer = peer(op="decrypt", data=message, keyring=spec)
    assert answer["ok"], answer["error"]
    assert answer["data"] == DATA
    # The EDK's digest binds the context: one wrapped under another context is refused by
    # the MPL and by kmskit alike.
    forged = encrypt(DATA, keyrings=_OtherContext(keyring), encryption_context=CONTEXT)
    answer = peer(op="decrypt", data=forged, keyring=spec)
    assert not answer["ok"]
    with pytest.raises(InvalidCiphertextException, match="another encryption context"):
        decrypt(forged, keyrings=AwsKmsRsaKeyring.with_private_key(ARN, pem))


class _OtherContext:
    """Wraps with the inner keyring, but under another context than the message's."""

    def __init__(self, inner: AwsKmsRsaKeyring) -> None:
        self.inner = inner

    def wrap(self, data_key: bytes | bytearray, context: Mapping[str, str]) -> EncryptedDataKey:
        return self.inner.wrap(data_key, {**context, "tenant": "mallory"})

    def unwrap(self, edk: EncryptedDataKey, context: Mapping[str, str]) -> bytearray:
        raise AssertionError("this keyring only makes the forged message; it never decrypts")


def test_kmskit_cli_encrypts_to_kms_json_by_default(tmp_path: Path) -> None:
    from tests.cli._runner import kmskit, ok

    pem, public_json = _local_pair()
    (tmp_path / "key.json").write_bytes(public_json)
    (tmp_path / "data").write_bytes(DATA)
    spec = f"provider=raw-rsa,public-key={tmp_path / 'key.json'}"
    ok(kmskit("encrypt", tmp_path / "data", "-o", tmp_path / "m", "--wrapping-key", spec))
    message = (tmp_path / "m").read_bytes()
    assert inspect(io.BytesIO(message)).encrypted_data_keys[0].provider_id == "aws-kms-rsa"
    keyring = {"type": "aws-kms-rsa", "key_arn": ARN, "algorithm": "RSAES_OAEP_SHA_256",
               "kms": {"private_pem": pem.decode()}}  # fmt: skip
    assert peer_ok(op="decrypt", data=message, keyring=keyring) == DATA
