"""``kmskit encrypt|decrypt|inspect|rewrap``: every SPEC kind, the keystore across
processes, the context check, tampering, rewrap.

Commands run in-process through ``cli.main.main`` (tests/cli/_runner.py), in a fresh
directory per test; the keystore keyring also runs as separate processes of the console
script on one ``KMSKIT_HOME``, as a user would. Files, trees, pipes and SPEC parsing are in
test_envelope_cli_files.py; interop with the AWS Encryption SDK in
tests/interop/test_envelope_cli_esdk.py, AWS KMS in tests/interop/test_envelope_kms_moto.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli._envelope import AES, AES2, DATA, SUITES, failed, write_inputs
from tests.cli._keys import USAGE, KeyPair, listing, mode, write
from tests.cli._runner import assert_one_line_error, kmskit, ok


@pytest.fixture(autouse=True)
def files(work: Path) -> Path:
    write_inputs()
    return work


@pytest.fixture(scope="module")
def sm2_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("sm2")
    key, pub = d / "sm2.key", d / "sm2.pub"
    spec = ["--key-pair-spec", "SM2", "--private-key-out", key, "--public-key-out", pub]
    ok(kmskit("offline", "generate-key-pair", *spec))
    return key, pub


def _home(tmp_path: Path) -> dict[str, str | None]:
    return {"KMSKIT_HOME": str(tmp_path / "home"), "KMSKIT_PASSPHRASE": None}


def _create_key(env: dict[str, str | None], *extra: str) -> str:
    out = ok(kmskit("kms", "create-key", *extra, env=env)).json()
    arn: str = out["KeyMetadata"]["Arn"]
    return arn


# -- round trips, one per SPEC kind ---------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_raw_aes_round_trip_every_suite(suite: str, work: Path) -> None:
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "data.kmskit",
            "--wrapping-key",
            AES,
            "--algorithm",
            suite,
            "-c",
            "purpose=test",
            "--frame-length",
            "4096",
        )
    )
    head = ok(kmskit("inspect", "data.kmskit")).json()
    assert head["Algorithm"] == suite
    assert head["FrameLength"] == 4096
    assert head["EncryptionContext"]["purpose"] == "test"
    assert [(e["ProviderId"], e["KeyName"]) for e in head["EncryptedDataKeys"]] == [
        ("ns", "aes-key")
    ]
    ok(kmskit("decrypt", "data.kmskit", "-o", "data.out", "--wrapping-key", AES))
    assert (work / "data.out").read_bytes() == DATA
    assert mode(work / "data.out") == 0o600  # plaintext


@pytest.mark.parametrize("algorithm", [None, "RSAES_OAEP_SHA_1"])
def test_raw_rsa_round_trip(keys: dict[str, KeyPair], algorithm: str | None, work: Path) -> None:
    rsa = keys["rsa"]
    extra = f",algorithm={algorithm}" if algorithm else ""
    public = f"provider=raw-rsa,namespace=kms,name=rsa-1,public-key={rsa.pub}{extra}"
    private = f"provider=raw-rsa,namespace=kms,name=rsa-1,private-key={rsa.key}{extra}"
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", public))
    ok(kmskit("decrypt", "m", "-o", "out", "--wrapping-key", private))
    assert (work / "out").read_bytes() == DATA
    # The other OAEP hash does not open it: mine by name, but it does not decrypt.
    other = "RSAES_OAEP_SHA_256" if algorithm else "RSAES_OAEP_SHA_1"
    spec = f"provider=raw-rsa,namespace=kms,name=rsa-1,private-key={rsa.key},algorithm={other}"
    result = kmskit("decrypt", "m", "-o", "out2", "--wrapping-key", spec)
    assert_one_line_error(result, 1, "InvalidCiphertextException")


def test_raw_sm2_round_trip(sm2_pair: tuple[Path, Path], work: Path) -> None:
    key, pub = sm2_pair
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--algorithm",
            "SM4_GCM_HKDF_SM3_COMMIT_KEY",
            "--wrapping-key",
            f"provider=raw-sm2,namespace=gm,name=sm2-1,public-key={pub}",
        )
    )
    ok(
        kmskit(
            "decrypt",
            "m",
            "-o",
            "out",
            "--wrapping-key",
            f"provider=raw-sm2,namespace=gm,name=sm2-1,private-key={key}",
        )
    )
    assert (work / "out").read_bytes() == DATA


def test_keystore_round_trip_in_process(tmp_path: Path, work: Path) -> None:
    env = _home(tmp_path)
    arn = _create_key(env, "--description", "files")
    ok(
        kmskit(
            "kms", "create-alias", "--alias-name", "alias/files", "--target-key-id", arn, env=env
        )
    )
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--wrapping-key",
            "key=alias/files",
            "-c",
            "app=test",
            env=env,
        )
    )
    head = ok(kmskit("inspect", "m")).json()
    assert [(e["ProviderId"], e["KeyName"]) for e in head["EncryptedDataKeys"]] == [
        ("kmskit-keystore", arn)
    ]
    for key in (arn, arn.rsplit("/", 1)[1], "alias/files"):
        ok(
            kmskit(
                "decrypt", "m", "-o", "out", "--overwrite", "--wrapping-key", f"key={key}", env=env
            )
        )
        assert (work / "out").read_bytes() == DATA
    # An RSA encryption key of the keystore wraps with the aws-kms-rsa layout (its public
    # key) and unwraps through the keystore's Decrypt; a signing key is refused.
    rsa = _create_key(env, "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
    ok(kmskit("encrypt", "data.bin", "-o", "m2", "--wrapping-key", f"key={rsa}", env=env))
    head = ok(kmskit("inspect", "m2")).json()
    assert [e["ProviderId"] for e in head["EncryptedDataKeys"]] == ["aws-kms-rsa"]
    ok(kmskit("decrypt", "m2", "-o", "out2", "--wrapping-key", f"key={rsa}", env=env))
    assert (work / "out2").read_bytes() == DATA
    signing = _create_key(env, "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
    message = assert_one_line_error(
        kmskit("encrypt", "data.bin", "-o", "m3", "--wrapping-key", f"key={signing}", env=env),
        2,
        "InvalidKeyUsageException",
    )
    assert "raw-rsa" in message or "RSA" in message


def test_keystore_key_arn_of_another_region(tmp_path: Path, work: Path) -> None:
    """kmskit serve names keys in the region its client signs for (docs/server.md), so a
    message made through it names e.g. an eu-west-1 ARN of a us-east-1 home. key=ARN acts in
    the ARN's region, as kmskit kms --region does; ARNs of two regions are refused."""
    env = _home(tmp_path)
    home_arn = _create_key(env, "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
    assert home_arn.startswith("arn:aws:kms:us-east-1:111122223333:key/")
    arn = home_arn.replace(":us-east-1:", ":eu-west-1:")
    symmetric = _create_key(env).replace(":us-east-1:", ":eu-west-1:")
    for key in (arn, symmetric):
        ok(kmskit("encrypt", "data.bin", "-o", "m", "--overwrite", "--wrapping-key", f"key={key}",
                  env=env))  # fmt: skip
        head = ok(kmskit("inspect", "m")).json()
        assert [e["KeyName"] for e in head["EncryptedDataKeys"]] == [key]
        ok(kmskit("decrypt", "m", "-o", "out", "--overwrite", "--wrapping-key", f"key={key}",
                  env=env))  # fmt: skip
        assert (work / "out").read_bytes() == DATA
    # The us-east-1 ARN does not name the eu-west-1 EDK: as with KMS, an EDK names its ARN.
    result = kmskit("decrypt", "m", "-o", "out2", "--wrapping-key", f"key={home_arn}", env=env)
    assert result.code != 0 and not (work / "out2").exists()
    before = set(listing(work))
    two = ["--wrapping-key", f"key={arn}", "--wrapping-key", f"key={home_arn}"]
    message = failed(kmskit("encrypt", "data.bin", "-o", "m3", *two, env=env), 2, "UsageError",
                     work, before)  # fmt: skip
    assert "eu-west-1, us-east-1" in message


def test_several_wrapping_keys_any_one_decrypts(keys: dict[str, KeyPair], work: Path) -> None:
    rsa = f"provider=raw-rsa,namespace=kms,name=rsa-1,public-key={keys['rsa'].pub}"
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--wrapping-key",
            AES,
            "--wrapping-key",
            AES2,
            "--wrapping-key",
            rsa,
        )
    )
    head = ok(kmskit("inspect", "m")).json()
    assert [e["KeyName"] for e in head["EncryptedDataKeys"]] == ["aes-key", "aes-key-2", "rsa-1"]
    ok(kmskit("decrypt", "m", "-o", "a", "--wrapping-key", AES2))
    private = f"provider=raw-rsa,namespace=kms,name=rsa-1,private-key={keys['rsa'].key}"
    ok(kmskit("decrypt", "m", "-o", "b", "--wrapping-key", private))
    assert (work / "a").read_bytes() == (work / "b").read_bytes() == DATA


# -- the keystore keyring across processes ----------------------------------------------------


def _script() -> str:
    script = Path(sys.executable).with_name("kmskit")
    if not script.exists():
        pytest.fail("the kmskit console script is not installed (run `make test`)")
    return str(script)


def test_keystore_keyring_across_processes(tmp_path: Path, work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KMSKIT_PASSPHRASE", "KMSKIT_DEBUG")}
    env["KMSKIT_HOME"] = str(tmp_path / "home")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_script(), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = run("kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text")
    assert created.returncode == 0, created.stderr
    key_id = created.stdout.strip()
    spec = f"key={key_id}"
    enc = run("encrypt", "data.bin", "-o", "data.kmskit", "--wrapping-key", spec, "-c", "a=b")
    assert (enc.returncode, enc.stderr) == (0, "")
    # Rotation keeps old messages readable: the blob names its key material.
    from kmskit.keystore import open_keystore

    with open_keystore(tmp_path / "home", create=False) as ks:
        ks.rotate_key_on_demand(key_id)
    dec = run("decrypt", "data.kmskit", "-o", "data.out", "--wrapping-key", spec, "-c", "a=b")
    assert (dec.returncode, dec.stderr) == (0, "")
    assert (work / "data.out").read_bytes() == DATA
    # Every unwrap is a keystore Decrypt, so the audit log has it, with the context.
    audit = run("audit", "list")
    records = [json.loads(line) for line in audit.stdout.splitlines()]
    decrypts = [r for r in records if r.get("Operation") == "Decrypt"]
    assert decrypts and decrypts[-1].get("EncryptionContext") == {"a": "b"}
    # A disabled key: decrypt fails with the KMS error, and writes nothing.
    assert run("kms", "disable-key", "--key-id", key_id).returncode == 0
    failed = run("decrypt", "data.kmskit", "-o", "again.out", "--wrapping-key", spec)
    assert failed.returncode == 1
    assert failed.stderr.startswith("DisabledException: ") and failed.stderr.count("\n") == 1
    assert not (work / "again.out").exists()
    assert run("kms", "enable-key", "--key-id", key_id).returncode == 0
    assert run("decrypt", "data.kmskit", "-o", "again.out", "--wrapping-key", spec).returncode == 0
    # The keyring acts as KMSKIT_PRINCIPAL: another account's user is not in the default key
    # policy (docs/authorization.md), so the unwrap is refused, audited under that name.
    eve = "arn:aws:iam::444455556666:user/eve"
    env["KMSKIT_PRINCIPAL"] = eve
    refused = run("decrypt", "data.kmskit", "-o", "eve.out", "--wrapping-key", spec)
    del env["KMSKIT_PRINCIPAL"]
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"AccessDeniedException: User: {eve} is not authorized")
    assert not (work / "eve.out").exists()
    records = [json.loads(line) for line in run("audit", "list").stdout.splitlines()]
    assert records[-1]["Principal"] == eve
    assert records[-1]["Outcome"] == "AccessDeniedException"
    # --principal says the same per command, and wins over the variable.
    env["KMSKIT_PRINCIPAL"] = eve
    root = records[-2]["Principal"]
    assert root.endswith(":root")
    again = run("decrypt", "data.kmskit", "-o", "root.out", "--wrapping-key", spec,
                "--principal", root)
    del env["KMSKIT_PRINCIPAL"]
    assert (again.returncode, again.stderr) == (0, "")
    assert (work / "root.out").read_bytes() == DATA
    refused = run("encrypt", "data.bin", "-o", "eve.kmskit", "--wrapping-key", spec,
                  "--principal", eve)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"AccessDeniedException: User: {eve} is not authorized")
    assert not (work / "eve.kmskit").exists()
    records = [json.loads(line) for line in run("audit", "list").stdout.splitlines()]
    assert [r["Principal"] for r in records[-2:]] == [root, eve]


def test_keystore_home_missing_or_sealed(tmp_path: Path, work: Path) -> None:
    env = _home(tmp_path)
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", "key=alias/x", env=env)
    assert "kmskit init" in assert_one_line_error(result, 1, "KeystoreError")
    sealed = {**env, "KMSKIT_PASSPHRASE": "correct horse"}
    ok(kmskit("init", "--passphrase", env=sealed))
    arn = _create_key(sealed)
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", f"key={arn}", env=sealed))
    result = kmskit("decrypt", "m", "-o", "out", "--wrapping-key", f"key={arn}", env=env)
    assert_one_line_error(result, 2, "PassphraseRequiredError")
    assert not (work / "out").exists()


# -- the encryption context -----------------------------------------------------------------


def test_decrypt_context_subset(work: Path) -> None:
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--wrapping-key",
            AES,
            "-c",
            "tenant=a",
            "-c",
            "purpose=backup",
        )
    )
    ok(kmskit("decrypt", "m", "-o", "o1", "--wrapping-key", AES, "-c", "tenant=a"))
    ok(
        kmskit(
            "decrypt",
            "m",
            "-o",
            "o2",
            "--wrapping-key",
            AES,
            "-c",
            "purpose=backup",
            "-c",
            "tenant=a",
        )
    )
    before = set(listing(work))
    for pairs in (["tenant=b"], ["tenant=a", "other=x"], ["Tenant=a"]):
        args = [a for p in pairs for a in ("-c", p)]
        result = kmskit("decrypt", "m", "-o", "o3", "--wrapping-key", AES, *args)
        failed(result, 1, "InvalidCiphertextException", work, before)
    # Reserved keys and malformed pairs are usage errors.
    result = kmskit(
        "encrypt", "data.bin", "-o", "x", "--wrapping-key", AES, "-c", "aws-crypto-public-key=x"
    )
    failed(result, 2, "ValidationException", work, before)
    for bad in ("novalue", "=v", "k=1"):
        result = kmskit(
            "encrypt", "data.bin", "-o", "x", "--wrapping-key", AES, "-c", "k=0", "-c", bad
        )
        failed(result, 2, USAGE, work, before)


# -- tampering and truncation -----------------------------------------------------------------


def _positions(message: bytes, header_length: int) -> dict[str, int]:
    return {
        "version": 0,
        "suite": 2,
        "message id": 10,
        "edk": header_length - 16 - 40,
        "commit key": header_length - 16 - 1,
        "header tag": header_length - 1,
        "first frame": header_length + 20,
        "last byte": len(message) - 1,
    }


@pytest.mark.parametrize("suite", SUITES[:2])
@pytest.mark.parametrize("stdout", [False, True], ids=["file", "stdout"])
def test_tamper_and_truncate_leave_nothing(suite: str, stdout: bool, work: Path) -> None:
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--wrapping-key",
            AES,
            "--algorithm",
            suite,
            "--frame-length",
            "65536",
        )
    )
    message = (work / "m").read_bytes()
    header_length = ok(kmskit("inspect", "m")).json()["HeaderLength"]
    cases: dict[str, bytearray] = {}
    for name, pos in _positions(message, header_length).items():
        cases[f"flip {name}"] = bytearray(message)
        cases[f"flip {name}"][pos] ^= 0x01
    for cut in (len(message) - 1, len(message) - 20, len(message) // 2, header_length, 40):
        cases[f"truncate {cut}"] = bytearray(message[:cut])
    cases["trailing byte"] = bytearray(message + b"\x00")
    write("bad", b"")
    before = set(listing(work))
    for name, case in cases.items():
        (work / "bad").write_bytes(case)
        target = "-" if stdout else "out"
        result = kmskit("decrypt", "bad", "-o", target, "--wrapping-key", AES)
        assert result.code == 1, (name, result.stderr)
        assert result.stdout == b"", name  # not one byte of plaintext on stdout either
        assert len(result.stderr.splitlines()) == 1, (name, result.stderr)
        assert set(listing(work)) == before, (name, sorted(set(listing(work)) - before))


def test_failure_keeps_existing_output(work: Path) -> None:
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES))
    message = bytearray((work / "m").read_bytes())
    message[-1] ^= 1
    write("bad", bytes(message))
    write("out", b"keep me")
    result = kmskit("decrypt", "bad", "-o", "out", "--overwrite", "--wrapping-key", AES)
    assert_one_line_error(result, 1, "PayloadAuthenticationError")
    assert (work / "out").read_bytes() == b"keep me"
    assert sorted(listing(work)) == sorted(["aes.key", "aes2.key", "bad", "data.bin", "m", "out"])


# -- rewrap -----------------------------------------------------------------------------------


def test_rewrap_adds_and_removes_recipients_body_unchanged(work: Path) -> None:
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "m",
            "--wrapping-key",
            AES,
            "-c",
            "k=v",
            "--frame-length",
            "1000",
        )
    )
    old = (work / "m").read_bytes()
    old_head = ok(kmskit("inspect", "m")).json()
    ok(kmskit("rewrap", "m", "-o", "m2", "--wrapping-key", AES, "--add-wrapping-key", AES2))
    new = (work / "m2").read_bytes()
    new_head = ok(kmskit("inspect", "m2")).json()
    assert [e["KeyName"] for e in new_head["EncryptedDataKeys"]] == ["aes-key", "aes-key-2"]
    for field in ("MessageId", "EncryptionContext", "Algorithm", "FrameLength"):
        assert new_head[field] == old_head[field]
    # The body, byte for byte.
    assert new[new_head["HeaderLength"] :] == old[old_head["HeaderLength"] :]
    assert new_head["HeaderLength"] > old_head["HeaderLength"]
    ok(kmskit("decrypt", "m2", "-o", "a", "--wrapping-key", AES2, "-c", "k=v"))
    assert (work / "a").read_bytes() == DATA
    # Rotation: drop the old key; the old wrapping key no longer opens the message.
    ok(
        kmskit(
            "rewrap",
            "m2",
            "-o",
            "m3",
            "--wrapping-key",
            AES2,
            "--remove-wrapping-key",
            "ns/aes-key",
        )
    )
    m3 = (work / "m3").read_bytes()
    assert [e["KeyName"] for e in ok(kmskit("inspect", "m3")).json()["EncryptedDataKeys"]] == [
        "aes-key-2"
    ]
    assert m3.endswith(old[old_head["HeaderLength"] :])
    result = kmskit("decrypt", "m3", "-o", "b", "--wrapping-key", AES)
    assert_one_line_error(result, 1, "NoMatchingKeyringError")
    ok(kmskit("decrypt", "m3", "-o", "b", "--wrapping-key", AES2))
    assert (work / "b").read_bytes() == DATA


def test_rewrap_refusals(work: Path) -> None:
    ok(
        kmskit(
            "encrypt",
            "data.bin",
            "-o",
            "signed",
            "--wrapping-key",
            AES,
            "--algorithm",
            "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
        )
    )
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES))
    before = set(listing(work))
    result = kmskit(
        "rewrap", "signed", "-o", "x", "--wrapping-key", AES, "--add-wrapping-key", AES2
    )
    assert "signature" in failed(result, 1, "UnsupportedMessage", work, before)
    result = kmskit(
        "rewrap", "m", "-o", "x", "--wrapping-key", AES, "--remove-wrapping-key", "nope"
    )
    assert "'nope'" in failed(result, 2, "ValidationException", work, before)
    result = kmskit(
        "rewrap", "m", "-o", "x", "--wrapping-key", AES, "--remove-wrapping-key", "aes-key"
    )
    assert "every" in failed(result, 2, "ValidationException", work, before)
    result = kmskit("rewrap", "m", "-o", "x", "--wrapping-key", AES)
    failed(result, 2, USAGE, work, before)
    # A damaged body is not given a fresh header.
    damaged = bytearray((work / "m").read_bytes())
    damaged[-1] ^= 1
    (work / "m").write_bytes(damaged)
    result = kmskit("rewrap", "m", "-o", "x", "--wrapping-key", AES, "--add-wrapping-key", AES2)
    failed(result, 1, "PayloadAuthenticationError", work, before)
