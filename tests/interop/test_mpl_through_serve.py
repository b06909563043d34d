"""kmskit and the ESDK with the Material Providers Library (MPL), through ``kmskit serve`` as
the KMS.

moto cannot do RSA Decrypt, so tests/interop/test_envelope_mpl.py answers the MPL's KMS
Decrypt request inside botocore. Here a real ``kmskit serve`` (a temporary home, a free
127.0.0.1 port, an access key it issued) holds RSA_2048 and RSA_3072 ENCRYPT_DECRYPT keys,
created and read (GetPublicKey, the AWS JSON shape) with boto3, and a symmetric key:

* kmskit wraps offline to the public key JSON (``provider=aws-kms-rsa`` and the raw-rsa SPEC
  with KMS JSON, whose default layout is aws-kms-rsa); the MPL's AWS KMS RSA keyring opens
  it through the server's Decrypt, and so does kmskit's ``provider=aws-kms``;
* the MPL's AWS KMS RSA keyring wraps with only the public key PEM; kmskit opens it with
  ``provider=aws-kms`` through the server and with the keystore keyring on the same home;
* ``kmskit offline encrypt`` to the public key JSON opens with the server's Decrypt;
* the MPL's AWS KMS keyring (symmetric) and kmskit's ``provider=aws-kms``, both ways.

Each with RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256, the two the MPL keyring supports. The
peer (tests/interop/mpl_peer.py, in ``.venv-mpl``) never imports kmskit; its KMS client gets
the server's URL and the issued access key.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from kmskit.envelope import inspect
from tests.cli._runner import kmskit, ok
from tests.interop.test_envelope_mpl import _peer_venv, peer, peer_ok  # noqa: F401 (fixture)
from tests.server._server import AWS_ENV, REGION, AccessKey, KmsServer, create_access_key

pytestmark = [pytest.mark.interop, pytest.mark.slow]

DATA = os.urandom(5000)
CONTEXT = {"tenant": "acme", "purpose": "serve interop", "ünï": "cödé"}
UNSIGNED = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"
ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
SPECS = ["RSA_2048", "RSA_3072"]


@dataclass(frozen=True)
class Served:
    server: KmsServer
    access_key: AccessKey
    kms: Any  # a boto3 KMS client signing for REGION with the issued access key

    @property
    def peer_kms(self) -> dict[str, str]:
        """The peer's KMS client: the server and the issued credentials."""
        return {
            "endpoint_url": self.server.url,
            "access_key_id": self.access_key.access_key_id,
            "secret_access_key": self.access_key.secret,
        }

    @property
    def cli_env(self) -> dict[str, str | None]:
        """The environment of an in-process ``kmskit``: the issued access key, nothing from
        the developer's AWS configuration."""
        env: dict[str, str | None] = dict(AWS_ENV)
        env.update(
            AWS_ACCESS_KEY_ID=self.access_key.access_key_id,
            AWS_SECRET_ACCESS_KEY=self.access_key.secret,
        )
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS",
                     "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
                     "KMSKIT_HOME"):  # fmt: skip
            env[name] = None
        return env

    def aws_kms_spec(self, arn: str, **extra: str) -> str:
        items = {"provider": "aws-kms", "key": arn, "endpoint-url": self.server.url, **extra}
        return ",".join(f"{k}={v}" for k, v in items.items())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("mpl-serve") / "home"
    access_key = create_access_key(home)
    server = KmsServer(home)
    try:
        yield Served(server, access_key, server.client(access_key))
    finally:
        assert server.stop() == 0


@dataclass(frozen=True)
class RsaKey:
    arn: str
    public_json: Path  # what `aws kms get-public-key --output json` prints
    public_pem: str


@pytest.fixture(scope="module", params=SPECS)
def rsa_key(
    request: pytest.FixtureRequest, served: Served, tmp_path_factory: pytest.TempPathFactory
) -> RsaKey:
    spec = request.param
    created = served.kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")
    arn = created["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:{REGION}:111122223333:key/")
    response = served.kms.get_public_key(KeyId=arn)
    assert response["KeyId"] == arn and response["KeySpec"] == spec
    assert sorted(response["EncryptionAlgorithms"]) == ALGORITHMS
    doc = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    doc["PublicKey"] = base64.b64encode(doc["PublicKey"]).decode("ascii")
    path = tmp_path_factory.mktemp(spec) / "get-public-key.json"
    path.write_text(json.dumps(doc))
    # The PEM the MPL keyring takes, made by cryptography from the DER KMS answered.
    pem = serialization.load_der_public_key(response["PublicKey"]).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RsaKey(arn, path, pem.decode("ascii"))


def _edks(message: bytes) -> list[tuple[str, str]]:
    return [(e.provider_id, e.key_name) for e in inspect(io.BytesIO(message)).encrypted_data_keys]


def _context_args() -> list[str]:
    return ["-c", *(f"{k}={v}" for k, v in CONTEXT.items())]


def _decrypt_cli(served: Served, message: Path, out: Path, *spec_and_flags: object) -> bytes:
    ok(kmskit("decrypt", message, "-o", out, *spec_and_flags, env=served.cli_env))
    data = out.read_bytes()
    out.unlink()
    return data


# -- a: kmskit wraps offline, the MPL (and kmskit) unwrap through the server ------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("form", ["aws-kms-rsa", "raw-rsa"])
def test_kmskit_offline_to_mpl_through_serve(
    served: Served, rsa_key: RsaKey, algorithm: str, form: str, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(DATA)
    spec = f"provider={form},public-key={rsa_key.public_json},algorithm={algorithm}"
    # Offline: no credentials, no endpoint, no keystore home.
    offline_env: dict[str, str | None] = {**served.cli_env, "AWS_ACCESS_KEY_ID": None,
                                          "AWS_SECRET_ACCESS_KEY": None,
                                          "KMSKIT_HOME": str(tmp_path / "no-home")}  # fmt: skip
    ok(kmskit("encrypt", tmp_path / "data", "-o", tmp_path / "m", "--wrapping-key", spec,
              *_context_args(), "--algorithm", UNSIGNED, env=offline_env))  # fmt: skip
    assert not (tmp_path / "no-home").exists()
    message = (tmp_path / "m").read_bytes()
    assert _edks(message) == [("aws-kms-rsa", rsa_key.arn)]

    keyring = {"type": "aws-kms-rsa", "key_arn": rsa_key.arn, "algorithm": algorithm,
               "kms": served.peer_kms}  # fmt: skip
    answer = peer(op="decrypt", data=message, keyring=keyring)
    assert answer["ok"], answer["error"]
    assert answer["data"] == DATA
    assert answer["context"] == CONTEXT

    # The same message through kmskit's aws-kms keyring and the server's Decrypt.
    spec = served.aws_kms_spec(rsa_key.arn)
    assert _decrypt_cli(served, tmp_path / "m", tmp_path / "out", "--wrapping-key", spec) == DATA


def test_mpl_with_the_other_algorithm_is_refused_by_the_server(
    served: Served, rsa_key: RsaKey, tmp_path: Path
) -> None:
    """The server decrypts with the algorithm the MPL names: SHA-1 OAEP does not open a
    SHA-256 OAEP EDK (had the server ignored it, this would decrypt)."""
    spec = f"provider=aws-kms-rsa,public-key={rsa_key.public_json},algorithm=RSAES_OAEP_SHA_256"
    (tmp_path / "data").write_bytes(DATA)
    ok(kmskit("encrypt", tmp_path / "data", "-o", tmp_path / "m", "--wrapping-key", spec,
              "--algorithm", UNSIGNED, env=served.cli_env))  # fmt: skip
    keyring = {"type": "aws-kms-rsa", "key_arn": rsa_key.arn, "algorithm": "RSAES_OAEP_SHA_1",
               "kms": served.peer_kms}  # fmt: skip
    answer = peer(op="decrypt", data=(tmp_path / "m").read_bytes(), keyring=keyring)
    assert not answer["ok"]
    # The server's InvalidCiphertextException, as the MPL collected it.
    assert "ciphertext does not decrypt with this key" in answer["error"], answer["error"]


# -- b: the MPL wraps, kmskit unwraps through the server and through the keystore -------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_mpl_to_kmskit_through_serve_and_keystore(
    served: Served, rsa_key: RsaKey, algorithm: str, tmp_path: Path
) -> None:
    keyring = {"type": "aws-kms-rsa", "key_arn": rsa_key.arn, "algorithm": algorithm,
               "public_pem": rsa_key.public_pem}  # fmt: skip
    message = peer_ok(op="encrypt", data=DATA, context=CONTEXT, algorithm=UNSIGNED,
                      keyring=keyring)  # fmt: skip
    assert _edks(message) == [("aws-kms-rsa", rsa_key.arn)]
    (tmp_path / "m").write_bytes(message)
    out = tmp_path / "out"

    # Through the server: the algorithm named, and not (SHA-256, then SHA-1 are tried).
    named = served.aws_kms_spec(rsa_key.arn, algorithm=algorithm)
    assert _decrypt_cli(served, tmp_path / "m", out, "--wrapping-key", named) == DATA
    tried = served.aws_kms_spec(rsa_key.arn)
    assert _decrypt_cli(served, tmp_path / "m", out, "--wrapping-key", tried,
                        *_context_args()) == DATA  # fmt: skip

    # The keystore keyring on the server's home, while the server runs. The EDK names the
    # eu-west-1 ARN the server answered (the home's region is us-east-1): key=ARN acts in
    # the ARN's region.
    assert _decrypt_cli(served, tmp_path / "m", out, "--home", served.server.home,
                        "--wrapping-key", f"key={rsa_key.arn}") == DATA  # fmt: skip


# -- kmskit offline encrypt, the server's Decrypt ---------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_kmskit_offline_encrypt_opens_with_serve_decrypt(
    served: Served, rsa_key: RsaKey, algorithm: str, tmp_path: Path
) -> None:
    plaintext = b"a data key for the KMS key's private half"
    (tmp_path / "p").write_bytes(plaintext)
    ok(kmskit("offline", "encrypt", "--public-key", rsa_key.public_json,
              "--encryption-algorithm", algorithm, "--plaintext", tmp_path / "p",
              "--out", tmp_path / "c"))  # fmt: skip
    ciphertext = (tmp_path / "c").read_bytes()
    opened = served.kms.decrypt(
        KeyId=rsa_key.arn, CiphertextBlob=ciphertext, EncryptionAlgorithm=algorithm
    )
    assert opened["Plaintext"] == plaintext
    assert opened["KeyId"] == rsa_key.arn and opened["EncryptionAlgorithm"] == algorithm
    other = next(a for a in ALGORITHMS if a != algorithm)
    with pytest.raises(ClientError, match="InvalidCiphertextException"):
        served.kms.decrypt(KeyId=rsa_key.arn, CiphertextBlob=ciphertext, EncryptionAlgorithm=other)


# -- c: the MPL's AWS KMS keyring and kmskit's provider=aws-kms, symmetric --------------------


def test_mpl_kms_keyring_and_kmskit_aws_kms_both_ways(served: Served, tmp_path: Path) -> None:
    arn = served.kms.create_key()["KeyMetadata"]["Arn"]
    keyring = {"type": "aws-kms", "key_arn": arn, "kms": served.peer_kms}
    spec = served.aws_kms_spec(arn)

    # The MPL encrypts through the server; kmskit decrypts through it.
    message = peer_ok(op="encrypt", data=DATA, context=CONTEXT, keyring=keyring)
    assert _edks(message) == [("aws-kms", arn)]
    (tmp_path / "mpl.msg").write_bytes(message)
    assert _decrypt_cli(served, tmp_path / "mpl.msg", tmp_path / "out", "--wrapping-key",
                        spec, *_context_args()) == DATA  # fmt: skip

    # kmskit encrypts through the server; the MPL decrypts through it.
    (tmp_path / "data").write_bytes(DATA)
    ok(kmskit("encrypt", tmp_path / "data", "-o", tmp_path / "kmskit.msg",
              "--wrapping-key", spec, *_context_args(), env=served.cli_env))  # fmt: skip
    made = (tmp_path / "kmskit.msg").read_bytes()
    assert _edks(made) == [("aws-kms", arn)]
    answer = peer(op="decrypt", data=made, keyring=keyring)
    assert answer["ok"], answer["error"]
    assert answer["data"] == DATA and answer["context"] == CONTEXT
    # Another key's keyring does not open it.
    other = served.kms.create_key()["KeyMetadata"]["Arn"]
    wrong = peer(op="decrypt", data=made, keyring={**keyring, "key_arn": other})
    assert not wrong["ok"]
    assert "No Encrypted Data Keys found to match" in wrong["error"], wrong["error"]
