"""Alibaba's two Python KMS SDKs against ``kmskit serve`` (the Alibaba KMS OpenAPI).

Both SDKs run in ``.venv-aliyun-kms`` through tests/interop/aliyun_kms_peer.py, against one
TLS ``kmskit serve`` on a free 127.0.0.1 port (the SDKs' KMS requests are HTTPS), with an
access key from ``kmskit access-key create``. ``tea`` is alibabacloud-kms20160120
(ACS3-HMAC-SHA256), ``core`` aliyun-python-sdk-kms on aliyun-python-sdk-core (RPC
HMAC-SHA1). SM2 signatures are checked by ``openssl`` with the default distinguishing ID
passed explicitly. The same keys are visible to boto3 through the AWS API.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kmskit.offline import sm2
from tests._peers import require_peer
from tests.server._server import AccessKey, KmsServer, create_access_key
from tests.server.test_durability import _self_signed

ROOT = Path(__file__).resolve().parents[2]
PEER_PYTHON = ROOT / ".venv-aliyun-kms" / "bin" / "python"
PEER = Path(__file__).with_name("aliyun_kms_peer.py")
REGION = "cn-hangzhou"
SDKS = ["tea", "core"]

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _peer_venv() -> None:
    require_peer(PEER_PYTHON, "the Alibaba KMS SDK peer venv", ".venv-aliyun-kms/.installed")


class Alibaba:
    def __init__(self, server: KmsServer, key: AccessKey, ca: Path) -> None:
        self.server, self.key, self.ca = server, key, ca
        self.port = int(server.url.rsplit(":", 1)[1])

    def calls(self, sdk: str, *calls: tuple[str, dict[str, str]]) -> list[dict[str, Any]]:
        request = {
            "sdk": sdk,
            "host": "127.0.0.1",
            "port": self.port,
            "ca": str(self.ca),
            "access_key_id": self.key.access_key_id,
            "secret": self.key.secret,
            "region": REGION,
            "calls": [list(c) for c in calls],
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD")}
        done = subprocess.run(
            [str(PEER_PYTHON), str(PEER)],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
        return results

    def ok(self, sdk: str, action: str, **params: str) -> dict[str, Any]:
        [result] = self.calls(sdk, (action, params))
        assert result["ok"], result
        body: dict[str, Any] = result["body"]
        assert body["RequestId"]
        return body

    def fails(self, sdk: str, action: str, **params: str) -> dict[str, Any]:
        [result] = self.calls(sdk, (action, params))
        assert not result["ok"], result
        return result


@pytest.fixture(scope="module")
def alibaba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alibaba]:
    work = tmp_path_factory.mktemp("aliyun-serve")
    cert, private = _self_signed(work)
    home = work / "home"
    key = create_access_key(home)
    server = KmsServer(home, "--tls-cert", str(cert), "--tls-key", str(private), ca=cert)
    try:
        yield Alibaba(server, key, cert)
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("sdk", SDKS)
@pytest.mark.parametrize("spec", ["Aliyun_AES_256", "Aliyun_AES_128", "Aliyun_SM4"])
def test_symmetric_keys(alibaba: Alibaba, sdk: str, spec: str) -> None:
    meta = alibaba.ok(sdk, "CreateKey", KeySpec=spec, KeyUsage="ENCRYPT/DECRYPT")["KeyMetadata"]
    key_id = meta["KeyId"]
    # core sends RegionId; tea's ACS3 request names no region, so the home's is used.
    region = REGION if sdk == "core" else "us-east-1"
    assert meta["Arn"] == f"acs:kms:{region}:111122223333:key/{key_id}"
    assert (meta["KeySpec"], meta["KeyUsage"], meta["KeyState"]) == (
        spec,
        "ENCRYPT/DECRYPT",
        "Enabled",
    )
    assert meta["Origin"] == "Aliyun_KMS" and meta["ProtectionLevel"] == "SOFTWARE"
    described = alibaba.ok(sdk, "DescribeKey", KeyId=meta["Arn"])["KeyMetadata"]
    assert described["KeyId"] == key_id
    listed = alibaba.ok(sdk, "ListKeys", PageSize="100")
    assert key_id in [k["KeyId"] for k in listed["Keys"]["Key"]]

    context = json.dumps({"app": "test", "ünï": "cödé"})
    blob = alibaba.ok(
        sdk, "Encrypt", KeyId=key_id, Plaintext="hello 世界", EncryptionContext=context
    )
    assert blob["KeyId"] == key_id and blob["KeyVersionId"]
    back = alibaba.ok(
        sdk, "Decrypt", CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=context
    )
    assert back["Plaintext"] == "hello 世界" and back["KeyId"] == key_id
    wrong = alibaba.fails(sdk, "Decrypt", CiphertextBlob=blob["CiphertextBlob"])
    assert wrong["code"] == "Rejected.ValidationFailed"

    # GenerateDataKey encrypts the base64 text of the data key.
    made = alibaba.ok(sdk, "GenerateDataKey", KeyId=key_id, KeySpec="AES_128")
    assert len(base64.b64decode(made["Plaintext"])) == 16
    opened = alibaba.ok(sdk, "Decrypt", CiphertextBlob=made["CiphertextBlob"])
    assert opened["Plaintext"] == made["Plaintext"]
    bare = alibaba.ok(sdk, "GenerateDataKeyWithoutPlaintext", KeyId=key_id, NumberOfBytes="24")
    assert "Plaintext" not in bare
    assert (
        len(
            base64.b64decode(
                alibaba.ok(sdk, "Decrypt", CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]
            )
        )
        == 24
    )

    alibaba.ok(sdk, "DisableKey", KeyId=key_id)
    disabled = alibaba.fails(sdk, "Encrypt", KeyId=key_id, Plaintext="x")
    assert (disabled["code"], disabled["status"]) == ("Rejected.Disabled", 400)
    alibaba.ok(sdk, "EnableKey", KeyId=key_id)
    alibaba.ok(sdk, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays="7")
    assert (
        alibaba.ok(sdk, "DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    )
    alibaba.ok(sdk, "CancelKeyDeletion", KeyId=key_id)


@pytest.mark.parametrize("sdk", SDKS)
def test_errors(alibaba: Alibaba, sdk: str) -> None:
    missing = alibaba.fails(sdk, "DescribeKey", KeyId="00000000-0000-0000-0000-000000000000")
    assert (missing["code"], missing["status"]) == ("Forbidden.KeyNotFound", 404)
    # Aliyun_AES_192 exists only in Alibaba's KMS instances (hardware key management).
    bad = alibaba.fails(sdk, "CreateKey", KeySpec="Aliyun_AES_192")
    assert bad["code"] == "InvalidParameter.KeySpec"


def test_wrong_secret_is_refused(alibaba: Alibaba) -> None:
    for sdk in SDKS:
        saved = alibaba.key
        alibaba.key = AccessKey(saved.access_key_id, "not-the-secret")
        try:
            refused = alibaba.fails(sdk, "ListKeys")
        finally:
            alibaba.key = saved
        # aliyun-python-sdk-core renames SignatureDoesNotMatch when the server's string to
        # sign equals its own: then only the secret can be wrong.
        expected = "InvalidAccessKeySecret" if sdk == "core" else "SignatureDoesNotMatch"
        assert refused["code"] == expected, refused


@pytest.mark.parametrize("sdk", SDKS)
def test_aliases_tags_versions_protection(alibaba: Alibaba, sdk: str) -> None:
    key_id = alibaba.ok(sdk, "CreateKey")["KeyMetadata"]["KeyId"]
    alias = f"alias/{sdk}-files"
    alibaba.ok(sdk, "CreateAlias", AliasName=alias, KeyId=key_id)
    assert alibaba.ok(sdk, "DescribeKey", KeyId=alias)["KeyMetadata"]["KeyId"] == key_id
    by_key = alibaba.ok(sdk, "ListAliasesByKeyId", KeyId=key_id)["Aliases"]["Alias"]
    assert [a["AliasName"] for a in by_key] == [alias]
    assert alias in [
        a["AliasName"] for a in alibaba.ok(sdk, "ListAliases", PageSize="100")["Aliases"]["Alias"]
    ]
    other = alibaba.ok(sdk, "CreateKey")["KeyMetadata"]["KeyId"]
    alibaba.ok(sdk, "UpdateAlias", AliasName=alias, KeyId=other)
    assert alibaba.ok(sdk, "DescribeKey", KeyId=alias)["KeyMetadata"]["KeyId"] == other
    alibaba.ok(sdk, "DeleteAlias", AliasName=alias)

    alibaba.ok(
        sdk, "TagResource", KeyId=key_id, Tags=json.dumps([{"TagKey": "team", "TagValue": "gm"}])
    )
    tags = alibaba.ok(sdk, "ListResourceTags", KeyId=key_id)["Tags"]["Tag"]
    assert tags == [{"KeyId": key_id, "TagKey": "team", "TagValue": "gm"}]
    alibaba.ok(sdk, "UntagResource", KeyId=key_id, TagKeys=json.dumps(["team"]))
    assert alibaba.ok(sdk, "ListResourceTags", KeyId=key_id)["Tags"]["Tag"] == []

    first = alibaba.ok(sdk, "ListKeyVersions", KeyId=key_id)["KeyVersions"]["KeyVersion"]
    assert len(first) == 1
    blob = alibaba.ok(sdk, "Encrypt", KeyId=key_id, Plaintext="before rotation")["CiphertextBlob"]
    made = alibaba.ok(sdk, "CreateKeyVersion", KeyId=key_id)["KeyVersion"]["KeyVersionId"]
    versions = alibaba.ok(sdk, "ListKeyVersions", KeyId=key_id)["KeyVersions"]["KeyVersion"]
    assert made in [v["KeyVersionId"] for v in versions] and len(versions) == 2
    assert (
        alibaba.ok(sdk, "DescribeKeyVersion", KeyId=key_id, KeyVersionId=made)["KeyVersion"][
            "KeyVersionId"
        ]
        == made
    )
    assert alibaba.ok(sdk, "Decrypt", CiphertextBlob=blob)["Plaintext"] == "before rotation"
    reencrypted = alibaba.ok(sdk, "ReEncrypt", CiphertextBlob=blob, DestinationKeyId=other)
    assert reencrypted["KeyId"] == other
    assert (
        alibaba.ok(sdk, "Decrypt", CiphertextBlob=reencrypted["CiphertextBlob"])["Plaintext"]
        == "before rotation"
    )

    alibaba.ok(
        sdk,
        "UpdateRotationPolicy",
        KeyId=key_id,
        EnableAutomaticRotation="true",
        RotationInterval=f"{90 * 86400}s",
    )
    meta = alibaba.ok(sdk, "DescribeKey", KeyId=key_id)["KeyMetadata"]
    assert meta["AutomaticRotation"] == "Enabled" and meta["RotationInterval"] == f"{90 * 86400}s"

    arn = meta["Arn"]
    alibaba.ok(
        sdk, "SetDeletionProtection", ProtectedResourceArn=arn, EnableDeletionProtection="true"
    )
    assert (
        alibaba.ok(sdk, "DescribeKey", KeyId=key_id)["KeyMetadata"]["DeletionProtection"]
        == "Enabled"
    )
    refused = alibaba.fails(sdk, "ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays="7")
    assert refused["status"] >= 400


@pytest.mark.parametrize("sdk", SDKS)
def test_sm2_sign_checked_by_openssl(alibaba: Alibaba, sdk: str, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None
    meta = alibaba.ok(sdk, "CreateKey", KeySpec="EC_SM2", KeyUsage="SIGN/VERIFY")["KeyMetadata"]
    key_id, version = meta["KeyId"], meta["PrimaryKeyVersion"]
    versions = alibaba.ok(sdk, "ListKeyVersions", KeyId=key_id)["KeyVersions"]["KeyVersion"]
    assert [v["KeyVersionId"] for v in versions] == [version]
    pem = alibaba.ok(sdk, "GetPublicKey", KeyId=key_id, KeyVersionId=version)["PublicKey"]
    message = b"signed through Alibaba's API"
    digest = _sm3_z_m(pem, message)  # openssl below is the oracle for the whole chain
    signed = alibaba.ok(
        sdk, "AsymmetricSign", KeyId=key_id, KeyVersionId=version, Algorithm="SM2DSA",
        Digest=base64.b64encode(digest).decode(),
    )  # fmt: skip
    signature = base64.b64decode(signed["Value"])
    (tmp_path / "pub.pem").write_text(pem)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(signature)
    checked = subprocess.run(
        # The default ID passed explicitly (OpenSSL 3.0 defaults to an empty one); 3.0's
        # ``dgst -vfyopt`` reads the option as a file name, so pkeyutl -pkeyopt it is.
        [openssl, "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey",
         "pub.pem", "-in", "msg", "-sigfile", "sig", "-pkeyopt", "distid:1234567812345678"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked
    good = alibaba.ok(
        sdk, "AsymmetricVerify", KeyId=key_id, KeyVersionId=version, Algorithm="SM2DSA",
        Digest=base64.b64encode(digest).decode(), Value=signed["Value"],
    )  # fmt: skip
    assert good["Value"] is True
    bad = alibaba.ok(
        sdk, "AsymmetricVerify", KeyId=key_id, KeyVersionId=version, Algorithm="SM2DSA",
        Digest=base64.b64encode(bytes(32)).decode(), Value=signed["Value"],
    )  # fmt: skip
    assert bad["Value"] is False
    wrong = alibaba.fails(sdk, "GetPublicKey", KeyId=key_id, KeyVersionId="no-such-version")
    assert wrong["code"] == "Forbidden.KeyVersionNotFound"


def _sm3_z_m(pem: str, message: bytes) -> bytes:
    """SM3(Z ‖ M) with the default ID (GB/T 32918.2), computed with kmskit's offline SM2."""
    from kmskit.offline.keys import load_public_key

    public = load_public_key(pem.encode()).key
    assert isinstance(public, sm2.SM2PublicKey)
    return sm2.compute_e(public, message)


@pytest.mark.parametrize("sdk", SDKS)
def test_sm2_encrypt(alibaba: Alibaba, sdk: str) -> None:
    meta = alibaba.ok(sdk, "CreateKey", KeySpec="EC_SM2", KeyUsage="ENCRYPT/DECRYPT")["KeyMetadata"]
    key_id, version = meta["KeyId"], meta["PrimaryKeyVersion"]
    data = os.urandom(1000)
    blob = alibaba.ok(
        sdk, "AsymmetricEncrypt", KeyId=key_id, KeyVersionId=version, Algorithm="SM2PKE",
        Plaintext=base64.b64encode(data).decode(),
    )["CiphertextBlob"]  # fmt: skip
    back = alibaba.ok(
        sdk, "AsymmetricDecrypt", KeyId=key_id, KeyVersionId=version, Algorithm="SM2PKE",
        CiphertextBlob=blob,
    )["Plaintext"]  # fmt: skip
    assert base64.b64decode(back) == data


def test_one_model_two_apis(alibaba: Alibaba) -> None:
    """An Aliyun_SM4 key made through the Alibaba API is the AWS API's SM4 key."""
    key_id = alibaba.ok("tea", "CreateKey", KeySpec="Aliyun_SM4")["KeyMetadata"]["KeyId"]
    aws = alibaba.server.client(alibaba.key)
    meta = aws.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeySpec"] == "SM4" and meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    made = aws.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    seen = alibaba.ok("core", "DescribeKey", KeyId=made)["KeyMetadata"]
    assert (seen["KeySpec"], seen["KeyUsage"]) == ("EC_SM2", "SIGN/VERIFY")
    blob = aws.encrypt(KeyId=key_id, Plaintext=b"from AWS")["CiphertextBlob"]
    text = alibaba.ok("core", "Decrypt", CiphertextBlob=base64.b64encode(blob).decode())
    assert text["Plaintext"] == "from AWS"


@pytest.mark.parametrize("sdk", SDKS)
def test_import_key_material(alibaba: Alibaba, sdk: str) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    meta = alibaba.ok(sdk, "CreateKey", Origin="EXTERNAL")["KeyMetadata"]
    key_id = meta["KeyId"]
    assert (meta["Origin"], meta["KeyState"]) == ("EXTERNAL", "PendingImport")
    params = alibaba.ok(
        sdk, "GetParametersForImport", KeyId=key_id,
        WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048",
    )  # fmt: skip
    public = serialization.load_der_public_key(base64.b64decode(params["PublicKey"]))
    assert isinstance(public, rsa.RSAPublicKey)
    material = os.urandom(32)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = public.encrypt(material, oaep)
    alibaba.ok(
        sdk, "ImportKeyMaterial", KeyId=key_id, ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=base64.b64encode(wrapped).decode(),
    )  # fmt: skip
    assert alibaba.ok(sdk, "DescribeKey", KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    blob = alibaba.ok(sdk, "Encrypt", KeyId=key_id, Plaintext="imported")["CiphertextBlob"]
    assert alibaba.ok(sdk, "Decrypt", CiphertextBlob=blob)["Plaintext"] == "imported"


def _records(home: Path, key_id: str) -> list[dict[str, Any]]:
    from kmskit.keystore import open_audit_log

    with open_audit_log(home) as log:
        assert log.verify().ok
        return [r.to_dict() for r in log.records() if (r.key_arn or "").endswith(key_id)]


def test_aes_128_key_through_both_apis(alibaba: Alibaba) -> None:
    """An Aliyun_AES_128 key is the AWS API's AES_128 key; each API decrypts the other's."""
    key_id = alibaba.ok("core", "CreateKey", KeySpec="Aliyun_AES_128")["KeyMetadata"]["KeyId"]
    aws = alibaba.server.client(alibaba.key)
    meta = aws.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (meta["KeySpec"], meta["EncryptionAlgorithms"]) == ("AES_128", ["SYMMETRIC_DEFAULT"])
    made = aws.create_key(KeySpec="AES_128")["KeyMetadata"]["KeyId"]
    seen = alibaba.ok("tea", "DescribeKey", KeyId=made)["KeyMetadata"]
    assert seen["KeySpec"] == "Aliyun_AES_128"
    blob = aws.encrypt(KeyId=made, Plaintext=b"from AWS")["CiphertextBlob"]
    text = alibaba.ok("tea", "Decrypt", CiphertextBlob=base64.b64encode(blob).decode())
    assert text["Plaintext"] == "from AWS"
    data_key = aws.generate_data_key(KeyId=key_id, KeySpec="AES_128")
    assert aws.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == (
        data_key["Plaintext"]
    )
    moved = aws.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)["CiphertextBlob"]
    assert aws.decrypt(CiphertextBlob=moved)["Plaintext"] == b"from AWS"


def _sm2_key(tmp_path: Path) -> tuple[Path, bytes]:
    """An SM2 key pair made by openssl: the private key's PEM file and the public DER SPKI."""
    openssl = shutil.which("openssl")
    assert openssl is not None
    private = tmp_path / "sm2.pem"
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "SM2", "-out", str(private)], check=True,
        capture_output=True,
    )  # fmt: skip
    der = subprocess.run(
        [openssl, "pkey", "-in", str(private), "-pubout", "-outform", "DER"], check=True,
        capture_output=True,
    ).stdout  # fmt: skip
    return private, der


def _openssl_sm2_decrypt(private: Path, ciphertext: bytes, tmp_path: Path) -> bytes:
    openssl = shutil.which("openssl")
    assert openssl is not None
    (tmp_path / "exported").write_bytes(ciphertext)
    return subprocess.run(
        [openssl, "pkeyutl", "-decrypt", "-inkey", str(private), "-in",
         str(tmp_path / "exported")], check=True, capture_output=True,
    ).stdout  # fmt: skip


@pytest.mark.parametrize("sdk", SDKS)
def test_generate_and_export_data_key(alibaba: Alibaba, sdk: str, tmp_path: Path) -> None:
    """ExportedDataKey, opened with the private key (cryptography for RSA, openssl for SM2),
    is what Decrypt of CiphertextBlob returns: the data key's base64 text."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key_id = alibaba.ok(sdk, "CreateKey")["KeyMetadata"]["KeyId"]
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_der = rsa_private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sm2_private, sm2_der = _sm2_key(tmp_path)
    context = json.dumps({"hsm": "slot-1"})
    cases = [  # (WrappingKeySpec, WrappingAlgorithm, public key, length params, bytes)
        ("RSA_2048", "RSAES_OAEP_SHA_256", rsa_der, {"KeySpec": "AES_128"}, 16),
        ("RSA_2048", "RSAES_OAEP_SHA_1", rsa_der, {"NumberOfBytes": "24"}, 24),
        ("EC_SM2", "SM2PKE", sm2_der, {}, 32),  # neither: Alibaba's 256-bit default
    ]
    made = alibaba.calls(
        sdk,
        *[
            ("GenerateAndExportDataKey", {
                "KeyId": key_id, "PublicKeyBlob": base64.b64encode(der).decode(),
                "WrappingKeySpec": spec, "WrappingAlgorithm": algorithm,
                "EncryptionContext": context, **length,
            })
            for spec, algorithm, der, length, _ in cases
        ],
    )  # fmt: skip
    opened = alibaba.calls(
        sdk,
        *[
            ("Decrypt", {
                "CiphertextBlob": m["body"]["CiphertextBlob"], "EncryptionContext": context,
            })
            for m in made
        ],
    )  # fmt: skip
    version = alibaba.ok(sdk, "DescribeKey", KeyId=key_id)["KeyMetadata"]["PrimaryKeyVersion"]
    for (spec, algorithm, _, _, length), answer, decrypted in zip(cases, made, opened, strict=True):
        assert answer["ok"] and decrypted["ok"], (answer, decrypted)
        body = answer["body"]
        assert (body["KeyId"], body["KeyVersionId"]) == (key_id, version)
        assert "Plaintext" not in body
        exported = base64.b64decode(body["ExportedDataKey"])
        if spec == "RSA_2048":
            h = hashes.SHA256() if algorithm.endswith("256") else hashes.SHA1()  # noqa: S303
            oaep = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
            text = rsa_private.decrypt(exported, oaep)
        else:
            text = _openssl_sm2_decrypt(sm2_private, exported, tmp_path)
        assert text.decode("ascii") == decrypted["body"]["Plaintext"]
        assert len(base64.b64decode(text, validate=True)) == length

    wrong = alibaba.fails(
        sdk, "GenerateAndExportDataKey", KeyId=key_id, PublicKeyBlob=base64.b64encode(rsa_der)
        .decode(), WrappingKeySpec="EC_SM2", WrappingAlgorithm="SM2PKE",
    )  # fmt: skip
    assert (wrong["code"], wrong["status"]) == ("InvalidParameter", 400), wrong
    mismatched = alibaba.fails(
        sdk, "GenerateAndExportDataKey", KeyId=key_id, PublicKeyBlob=base64.b64encode(rsa_der)
        .decode(), WrappingKeySpec="RSA_2048", WrappingAlgorithm="SM2PKE",
    )  # fmt: skip
    assert mismatched["code"] == "InvalidParameter.WrappingAlgorithm", mismatched
    sm2_signing = alibaba.ok(sdk, "CreateKey", KeySpec="EC_SM2", KeyUsage="SIGN/VERIFY")
    usage = alibaba.fails(
        sdk, "GenerateAndExportDataKey", KeyId=sm2_signing["KeyMetadata"]["KeyId"],
        PublicKeyBlob=base64.b64encode(rsa_der).decode(), WrappingKeySpec="RSA_2048",
        WrappingAlgorithm="RSAES_OAEP_SHA_256",
    )  # fmt: skip
    assert usage["code"] == "Forbidden.KeyUsage", usage


def test_data_keys_are_audited_as_what_ran(alibaba: Alibaba, tmp_path: Path) -> None:
    """Alibaba's GenerateDataKey is audited as GenerateDataKey (with Api alibaba), not as the
    Encrypt it once was; GenerateAndExportDataKey as itself; AWS's GenerateDataKey as before."""
    key_id = alibaba.ok("core", "CreateKey")["KeyMetadata"]["KeyId"]
    _, sm2_der = _sm2_key(tmp_path)
    alibaba.calls(
        "tea",
        ("GenerateDataKey", {"KeyId": key_id}),
        ("GenerateDataKeyWithoutPlaintext", {"KeyId": key_id, "NumberOfBytes": "16"}),
        ("GenerateAndExportDataKey", {
            "KeyId": key_id, "PublicKeyBlob": base64.b64encode(sm2_der).decode(),
            "WrappingKeySpec": "EC_SM2", "WrappingAlgorithm": "SM2PKE",
        }),
    )  # fmt: skip
    alibaba.server.client(alibaba.key).generate_data_key(KeyId=key_id, KeySpec="AES_256")
    records = [
        (r["Operation"], r["Parameters"].get("Api"), r["Outcome"])
        for r in _records(alibaba.server.home, key_id)
        if r["Operation"] not in ("CreateKey", "DescribeKey", "GetKeyRotationStatus")
    ]
    assert records == [
        ("GenerateDataKey", "alibaba", "Success"),
        ("GenerateDataKeyWithoutPlaintext", "alibaba", "Success"),
        ("GenerateAndExportDataKey", None, "Success"),
        ("GenerateDataKey", None, "Success"),
    ], records
    exported = [
        r for r in _records(alibaba.server.home, key_id)
        if r["Operation"] == "GenerateAndExportDataKey"
    ]  # fmt: skip
    assert exported[0]["Authorization"][0]["Action"] == "kms:GenerateAndExportDataKey"


@pytest.mark.parametrize("sdk", SDKS)
def test_sm2_encrypt_limits(alibaba: Alibaba, sdk: str) -> None:
    """Alibaba's AsymmetricEncrypt takes up to 6047 bytes with SM2PKE; AWS's Encrypt 1024."""
    meta = alibaba.ok(sdk, "CreateKey", KeySpec="EC_SM2", KeyUsage="ENCRYPT/DECRYPT")["KeyMetadata"]
    key_id, version = meta["KeyId"], meta["PrimaryKeyVersion"]
    longest, too_long = os.urandom(6047), os.urandom(6048)
    encrypted, refused = alibaba.calls(
        sdk,
        *[
            ("AsymmetricEncrypt", {
                "KeyId": key_id, "KeyVersionId": version, "Algorithm": "SM2PKE",
                "Plaintext": base64.b64encode(data).decode(),
            })
            for data in (longest, too_long)
        ],
    )  # fmt: skip
    assert encrypted["ok"], encrypted
    assert (refused["ok"], refused["code"], refused["status"]) == (False, "InvalidParameter", 400)
    back = alibaba.ok(
        sdk, "AsymmetricDecrypt", KeyId=key_id, KeyVersionId=version, Algorithm="SM2PKE",
        CiphertextBlob=encrypted["body"]["CiphertextBlob"],
    )["Plaintext"]  # fmt: skip
    assert base64.b64decode(back) == longest

    from botocore.exceptions import ClientError

    aws = alibaba.server.client(alibaba.key)
    aws.encrypt(KeyId=key_id, Plaintext=os.urandom(1024), EncryptionAlgorithm="SM2PKE")
    with pytest.raises(ClientError) as info:
        aws.encrypt(KeyId=key_id, Plaintext=os.urandom(1025), EncryptionAlgorithm="SM2PKE")
    assert info.value.response["Error"]["Code"] == "ValidationException"
    # AWS's Decrypt keeps KMS's 6144-byte CiphertextBlob: Alibaba's longest SM2 ciphertext
    # is over it.
    with pytest.raises(ClientError) as info:
        aws.decrypt(
            KeyId=key_id, EncryptionAlgorithm="SM2PKE",
            CiphertextBlob=base64.b64decode(encrypted["body"]["CiphertextBlob"]),
        )  # fmt: skip
    assert info.value.response["Error"]["Code"] == "ValidationException"


def test_binary_plaintext_is_refused_by_alibaba_decrypt(alibaba: Alibaba) -> None:
    """A ciphertext of bytes that are not UTF-8 (made through the AWS API) cannot be answered
    as Alibaba's string Plaintext: UnsupportedOperation, audited as the Decrypt that failed;
    the AWS API still decrypts it."""
    aws = alibaba.server.client(alibaba.key)
    key_id = aws.create_key()["KeyMetadata"]["KeyId"]
    binary = b"\xff\xfe binary \x80"
    blob = aws.encrypt(KeyId=key_id, Plaintext=binary)["CiphertextBlob"]
    for sdk in SDKS:
        refused = alibaba.fails(sdk, "Decrypt", CiphertextBlob=base64.b64encode(blob).decode())
        assert (refused["code"], refused["status"]) == ("UnsupportedOperation", 400), refused
        assert "not UTF-8" in refused["message"]
    assert aws.decrypt(CiphertextBlob=blob)["Plaintext"] == binary
    failed = [
        r for r in _records(alibaba.server.home, key_id)
        if r["Operation"] == "Decrypt" and r["Parameters"].get("Api") == "alibaba"
    ]  # fmt: skip
    assert [r["Outcome"] for r in failed] == ["UnsupportedOperationException"] * 2
