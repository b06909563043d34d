"""Importing key material: material wrapped with the OpenSSL commands of the AWS KMS guide
imports and then works; token, material and expiry rules; deleting and re-importing.

Where a test knows the material, it checks the keystore really uses it with an independent
peer (a blob opened by hand, ``hmac``, ``openssl``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kmskit.keystore import Keystore, open_keystore
from kmskit.keystore.key_import import _checked_material
from kmskit.offline import generate_private_key
from kmskit.offline.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidCiphertextException,
    InvalidImportTokenException,
    KMSInvalidStateException,
    UnsupportedOperationException,
    ValidationException,
)
from kmskit.offline.specs import KeySpec, WrappingAlgorithm
from tests.keystore._peers import import_raw_material, open_blob_by_hand, openssl
from tests.keystore.conftest import FakeClock

DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"


def _recipe(openssl_bin: str, tmp_path: Path, public_der: bytes, material: Path, md: str) -> bytes:
    """KMS Developer Guide, "Encrypt key material with OpenSSL", RSA_AES_KEY_WRAP_SHA_*: a
    random AES-256 key wraps the material with AES-KWP, and RSA-OAEP wraps the AES key."""
    (tmp_path / "PublicKey.bin").write_bytes(public_der)
    aes = tmp_path / "aes-key.bin"
    openssl(openssl_bin, "rand", "-out", aes, "32")
    wrapped_material = openssl(
        openssl_bin,
        "enc",
        "-id-aes256-wrap-pad",
        "-K",
        aes.read_bytes().hex(),
        "-iv",
        "A65959A6",
        "-in",
        material,
    )
    wrapped_key = openssl(
        openssl_bin,
        "pkeyutl",
        "-encrypt",
        "-in",
        aes,
        "-inkey",
        tmp_path / "PublicKey.bin",
        "-keyform",
        "DER",
        "-pubin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        f"rsa_oaep_md:{md}",
        "-pkeyopt",
        f"rsa_mgf1_md:{md}",
    )
    return wrapped_key + wrapped_material


@pytest.mark.interop
@pytest.mark.parametrize("md", ["sha1", "sha256"])
def test_aws_openssl_recipe_imports_symmetric_material(
    ks: Keystore, tmp_path: Path, openssl_bin: str, clock: FakeClock, md: str
) -> None:
    key = ks.create_key(origin="EXTERNAL")
    params = ks.get_parameters_for_import(
        key.key_id,
        wrapping_algorithm=f"RSA_AES_KEY_WRAP_SHA_{md[3:]}",
        wrapping_key_spec="RSA_3072",
    )
    response = params.to_response()
    assert response["KeyId"] == key.arn
    valid_to = datetime.fromisoformat(response["ParametersValidTo"])
    to_the_ms = clock.now.replace(microsecond=clock.now.microsecond // 1000 * 1000)
    assert valid_to == to_the_ms + timedelta(hours=24)
    material = tmp_path / "PlaintextKeyMaterial.bin"
    openssl(openssl_bin, "rand", "-out", material, "32")
    wrapped = _recipe(openssl_bin, tmp_path, base64.b64decode(response["PublicKey"]), material, md)
    result = ks.import_key_material(
        key.key_id,
        import_token=base64.b64decode(response["ImportToken"]),
        encrypted_key_material=wrapped,
        expiration_model=DOES_NOT_EXPIRE,
    )
    meta = ks.describe_key(key.key_id).to_response()["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and meta["ExpirationModel"] == DOES_NOT_EXPIRE
    assert "ValidTo" not in meta
    assert result.to_response() == {"KeyId": key.arn, "KeyMaterialId": meta["CurrentKeyMaterialId"]}
    encrypted = ks.encrypt(key.key_id, b"under imported material", encryption_context={"a": "b"})
    assert (
        bytes(ks.decrypt(encrypted.ciphertext_blob, encryption_context={"a": "b"}).plaintext)
        == b"under imported material"
    )
    # the blob really is under the material openssl made
    assert open_blob_by_hand(material.read_bytes(), encrypted.ciphertext_blob, {"a": "b"}) == (
        b"under imported material"
    )


@pytest.mark.interop
def test_openssl_direct_oaep_imports_hmac_material(
    ks: Keystore, tmp_path: Path, openssl_bin: str
) -> None:
    key = ks.create_key(key_spec="HMAC_384", key_usage="GENERATE_VERIFY_MAC", origin="EXTERNAL")
    params = ks.get_parameters_for_import(
        key.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
    )
    (tmp_path / "pub.der").write_bytes(params.public_key)
    material = tmp_path / "material.bin"
    openssl(openssl_bin, "rand", "-out", material, "48")
    wrapped = openssl(
        openssl_bin,
        "pkeyutl",
        "-encrypt",
        "-in",
        material,
        "-inkey",
        tmp_path / "pub.der",
        "-keyform",
        "DER",
        "-pubin",
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
    )
    result = ks.import_key_material(
        key.key_id,
        import_token=params.import_token,
        encrypted_key_material=wrapped,
        expiration_model=DOES_NOT_EXPIRE,
    )
    assert "KeyMaterialId" not in result.to_response()  # symmetric encryption keys only
    mac = ks.generate_mac(key.key_id, b"message", mac_algorithm="HMAC_SHA_384").mac
    assert mac == hmac.new(material.read_bytes(), b"message", hashlib.sha384).digest()


@pytest.mark.interop
@pytest.mark.parametrize(
    ("spec", "usage"), [("ECC_NIST_P256", "SIGN_VERIFY"), ("RSA_2048", "ENCRYPT_DECRYPT")]
)
def test_openssl_recipe_imports_asymmetric_material(
    ks: Keystore, tmp_path: Path, openssl_bin: str, spec: str, usage: str
) -> None:
    algorithm = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    if spec == "RSA_2048":
        algorithm = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    openssl(openssl_bin, "genpkey", *algorithm, "-out", tmp_path / "k.pem")
    openssl(
        openssl_bin,
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        tmp_path / "k.pem",
        "-outform",
        "DER",
        "-out",
        tmp_path / "k.der",
    )
    their_public = openssl(
        openssl_bin, "pkey", "-in", tmp_path / "k.pem", "-pubout", "-outform", "DER"
    )
    key = ks.create_key(key_spec=spec, key_usage=usage, origin="EXTERNAL")
    params = ks.get_parameters_for_import(
        key.key_id, wrapping_algorithm="RSA_AES_KEY_WRAP_SHA_256", wrapping_key_spec="RSA_2048"
    )
    wrapped = _recipe(openssl_bin, tmp_path, params.public_key, tmp_path / "k.der", "sha256")
    ks.import_key_material(
        key.key_id,
        import_token=params.import_token,
        encrypted_key_material=wrapped,
        expiration_model=DOES_NOT_EXPIRE,
    )
    assert ks.get_public_key(key.key_id).public_key == their_public
    (tmp_path / "pub.der").write_bytes(their_public)
    if usage == "SIGN_VERIFY":
        (tmp_path / "msg").write_bytes(b"signed with imported material")
        signature = ks.sign(
            key.key_id, b"signed with imported material", signing_algorithm="ECDSA_SHA_256"
        ).signature
        (tmp_path / "sig").write_bytes(signature)
        out = openssl(
            openssl_bin,
            "dgst",
            "-sha256",
            "-prverify",
            tmp_path / "k.pem",
            "-signature",
            tmp_path / "sig",
            tmp_path / "msg",
        )
        assert b"Verified OK" in out
    else:
        ciphertext = openssl(
            openssl_bin,
            "pkeyutl",
            "-encrypt",
            "-inkey",
            tmp_path / "pub.der",
            "-keyform",
            "DER",
            "-pubin",
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            stdin=b"to the imported RSA key",
        )
        decrypted = ks.decrypt(
            ciphertext, key_id=key.key_id, encryption_algorithm="RSAES_OAEP_SHA_256"
        )
        assert bytes(decrypted.plaintext) == b"to the imported RSA key"


@pytest.mark.interop
def test_sm2pke_wrapping_with_openssl_imports_sm4_material(
    ks: Keystore, tmp_path: Path, openssl_bin: str
) -> None:
    key = ks.create_key(key_spec="SM4", origin="EXTERNAL")
    params = ks.get_parameters_for_import(
        key.key_id, wrapping_algorithm="SM2PKE", wrapping_key_spec="SM2"
    )
    (tmp_path / "pub.der").write_bytes(params.public_key)
    material = bytes(range(16))
    wrapped = openssl(
        openssl_bin,
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-inkey",
        tmp_path / "pub.der",
        "-keyform",
        "DER",
        stdin=material,
    )
    ks.import_key_material(
        key.key_id,
        import_token=params.import_token,
        encrypted_key_material=wrapped,
        expiration_model=DOES_NOT_EXPIRE,
    )
    blob = ks.encrypt(key.key_id, b"sm4 under imported material").ciphertext_blob
    assert bytes(ks.decrypt(blob).plaintext) == b"sm4 under imported material"


def test_parameter_and_token_errors(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key(origin="EXTERNAL")
    other = ks.create_key(origin="EXTERNAL")
    for algorithm, spec in (
        ("SM2PKE", "RSA_2048"),
        ("RSAES_OAEP_SHA_256", "SM2"),
        ("RSAES_PKCS1_V1_5", "RSA_2048"),
        ("RSAES_OAEP_SHA_256", "RSA_1024"),
    ):
        with pytest.raises(ValidationException):
            ks.get_parameters_for_import(
                key.key_id, wrapping_algorithm=algorithm, wrapping_key_spec=spec
            )
    native = ks.create_key()
    for call in (
        lambda: ks.get_parameters_for_import(
            native.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
        ),
        lambda: ks.import_key_material(
            native.key_id,
            import_token=b"t",
            encrypted_key_material=b"m",
            expiration_model=DOES_NOT_EXPIRE,
        ),
        lambda: ks.delete_imported_key_material(native.key_id),
    ):
        with pytest.raises(UnsupportedOperationException):
            call()
    params = ks.get_parameters_for_import(
        key.key_id, wrapping_algorithm="RSAES_OAEP_SHA_1", wrapping_key_spec="RSA_2048"
    )
    from kmskit.offline import load_public_key
    from kmskit.offline.key_import import wrap_key_material

    wrapped = wrap_key_material(load_public_key(params.public_key), bytes(32), "RSAES_OAEP_SHA_1")

    def attempt(target: str, token: bytes, material: bytes = wrapped) -> None:
        ks.import_key_material(
            target,
            import_token=token,
            encrypted_key_material=material,
            expiration_model=DOES_NOT_EXPIRE,
        )

    with pytest.raises(InvalidImportTokenException):
        attempt(other.key_id, params.import_token)  # made for another key
    for tampered_at in (0, 5, len(params.import_token) - 1):
        token = bytearray(params.import_token)
        token[tampered_at] ^= 1
        with pytest.raises(InvalidImportTokenException):
            attempt(key.key_id, bytes(token))
    with pytest.raises(InvalidImportTokenException):
        attempt(key.key_id, b"\x01" + bytes(200))
    bad = bytearray(wrapped)
    bad[10] ^= 1
    with pytest.raises(InvalidCiphertextException):
        attempt(key.key_id, params.import_token, bytes(bad))
    with pytest.raises(ValidationException):
        attempt(key.key_id, params.import_token, b"")
    assert ks.describe_key(key.key_id).key_state == "PendingImport"
    clock.advance(hours=24)
    with pytest.raises(ExpiredImportTokenException):
        attempt(key.key_id, params.import_token)
    ks.schedule_key_deletion(other.key_id)
    with pytest.raises(KMSInvalidStateException):
        ks.get_parameters_for_import(
            other.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
        )


def test_material_must_fit_the_key_spec(ks: Keystore) -> None:
    cases = [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", bytes(31)),
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", bytes(33)),
        ("SM4", "ENCRYPT_DECRYPT", bytes(32)),
        ("HMAC_256", "GENERATE_VERIFY_MAC", bytes(31)),
        ("HMAC_256", "GENERATE_VERIFY_MAC", bytes(65)),
        ("HMAC_512", "GENERATE_VERIFY_MAC", bytes(63)),
        ("ECC_NIST_P256", "SIGN_VERIFY", bytes(100)),
        ("ECC_NIST_P256", "SIGN_VERIFY", generate_private_key(KeySpec.SM2).pkcs8_der()),
    ]
    for spec, usage, material in cases:
        key = ks.create_key(key_spec=spec, key_usage=usage, origin="EXTERNAL")
        with pytest.raises(IncorrectKeyMaterialException):
            import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
        assert ks.describe_key(key.key_id).key_state == "PendingImport"
    # the HMAC length ranges are inclusive at both ends
    for length in (28, 64):
        key = ks.create_key(key_spec="HMAC_224", key_usage="GENERATE_VERIFY_MAC", origin="EXTERNAL")
        import_raw_material(ks, key.key_id, bytes(length), expiration_model=DOES_NOT_EXPIRE)
    # RSA private keys only through RSA_AES_KEY_WRAP_* (no direct wrap can carry them anyway)
    rsa = bytearray(generate_private_key(KeySpec.RSA_2048).pkcs8_der())
    with pytest.raises(ValidationException):
        _checked_material(KeySpec.RSA_2048, rsa, WrappingAlgorithm.RSAES_OAEP_SHA_256)
    assert _checked_material(KeySpec.RSA_2048, rsa, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1)


def test_valid_to_rules(ks: Keystore, clock: FakeClock) -> None:
    key = ks.create_key(origin="EXTERNAL")
    naive = datetime(2027, 1, 1)
    for model, valid_to in (
        ("KEY_MATERIAL_EXPIRES", None),
        ("KEY_MATERIAL_EXPIRES", clock.now - timedelta(seconds=1)),
        ("KEY_MATERIAL_EXPIRES", clock.now + timedelta(days=365, seconds=1)),
        ("KEY_MATERIAL_EXPIRES", naive),
        (DOES_NOT_EXPIRE, clock.now + timedelta(days=1)),
        ("SOMETIMES", None),
    ):
        with pytest.raises(ValidationException):
            import_raw_material(
                ks, key.key_id, bytes(32), expiration_model=model, valid_to=valid_to
            )
    import_raw_material(ks, key.key_id, bytes(32), valid_to=clock.now + timedelta(days=365))
    meta = ks.describe_key(key.key_id).to_response()["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert datetime.fromisoformat(meta["ValidTo"]) == (clock.now + timedelta(days=365)).replace(
        microsecond=clock.now.microsecond // 1000 * 1000
    )


def test_material_expires_on_time_and_the_same_material_comes_back(
    ks: Keystore, clock: FakeClock
) -> None:
    key = ks.create_key(origin="EXTERNAL")
    material = bytes(range(32))
    import_raw_material(
        ks,
        key.key_id,
        material,
        expiration_model="KEY_MATERIAL_EXPIRES",
        valid_to=clock.now + timedelta(days=2),
    )
    blob = ks.encrypt(key.key_id, b"before expiry").ciphertext_blob
    clock.advance(days=2, seconds=-1)
    assert ks.describe_key(key.key_id).key_state == "Enabled"
    clock.advance(seconds=1)
    meta = ks.describe_key(key.key_id).to_response()["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport"
    assert "ValidTo" not in meta and "ExpirationModel" not in meta
    with pytest.raises(KMSInvalidStateException):
        ks.decrypt(blob)
    expired = [r for r in ks.audit.records() if r.operation == "DeleteExpiredKeyMaterial"]
    assert len(expired) == 1 and expired[0].key_arn == key.arn
    with pytest.raises(IncorrectKeyMaterialException):
        import_raw_material(ks, key.key_id, bytes(32), expiration_model=DOES_NOT_EXPIRE)
    import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
    assert bytes(ks.decrypt(blob).plaintext) == b"before expiry"
    assert ks.audit.verify().ok


def test_expiry_is_applied_when_the_home_is_opened(home: Path, clock: FakeClock) -> None:
    with open_keystore(home, clock=clock) as ks:
        key = ks.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC", origin="EXTERNAL")
        import_raw_material(ks, key.key_id, bytes(40), valid_to=clock.now + timedelta(hours=1))
        ks.get_parameters_for_import(
            key.key_id, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048"
        )
    clock.advance(days=1)
    with open_keystore(home, clock=clock) as ks:
        last = list(ks.audit.records())[-1]
        assert last.operation == "DeleteExpiredKeyMaterial"
        assert ks.describe_key(key.key_id).key_state == "PendingImport"
    # the sealed wrapping keys went with their tokens' expiry
    conn = sqlite3.connect(home / "keystore.db")
    try:
        assert conn.execute("SELECT count(*) FROM import_parameters").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM materials").fetchone()[0] == 0
    finally:
        conn.close()


def test_delete_and_reimport(ks: Keystore) -> None:
    key = ks.create_key(origin="EXTERNAL")
    material = b"k" * 32
    import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
    blob = ks.encrypt(key.key_id, b"kept").ciphertext_blob
    material_id = ks.describe_key(key.key_id).current_key_material_id
    deleted = ks.delete_imported_key_material(key.key_id)
    assert deleted.to_response() == {"KeyId": key.arn, "KeyMaterialId": material_id}
    assert ks.describe_key(key.key_id).key_state == "PendingImport"
    with pytest.raises(KMSInvalidStateException):
        ks.decrypt(blob)
    assert ks.delete_imported_key_material(key.key_id).to_response() == {"KeyId": key.arn}
    with pytest.raises(IncorrectKeyMaterialException):
        import_raw_material(ks, key.key_id, b"j" * 32, expiration_model=DOES_NOT_EXPIRE)
    import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
    assert bytes(ks.decrypt(blob).plaintext) == b"kept"
    # re-importing into a Disabled key keeps it Disabled
    ks.disable_key(key.key_id)
    import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
    assert ks.describe_key(key.key_id).key_state == "Disabled"
    # a key pending deletion stays so; cancelling finds it without material
    ks.schedule_key_deletion(key.key_id)
    ks.delete_imported_key_material(key.key_id)
    assert ks.describe_key(key.key_id).key_state == "PendingDeletion"
    ks.cancel_key_deletion(key.key_id)
    assert ks.describe_key(key.key_id).key_state == "PendingImport"


def test_import_is_audited_without_token_or_material(ks: Keystore) -> None:
    key = ks.create_key(origin="EXTERNAL")
    material = bytes(range(100, 132))
    import_raw_material(ks, key.key_id, material, expiration_model=DOES_NOT_EXPIRE)
    records = list(ks.audit.records())
    assert [r.operation for r in records[-2:]] == ["GetParametersForImport", "ImportKeyMaterial"]
    assert records[-1].parameters == {
        "KeyId": key.key_id,
        "ExpirationModel": DOES_NOT_EXPIRE,
        "ValidTo": None,
    }
    text = "\n".join(json.dumps(r.to_dict()) for r in records)
    for secret in (material.hex(), base64.b64encode(material).decode()):
        assert secret not in text
