"""``kmskit kms`` in-process: every operation, its output shapes, and its errors.

Each test gets its own home (``--home``). Commands run through ``cli.main.main``, so exit
codes and the one-line errors are exactly what a user sees. The flows across separate
processes are in test_kms_processes.py.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from kmskit.cli.kms import OPERATIONS
from tests.cli._kms import Kms, b64
from tests.cli._runner import assert_one_line_error, kmskit, ok

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ARN = re.compile(r"^arn:aws:kms:us-east-1:111122223333:key/[0-9a-f-]{36}$")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def kms(home: Path) -> Kms:
    return Kms(home)


# -- keys and metadata -------------------------------------------------------------------


def test_create_and_describe_key(kms: Kms) -> None:
    created = kms.json("create-key", "--description", "app key")
    meta = created["KeyMetadata"]
    assert UUID.match(meta["KeyId"]) and ARN.match(meta["Arn"])
    assert meta["Arn"].endswith(meta["KeyId"])
    assert {k: meta[k] for k in ("Enabled", "KeyState", "KeySpec", "KeyUsage", "Description")} == {
        "Enabled": True,
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Description": "app key",
    }
    assert kms.json("describe-key", "--key-id", meta["Arn"]) == created
    listed = kms.json("list-keys")
    assert listed == {"Keys": [{"KeyId": meta["KeyId"], "KeyArn": meta["Arn"]}]}


def test_json_output_is_aws_cli_json(kms: Kms) -> None:
    """Indented by 4, a trailing newline; operations without a response print nothing."""
    result = ok(kms("create-key"))
    assert result.out.startswith('{\n    "KeyMetadata": {\n        "AWSAccountId"')
    assert result.out.endswith("}\n")
    key_id = result.json()["KeyMetadata"]["KeyId"]
    assert ok(kms("create-alias", "--alias-name", "alias/a", "--target-key-id", key_id)).out == ""


def test_query_and_text_output(kms: Kms) -> None:
    key_id = kms.key("--description", "x")
    text = ok(
        kms("describe-key", "--key-id", key_id, "--query", "KeyMetadata.KeyId", "--output", "text")
    )
    assert text.out == key_id + "\n"
    as_json = ok(kms("describe-key", "--key-id", key_id, "--query", "KeyMetadata.[KeyId,Enabled]"))
    assert as_json.json() == [key_id, True]
    missing = ok(kms("describe-key", "--key-id", key_id, "--query", "Nope", "--output", "text"))
    assert missing.out == "None\n"
    keys = ok(kms("list-keys", "--output", "text"))
    assert keys.out.startswith("KEYS\tarn:aws:kms:") and keys.out.endswith(f"\t{key_id}\n")


def test_sm4_and_alibaba_spec_names(kms: Kms) -> None:
    sm4 = kms.json("create-key", "--key-spec", "Aliyun_SM4")["KeyMetadata"]
    assert sm4["KeySpec"] == "SM4"
    data_key = kms.json("generate-data-key", "--key-id", sm4["KeyId"])  # 16 bytes by default
    assert len(base64.b64decode(data_key["Plaintext"])) == 16


def test_aes_128_keys_and_generate_and_export_data_key(kms: Kms) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    aes = kms.json("create-key", "--key-spec", "Aliyun_AES_128")["KeyMetadata"]
    assert aes["KeySpec"] == "AES_128"
    assert kms.json("create-key", "--key-spec", "AES_128")["KeyMetadata"]["KeySpec"] == "AES_128"
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    made = kms.json(
        "generate-and-export-data-key", "--key-id", aes["KeyId"],
        "--public-key-blob", base64.b64encode(der).decode(), "--wrapping-key-spec", "RSA_2048",
        "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--number-of-bytes", "20",
    )  # fmt: skip
    assert "Plaintext" not in made
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    text = private.decrypt(base64.b64decode(made["ExportedDataKey"]), oaep)
    opened = kms.json("decrypt", "--ciphertext-blob", made["CiphertextBlob"])
    assert base64.b64decode(opened["Plaintext"]) == text
    assert len(base64.b64decode(text)) == 20


# -- aliases ------------------------------------------------------------------------------


def test_alias_lifecycle(kms: Kms) -> None:
    first, second = kms.key(), kms.key()
    ok(kms("create-alias", "--alias-name", "alias/app", "--target-key-id", first))
    aliases = kms.json("list-aliases")["Aliases"]
    assert [(a["AliasName"], a["TargetKeyId"]) for a in aliases] == [("alias/app", first)]
    assert aliases[0]["AliasArn"] == "arn:aws:kms:us-east-1:111122223333:alias/app"
    assert kms.json("describe-key", "--key-id", "alias/app")["KeyMetadata"]["KeyId"] == first

    again = kms("create-alias", "--alias-name", "alias/app", "--target-key-id", second)
    assert_one_line_error(again, 254, "AlreadyExistsException")

    ok(kms("update-alias", "--alias-name", "alias/app", "--target-key-id", second))
    assert kms.json("list-aliases", "--key-id", second)["Aliases"][0]["AliasName"] == "alias/app"
    assert kms.json("list-aliases", "--key-id", first) == {"Aliases": []}

    ok(kms("delete-alias", "--alias-name", "alias/app"))
    assert_one_line_error(kms("describe-key", "--key-id", "alias/app"), 254, "NotFoundException")
    reserved = kms("create-alias", "--alias-name", "alias/aws/x", "--target-key-id", first)
    assert_one_line_error(reserved, 254, "InvalidAliasNameException")


def test_region_flag_and_environment_name_the_arn_region(kms: Kms, home: Path) -> None:
    # As aws kms: --region, else AWS_REGION, chooses the region in every ARN answered.
    created = kms.json("create-key", "--region", "eu-west-1")["KeyMetadata"]
    assert created["Arn"].startswith("arn:aws:kms:eu-west-1:111122223333:key/")
    described = kms.json("describe-key", "--key-id", created["Arn"], "--region", "eu-west-1")
    assert described["KeyMetadata"]["KeyId"] == created["KeyId"]
    # The same key seen from the home's region: an eu-west-1 ARN names no key there.
    assert kms.json("describe-key", "--key-id", created["KeyId"])["KeyMetadata"]["Arn"] == (
        f"arn:aws:kms:us-east-1:111122223333:key/{created['KeyId']}"
    )
    other = kms("describe-key", "--key-id", created["Arn"])
    assert_one_line_error(other, 254, "NotFoundException")
    from_env = kmskit(
        "kms", "list-keys", "--home", home, "--output", "json", env={"AWS_REGION": "ap-south-1"}
    )
    assert ok(from_env).json()["Keys"][0]["KeyArn"].startswith("arn:aws:kms:ap-south-1:")


# -- tags ---------------------------------------------------------------------------------


def test_tags(kms: Kms) -> None:
    key_id = kms.key("--tags", "TagKey=env,TagValue=prod", "TagKey=team,TagValue=blue")
    ok(kms("tag-resource", "--key-id", key_id, "--tags", '[{"TagKey": "cost", "TagValue": "42"}]'))
    tags = kms.json("list-resource-tags", "--key-id", key_id)["Tags"]
    assert sorted((t["TagKey"], t["TagValue"]) for t in tags) == [
        ("cost", "42"),
        ("env", "prod"),
        ("team", "blue"),
    ]
    ok(kms("untag-resource", "--key-id", key_id, "--tag-keys", "env", "team"))
    assert kms.json("list-resource-tags", "--key-id", key_id)["Tags"] == [
        {"TagKey": "cost", "TagValue": "42"}
    ]
    reserved = kms("tag-resource", "--key-id", key_id, "--tags", "TagKey=aws:x,TagValue=y")
    assert_one_line_error(reserved, 254, "TagException")
    twice = kms(
        "tag-resource", "--key-id", key_id, "--tags", "TagKey=a,TagValue=1", "TagKey=a,TagValue=2"
    )
    assert_one_line_error(twice, 254, "TagException")


# -- cryptographic operations ---------------------------------------------------------------


def test_encrypt_decrypt_with_files_and_contexts(kms: Kms, work: Path) -> None:
    key_id = kms.key()
    secret = bytes(range(256)) * 4
    (work / "plain.bin").write_bytes(secret)
    encrypted = kms.json(
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        "fileb://plain.bin",
        "--encryption-context",
        "purpose=test,dept=it",
    )
    assert set(encrypted) == {"CiphertextBlob", "KeyId", "EncryptionAlgorithm"}
    assert ARN.match(encrypted["KeyId"]) and encrypted["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    (work / "blob.bin").write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))

    decrypted = kms.json(
        "decrypt",
        "--ciphertext-blob",
        "fileb://blob.bin",
        "--encryption-context",
        '{"dept": "it", "purpose": "test"}',  # order does not matter
    )
    assert base64.b64decode(decrypted["Plaintext"]) == secret
    assert decrypted["KeyId"] == encrypted["KeyId"]
    # The bare-string form is base64, as in AWS CLI v2.
    again = kms.json(
        "decrypt",
        "--ciphertext-blob",
        encrypted["CiphertextBlob"],
        "--encryption-context",
        "purpose=test,dept=it",
        "--key-id",
        key_id,
    )
    assert again["Plaintext"] == decrypted["Plaintext"]

    for context in (
        [],
        ["--encryption-context", "purpose=test"],
        ["--encryption-context", "purpose=Test,dept=it"],
    ):
        wrong = kms("decrypt", "--ciphertext-blob", "fileb://blob.bin", *context)
        assert_one_line_error(wrong, 254, "InvalidCiphertextException")
    other = kms.key()
    wrong_key = kms(
        "decrypt",
        "--ciphertext-blob",
        "fileb://blob.bin",
        "--key-id",
        other,
        "--encryption-context",
        "purpose=test,dept=it",
    )
    assert_one_line_error(wrong_key, 254, "IncorrectKeyException")


def test_plaintext_limits(kms: Kms, work: Path) -> None:
    key_id = kms.key()
    (work / "big").write_bytes(b"x" * 4097)
    assert_one_line_error(
        kms("encrypt", "--key-id", key_id, "--plaintext", "fileb://big"), 254, "ValidationException"
    )
    assert_one_line_error(
        kms("encrypt", "--key-id", key_id, "--plaintext", ""), 254, "ValidationException"
    )
    bad = kms("encrypt", "--key-id", key_id, "--plaintext", "hello world")
    assert_one_line_error(bad, 252, "UsageError")
    assert "Invalid base64" in bad.stderr and "fileb://" in bad.stderr


def test_raw_in_base64_out(kms: Kms) -> None:
    key_id = kms.key()
    blob = kms.json(
        "encrypt",
        "--key-id",
        key_id,
        "--plaintext",
        "hello",
        "--cli-binary-format",
        "raw-in-base64-out",
    )
    plain = ok(
        kms(
            "decrypt",
            "--ciphertext-blob",
            blob["CiphertextBlob"],
            "--query",
            "Plaintext",
            "--output",
            "text",
        )
    )
    assert base64.b64decode(plain.out) == b"hello"


def test_data_keys(kms: Kms, work: Path) -> None:
    key_id = kms.key()
    ok(kms("create-alias", "--alias-name", "alias/dk", "--target-key-id", key_id))
    full = kms.json(
        "generate-data-key",
        "--key-id",
        "alias/dk",
        "--key-spec",
        "AES_256",
        "--encryption-context",
        "app=x",
    )
    assert set(full) == {"CiphertextBlob", "Plaintext", "KeyId", "KeyMaterialId"}
    assert len(base64.b64decode(full["Plaintext"])) == 32
    opened = kms.json(
        "decrypt", "--ciphertext-blob", full["CiphertextBlob"], "--encryption-context", "app=x"
    )
    assert opened["Plaintext"] == full["Plaintext"]

    bare = kms.json(
        "generate-data-key-without-plaintext", "--key-id", key_id, "--number-of-bytes", "64"
    )
    assert set(bare) == {"CiphertextBlob", "KeyId", "KeyMaterialId"}
    assert (
        len(
            base64.b64decode(
                kms.json("decrypt", "--ciphertext-blob", bare["CiphertextBlob"])["Plaintext"]
            )
        )
        == 64
    )
    short = kms.json("generate-data-key", "--key-id", key_id, "--key-spec", "AES_128")
    assert len(base64.b64decode(short["Plaintext"])) == 16

    neither = kms("generate-data-key", "--key-id", key_id)
    assert_one_line_error(neither, 254, "ValidationException")
    both = kms(
        "generate-data-key", "--key-id", key_id, "--key-spec", "AES_256", "--number-of-bytes", "32"
    )
    assert_one_line_error(both, 254, "ValidationException")


def test_generate_random(kms: Kms) -> None:
    out = kms.json("generate-random", "--number-of-bytes", "48")
    assert set(out) == {"Plaintext"} and len(base64.b64decode(out["Plaintext"])) == 48
    for n in ("0", "1025"):
        assert_one_line_error(
            kms("generate-random", "--number-of-bytes", n), 254, "ValidationException"
        )


def test_re_encrypt(kms: Kms) -> None:
    source, destination = kms.key(), kms.key()
    blob = kms.json(
        "encrypt", "--key-id", source, "--plaintext", b64(b"move me"), "--encryption-context", "a=1"
    )
    moved = kms.json(
        "re-encrypt",
        "--ciphertext-blob",
        blob["CiphertextBlob"],
        "--source-encryption-context",
        "a=1",
        "--destination-key-id",
        destination,
        "--destination-encryption-context",
        "b=2",
    )
    assert moved["SourceKeyId"].endswith(source) and moved["KeyId"].endswith(destination)
    plain = kms.json(
        "decrypt", "--ciphertext-blob", moved["CiphertextBlob"], "--encryption-context", "b=2"
    )
    assert base64.b64decode(plain["Plaintext"]) == b"move me"
    lost = kms(
        "re-encrypt",
        "--ciphertext-blob",
        blob["CiphertextBlob"],
        "--destination-key-id",
        destination,
    )
    assert_one_line_error(lost, 254, "InvalidCiphertextException")


# -- key states ---------------------------------------------------------------------------


def test_states_and_deletion(kms: Kms) -> None:
    key_id = kms.key()
    plaintext = ["--plaintext", b64(b"x")]
    ok(kms("disable-key", "--key-id", key_id))
    assert kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    assert_one_line_error(kms("encrypt", "--key-id", key_id, *plaintext), 254, "DisabledException")
    ok(kms("enable-key", "--key-id", key_id))

    scheduled = kms.json(
        "schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7"
    )
    assert set(scheduled) == {"KeyId", "DeletionDate", "KeyState", "PendingWindowInDays"}
    assert (scheduled["KeyState"], scheduled["PendingWindowInDays"]) == ("PendingDeletion", 7)
    assert_one_line_error(
        kms("encrypt", "--key-id", key_id, *plaintext), 254, "KMSInvalidStateException"
    )
    short = kms("schedule-key-deletion", "--key-id", kms.key(), "--pending-window-in-days", "6")
    assert_one_line_error(short, 254, "ValidationException")

    cancelled = kms.json("cancel-key-deletion", "--key-id", key_id)
    assert cancelled == {"KeyId": scheduled["KeyId"]}
    assert_one_line_error(kms("encrypt", "--key-id", key_id, *plaintext), 254, "DisabledException")
    ok(kms("enable-key", "--key-id", key_id))
    ok(kms("encrypt", "--key-id", key_id, *plaintext))


def test_deletion_protection(kms: Kms) -> None:
    key_id = kms.key()
    ok(kms("set-deletion-protection", "--key-id", key_id, "--enable"))
    meta = kms.json("describe-key", "--key-id", key_id)["KeyMetadata"]
    assert meta["DeletionProtection"] == "Enabled"
    refused = kms("schedule-key-deletion", "--key-id", key_id)
    assert refused.code != 0 and len(refused.stderr.splitlines()) == 1
    ok(kms("set-deletion-protection", "--key-id", key_id, "--disable"))
    ok(kms("schedule-key-deletion", "--key-id", key_id))
    missing = kms("set-deletion-protection", "--key-id", key_id)
    assert_one_line_error(missing, 252, "UsageError")
    assert "--enable" in missing.stderr


# -- paging ---------------------------------------------------------------------------------


def test_list_keys_paging(kms: Kms) -> None:
    keys = sorted(kms.key() for _ in range(5))
    listed = kms.json("list-keys", "--page-size", "2")
    assert sorted(k["KeyId"] for k in listed["Keys"]) == keys and set(listed) == {"Keys"}

    first = kms.json("list-keys", "--max-items", "3", "--page-size", "2")
    assert len(first["Keys"]) == 3 and "NextToken" in first
    rest = kms.json("list-keys", "--starting-token", first["NextToken"])
    assert sorted(k["KeyId"] for k in first["Keys"] + rest["Keys"]) == keys
    assert "NextToken" not in rest

    page = kms.json("list-keys", "--limit", "2")
    assert len(page["Keys"]) == 2 and page["Truncated"] is True
    after = kms.json("list-keys", "--limit", "10", "--marker", page["NextMarker"])
    assert after["Truncated"] is False and len(after["Keys"]) == 3

    text = ok(kms("list-keys", "--page-size", "2", "--query", "Keys[].KeyId", "--output", "text"))
    assert [line.count("\t") for line in text.out.splitlines()] == [1, 1, 0]  # one line a page
    bad = kms("list-keys", "--marker", "not-a-marker")
    assert bad.code == 254 and len(bad.stderr.splitlines()) == 1


# -- refusals and usage errors ----------------------------------------------------------------


def test_unsupported_parameters_are_refused_not_dropped(kms: Kms, work: Path) -> None:
    refused = kms("create-key", "--custom-key-store-id", "cks-1234567890abcdef0")
    assert "--custom-key-store-id" in assert_one_line_error(
        refused, 254, "UnsupportedOperationException"
    )
    assert_one_line_error(kms("create-key", "--multi-region"), 254, "UnsupportedOperationException")
    # Harmless values are accepted; grant tokens are checked (they must name live grants).
    key_id = kms.key("--no-multi-region", "--bypass-policy-lockout-safety-check")
    bad_token = kms("describe-key", "--key-id", key_id, "--grant-tokens", "t1", "t2")
    assert_one_line_error(bad_token, 254, "InvalidGrantTokenException")


def test_a_refused_request_changes_nothing(kms: Kms) -> None:
    """Usage errors happen before the keystore is even opened."""
    result = kms("create-key", "--description", "x", "--bogus")
    assert_one_line_error(result, 252, "UsageError")
    assert not kms.home.exists()
    result = kms("create-key", "--query", "[")
    assert_one_line_error(result, 252, "UsageError")
    assert not kms.home.exists()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_help_explains_every_flag(operation: Any) -> None:
    result = ok(kmskit("kms", operation.name, "--help"))
    assert result.out.startswith(f"Usage: kmskit kms {operation.name} ")
    for param in operation.params:
        assert param.cli_flag in result.out
    assert "--output" in result.out
    # --query selects from JSON; an operation that only prints PEM does not offer it
    assert ("--query" in result.out) == ("json" in operation.outputs)


def test_group_home_option_and_env(home: Path, tmp_path: Path) -> None:
    env = {"KMSKIT_PASSPHRASE": None, "KMSKIT_HOME": str(home)}
    key_id = ok(kmskit("kms", "create-key", env=env)).json()["KeyMetadata"]["KeyId"]
    via_group = ok(
        kmskit("kms", "--home", home, "describe-key", "--key-id", key_id, env={"KMSKIT_HOME": None})
    )
    assert via_group.json()["KeyMetadata"]["KeyId"] == key_id
    elsewhere = kmskit(
        "kms", "describe-key", "--key-id", key_id, "--home", tmp_path / "other", env=env
    )
    assert_one_line_error(elsewhere, 254, "NotFoundException")


def test_passphrase_home_without_a_passphrase(home: Path) -> None:
    env = {"KMSKIT_HOME": str(home), "KMSKIT_PASSPHRASE": "correct horse"}
    ok(kmskit("init", env=env))
    key_id = ok(kmskit("kms", "create-key", env=env)).json()["KeyMetadata"]["KeyId"]
    none = kmskit("kms", "describe-key", "--key-id", key_id, env={**env, "KMSKIT_PASSPHRASE": None})
    message = assert_one_line_error(none, 253, "PassphraseRequiredError")
    assert "KMSKIT_PASSPHRASE" in message and str(home) in message
    wrong = kmskit(
        "kms", "describe-key", "--key-id", key_id, env={**env, "KMSKIT_PASSPHRASE": "nope"}
    )
    assert_one_line_error(wrong, 255, "IncorrectPassphraseError")
    assert json.loads(ok(kmskit("kms", "list-keys", env=env)).out)["Keys"][0]["KeyId"] == key_id
