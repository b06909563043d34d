"""``kmskit kms`` importing key material and rotating keys, in-process.

Key material is wrapped by the OpenSSL commands of the KMS Developer Guide ("Importing key
material, step 3") or by ``kmskit offline wrap-key-material``. That the keystore holds
exactly the material sent is checked from outside: a blob it makes is opened with
``cryptography``'s AES-GCM under that material (docs/keystore.md#blob), and an imported EC
key's signatures verify under the public key ``cryptography`` derives from the PKCS #8.
"""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmskit.cli._aws_args import parse_timestamp
from kmskit.cli.main import exit_code_for
from kmskit.offline.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidImportTokenException,
    KMSInvalidMacException,
)
from tests.cli._kms import Kms, b64, openssl, unb64
from tests.cli._runner import assert_one_line_error, kmskit, ok

MESSAGE = b"Pay 100 to Alice\n"


@pytest.fixture
def kms(tmp_path: Path) -> Kms:
    return Kms(tmp_path / "home")


def _parameters(kms: Kms, key_id: str, algorithm: str, spec: str, work: Path) -> Path:
    """get-parameters-for-import, saved as the JSON and as the guide's two files."""
    response = ok(
        kms(
            "get-parameters-for-import",
            "--key-id",
            key_id,
            "--wrapping-algorithm",
            algorithm,
            "--wrapping-key-spec",
            spec,
        )
    )
    doc = response.json()
    assert set(doc) == {"KeyId", "ImportToken", "PublicKey", "ParametersValidTo"}
    valid_to = datetime.fromisoformat(doc["ParametersValidTo"])
    assert timedelta(hours=23) < valid_to - datetime.now(UTC) <= timedelta(hours=24)
    (work / "params.json").write_bytes(response.stdout)
    (work / "token.bin").write_bytes(unb64(doc["ImportToken"]))
    (work / "WrappingPublicKey.der").write_bytes(unb64(doc["PublicKey"]))
    return work / "params.json"


def _open_blob(material: bytes, blob: bytes) -> bytes:
    """Decrypt a local ciphertext blob with no context (docs/keystore.md#blob)."""
    header, body = blob[:33], blob[33:]
    return AESGCM(material).decrypt(header[21:33], body, header)


def _encrypt(kms: Kms, key_id: str, plaintext: bytes) -> bytes:
    blob = kms.json("encrypt", "--key-id", key_id, "--plaintext", b64(plaintext))
    return unb64(blob["CiphertextBlob"])


def _decrypt(kms: Kms, blob: bytes) -> dict[str, str]:
    response: dict[str, str] = kms.json("decrypt", "--ciphertext-blob", b64(blob))
    return response


# -- the OpenSSL recipe ----------------------------------------------------------------------


@pytest.mark.interop
def test_material_wrapped_by_the_guides_openssl_commands_imports(kms: Kms, work: Path) -> None:
    key_id = kms.key("--origin", "EXTERNAL")
    assert (
        kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"] == "PendingImport"
    )
    _parameters(kms, key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048", work)
    openssl("rand", "-out", "PlaintextKeyMaterial.bin", "32")
    openssl("rand", "-out", "aes-key.bin", "32")
    aes_hex = (work / "aes-key.bin").read_bytes().hex()
    openssl(
        "enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
        "-in", "PlaintextKeyMaterial.bin", "-out", "key-material-wrapped.bin",
    )  # fmt: skip
    openssl(
        "pkeyutl", "-encrypt", "-in", "aes-key.bin", "-out", "aes-key-wrapped.bin",
        "-inkey", "WrappingPublicKey.der", "-keyform", "DER", "-pubin",
        "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
        "-pkeyopt", "rsa_mgf1_md:sha256",
    )  # fmt: skip
    (work / "EncryptedKeyMaterial.bin").write_bytes(
        (work / "aes-key-wrapped.bin").read_bytes()
        + (work / "key-material-wrapped.bin").read_bytes()
    )
    imported = kms.json(
        "import-key-material",
        "--key-id",
        key_id,
        "--encrypted-key-material",
        "fileb://EncryptedKeyMaterial.bin",
        "--import-token",
        "fileb://token.bin",
        "--expiration-model",
        "KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    assert imported["KeyId"].endswith(key_id) and len(imported["KeyMaterialId"]) == 64
    meta = kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and meta["Origin"] == "EXTERNAL"
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE" and "ValidTo" not in meta

    blob = _encrypt(kms, key_id, b"imported and working")
    assert _decrypt(kms, blob)["Plaintext"] == b64(b"imported and working")
    material = (work / "PlaintextKeyMaterial.bin").read_bytes()
    assert _open_blob(material, blob) == b"imported and working"


@pytest.mark.parametrize(
    ("algorithm", "spec"),
    [
        ("RSAES_OAEP_SHA_256", "RSA_2048"),
        ("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048"),
        ("SM2PKE", "SM2"),
    ],
)
def test_material_wrapped_by_kmskit_offline_imports(
    kms: Kms, work: Path, algorithm: str, spec: str
) -> None:
    key_id = kms.key("--origin", "EXTERNAL")
    params = _parameters(kms, key_id, algorithm, spec, work)
    material = bytes(range(32))
    (work / "material").write_bytes(material)
    wrap = [
        "--wrapping-key",
        params,
        "--wrapping-algorithm",
        algorithm,
        "--key-material",
        "material",
    ]
    ok(kmskit("offline", "wrap-key-material", *wrap, "--out", "wrapped"))
    # the token as base64 on the command line, the material from a file
    token = json.loads(params.read_text())["ImportToken"]
    import_ = ["--key-id", key_id, "--import-token", token]
    ok(kms("import-key-material", *import_, "--encrypted-key-material", "fileb://wrapped"))
    blob = _encrypt(kms, key_id, MESSAGE)
    assert _open_blob(material, blob) == MESSAGE
    assert _decrypt(kms, blob)["Plaintext"] == b64(MESSAGE)


def test_asymmetric_material_signs_as_its_public_key_says(kms: Kms, work: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_id = kms.key(
        "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY", "--origin", "EXTERNAL"
    )
    params = _parameters(kms, key_id, "RSAES_OAEP_SHA_256", "RSA_2048", work)
    (work / "key.der").write_bytes(pkcs8)
    wrap = ["--wrapping-key", params, "--wrapping-algorithm", "RSAES_OAEP_SHA_256"]
    ok(kmskit("offline", "wrap-key-material", *wrap, "--key-material", "key.der", "--out", "w"))
    imported = kms.json(
        "import-key-material",
        "--key-id",
        key_id,
        "--import-token",
        "fileb://token.bin",
        "--encrypted-key-material",
        "fileb://w",
    )
    assert "KeyMaterialId" not in imported  # asymmetric keys have none in KMS responses
    signed = kms.json(
        "sign",
        "--key-id",
        key_id,
        "--message",
        b64(MESSAGE),
        "--signing-algorithm",
        "ECDSA_SHA_256",
    )
    private.public_key().verify(unb64(signed["Signature"]), MESSAGE, ec.ECDSA(hashes.SHA256()))


# -- import errors and exit codes ------------------------------------------------------------


def test_import_errors_and_their_exit_codes(kms: Kms, work: Path) -> None:
    key_id = kms.key("--origin", "EXTERNAL")
    params = _parameters(kms, key_id, "RSAES_OAEP_SHA_256", "RSA_2048", work)
    wrap = ["offline", "wrap-key-material", "--wrapping-key", params]
    wrap += ["--wrapping-algorithm", "RSAES_OAEP_SHA_256"]
    for name, material in (("a", b"\x01" * 32), ("b", b"\x02" * 32), ("short", b"\x03" * 16)):
        (work / name).write_bytes(material)
        ok(kmskit(*wrap, "--key-material", name, "--out", f"{name}.wrapped"))
    import_ = ["import-key-material", "--key-id", key_id, "--import-token", "fileb://token.bin"]

    other = kms.key("--origin", "EXTERNAL")
    stolen = kms(
        "import-key-material",
        "--key-id",
        other,
        "--import-token",
        "fileb://token.bin",
        "--encrypted-key-material",
        "fileb://a.wrapped",
    )
    assert_one_line_error(stolen, 254, "InvalidImportTokenException")
    garbage = kms(*import_, "--encrypted-key-material", b64(b"\0" * 256))
    assert_one_line_error(garbage, 254, "InvalidCiphertextException")
    short = kms(*import_, "--encrypted-key-material", "fileb://short.wrapped")
    assert_one_line_error(short, 254, "IncorrectKeyMaterialException")

    ok(kms(*import_, "--encrypted-key-material", "fileb://a.wrapped"))
    blob = _encrypt(kms, key_id, MESSAGE)
    different = kms(*import_, "--encrypted-key-material", "fileb://b.wrapped")
    assert_one_line_error(different, 254, "IncorrectKeyMaterialException")

    deleted = kms.json("delete-imported-key-material", "--key-id", key_id)
    assert deleted["KeyId"].endswith(key_id) and len(deleted["KeyMaterialId"]) == 64
    meta = kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport"
    gone = kms("decrypt", "--ciphertext-blob", b64(blob))
    assert_one_line_error(gone, 254, "KMSInvalidStateException")
    ok(kms(*import_, "--encrypted-key-material", "fileb://a.wrapped"))  # the same material again
    assert _decrypt(kms, blob)["Plaintext"] == b64(MESSAGE)

    for flag, value in (
        ("--import-type", "EXISTING_KEY_MATERIAL"),
        ("--key-material-description", "v1"),
        ("--key-material-id", deleted["KeyMaterialId"]),
    ):
        refused = kms(*import_, "--encrypted-key-material", "fileb://a.wrapped", flag, value)
        assert flag in assert_one_line_error(refused, 254, "UnsupportedOperationException")
    refused = kms("delete-imported-key-material", "--key-id", key_id, "--key-material-id", "x" * 64)
    assert_one_line_error(refused, 254, "UnsupportedOperationException")
    parameters = ["get-parameters-for-import", "--wrapping-key-spec", "RSA_2048"]
    not_external = kms(
        *parameters, "--key-id", kms.key(), "--wrapping-algorithm", "RSAES_OAEP_SHA_1"
    )
    assert_one_line_error(not_external, 254, "UnsupportedOperationException")
    mismatch = kms(*parameters, "--key-id", key_id, "--wrapping-algorithm", "SM2PKE")
    assert_one_line_error(mismatch, 254, "ValidationException")


@pytest.mark.parametrize(
    "error",
    [
        InvalidImportTokenException("x"),
        ExpiredImportTokenException("x"),
        IncorrectKeyMaterialException("x"),
        KMSInvalidMacException("x"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_new_kms_errors_are_operation_failures(error: Exception) -> None:
    """The request was well formed and the answer is no: exit 1, like an invalid signature.

    (An expired token cannot be made through the CLI, which has no clock to turn.)
    """
    assert exit_code_for(error) == 1  # type: ignore[arg-type]


# -- expiry and timestamps --------------------------------------------------------------------


def _imported_key(kms: Kms, work: Path) -> tuple[str, list[str]]:
    key_id = kms.key("--origin", "EXTERNAL")
    params = _parameters(kms, key_id, "RSAES_OAEP_SHA_256", "RSA_2048", work)
    (work / "m").write_bytes(b"\x07" * 32)
    wrap = ["--wrapping-key", params, "--wrapping-algorithm", "RSAES_OAEP_SHA_256"]
    ok(kmskit("offline", "wrap-key-material", *wrap, "--key-material", "m", "--out", "m.w"))
    args = ["--key-id", key_id, "--import-token", "fileb://token.bin"]
    return key_id, [*args, "--encrypted-key-material", "fileb://m.w"]


def test_valid_to_takes_iso_8601_and_epoch_seconds(kms: Kms, work: Path) -> None:
    key_id, import_ = _imported_key(kms, work)
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    as_shown = {
        later.strftime("%Y-%m-%dT%H:%M:%SZ"): later,
        later.astimezone(datetime.now().astimezone().tzinfo).isoformat(): later,
        later.strftime("%Y-%m-%dT%H:%M:%S"): later,  # no offset: UTC, as botocore sends it
        str(int(later.timestamp())): later,
        later.strftime("%Y-%m-%d"): later.replace(hour=0, minute=0, second=0),
    }
    for text, expected in as_shown.items():
        ok(kms("import-key-material", *import_, "--valid-to", text))
        meta = kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]
        assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES", text
        assert datetime.fromisoformat(meta["ValidTo"]) == expected, text

    request = {"KeyId": key_id, "ValidTo": int(later.timestamp())}
    ok(kms("import-key-material", *import_[2:], "--cli-input-json", json.dumps(request)))
    assert (
        kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]["ValidTo"] == later.isoformat()
    )

    bad = kms("import-key-material", *import_, "--valid-to", "next tuesday")
    assert "--valid-to" in assert_one_line_error(bad, 252, "UsageError")
    too_far = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_one_line_error(
        kms("import-key-material", *import_, "--valid-to", too_far), 254, "ValidationException"
    )
    past = kms("import-key-material", *import_, "--valid-to", "2020-01-01T00:00:00Z")
    assert_one_line_error(past, 254, "ValidationException")
    soon = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    never = ["--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE"]
    both = kms("import-key-material", *import_, "--valid-to", soon, *never)
    assert_one_line_error(both, 254, "ValidationException")
    neither = kms("import-key-material", *import_, "--expiration-model", "KEY_MATERIAL_EXPIRES")
    assert_one_line_error(neither, 254, "ValidationException")


@pytest.mark.parametrize(
    "text",
    [
        "2027-01-31T12:34:56Z",
        "2027-01-31T12:34:56.250+08:00",
        "2027-01-31T12:34:56-05:30",
        "2027-01-31T12:34:56",
        "2027-01-31",
        "1800000000",
        "1800000000.5",
        "0",
    ],
)
def test_timestamps_parse_as_botocore_parses_them(text: str) -> None:
    """botocore's parse_to_aware_datetime is what the AWS CLI sends for a timestamp."""
    botocore_utils = pytest.importorskip("botocore.utils")
    assert parse_timestamp(text, "--valid-to") == botocore_utils.parse_to_aware_datetime(text)


@pytest.mark.parametrize("text", ["", "soon", "2027-13-01", "1e999", "nan"])
def test_bad_timestamps_are_usage_errors(text: str) -> None:
    with pytest.raises(click.BadParameter, match="timestamp"):
        parse_timestamp(text, "--valid-to")


# -- rotation -------------------------------------------------------------------------------


def test_ciphertexts_from_before_a_rotation_still_decrypt(kms: Kms) -> None:
    key_id = kms.key()
    before = _encrypt(kms, key_id, b"before")
    first = _decrypt(kms, before)["KeyMaterialId"]
    assert kms.json("rotate-key-on-demand", "--key-id", key_id) == {"KeyId": key_id}
    after = _encrypt(kms, key_id, b"after")
    assert _decrypt(kms, before)["Plaintext"] == b64(b"before")
    opened = _decrypt(kms, after)
    assert opened["Plaintext"] == b64(b"after") and opened["KeyMaterialId"] != first
    assert struct.unpack(">I", after[17:21]) == (2,)  # the blob names its material

    rotations = kms.json("list-key-rotations", "--key-id", key_id)["Rotations"]
    assert [(r["KeyId"], r["KeyMaterialId"], r["RotationType"]) for r in rotations] == [
        (key_id, opened["KeyMaterialId"], "ON_DEMAND")
    ]
    datetime.fromisoformat(rotations[0]["RotationDate"])


def test_list_key_rotations_pages(kms: Kms) -> None:
    key_id = kms.key()
    for _ in range(3):
        ok(kms("rotate-key-on-demand", "--key-id", key_id))
    ids = [
        r["KeyMaterialId"] for r in kms.json("list-key-rotations", "--key-id", key_id)["Rotations"]
    ]
    assert len(set(ids)) == 3
    paged = kms.json("list-key-rotations", "--key-id", key_id, "--page-size", "1")
    assert [r["KeyMaterialId"] for r in paged["Rotations"]] == ids and set(paged) == {"Rotations"}
    first = kms.json("list-key-rotations", "--key-id", key_id, "--max-items", "2")
    rest = kms.json(
        "list-key-rotations", "--key-id", key_id, "--starting-token", first["NextToken"]
    )
    assert [r["KeyMaterialId"] for r in first["Rotations"] + rest["Rotations"]] == ids
    one = kms.json("list-key-rotations", "--key-id", key_id, "--limit", "1")
    assert one["Truncated"] is True and len(one["Rotations"]) == 1
    text = ok(kms("list-key-rotations", "--key-id", key_id, "--output", "text")).out
    assert [line.split("\t")[0] for line in text.splitlines()] == ["ROTATIONS"] * 3

    ok(kms("list-key-rotations", "--key-id", key_id, "--include-key-material", "ROTATIONS_ONLY"))
    refused = kms(
        "list-key-rotations", "--key-id", key_id, "--include-key-material", "ALL_KEY_MATERIAL"
    )
    assert "--include-key-material" in assert_one_line_error(
        refused, 254, "UnsupportedOperationException"
    )


def test_automatic_rotation_settings(kms: Kms) -> None:
    key_id = kms.key()
    status = kms.json("get-key-rotation-status", "--key-id", key_id)
    assert status == {"KeyRotationEnabled": False, "KeyId": key_id}
    assert (
        ok(kms("enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "90")).stdout
        == b""
    )
    status = kms.json("get-key-rotation-status", "--key-id", key_id)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    next_date = datetime.fromisoformat(status["NextRotationDate"])
    assert timedelta(days=89) < next_date - datetime.now(UTC) <= timedelta(days=90)
    short = kms("enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "30")
    assert_one_line_error(short, 254, "ValidationException")
    assert ok(kms("disable-key-rotation", "--key-id", key_id)).stdout == b""
    assert kms.json("get-key-rotation-status", "--key-id", key_id)["KeyRotationEnabled"] is False

    asymmetric = kms.key("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    for operation in ("enable-key-rotation", "rotate-key-on-demand", "get-key-rotation-status"):
        result = kms(operation, "--key-id", asymmetric)
        assert_one_line_error(result, 254, "UnsupportedOperationException")
    ok(kms("disable-key", "--key-id", key_id))
    assert_one_line_error(kms("rotate-key-on-demand", "--key-id", key_id), 254, "DisabledException")


def test_alibaba_homes_take_shorter_periods(tmp_path: Path) -> None:
    home = tmp_path / "ali"
    ok(kmskit("init", "--home", home, "--naming", "alibaba", env={"KMSKIT_PASSPHRASE": None}))
    kms = Kms(home)
    key_id = kms.key()
    ok(kms("enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "7"))
    assert kms.json("get-key-rotation-status", "--key-id", key_id)["RotationPeriodInDays"] == 7
    too_long = kms("enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "400")
    assert_one_line_error(too_long, 254, "ValidationException")


def test_on_demand_rotation_limit(kms: Kms) -> None:
    key_id = kms.key()
    for _ in range(25):
        ok(kms("rotate-key-on-demand", "--key-id", key_id))
    limit = kms("rotate-key-on-demand", "--key-id", key_id)
    assert_one_line_error(limit, 254, "LimitExceededException")
    assert len(kms.json("list-key-rotations", "--key-id", key_id)["Rotations"]) == 25
