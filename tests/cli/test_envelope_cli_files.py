"""``kmskit encrypt|decrypt|inspect|rewrap``: trees, pipes, base64 armour, metadata, output
rules, SPEC parsing and refusals, and what the process imports and shows on a terminal."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import pytest

from kmskit.cli._file_jobs import progress
from kmskit.cli._wrapping_keys import SpecError, parse_spec
from kmskit.envelope import decrypt, encrypt
from kmskit.envelope.keyrings import RawAesKeyring
from tests.cli._envelope import AES, AES_KEY, DATA, failed, write_inputs
from tests.cli._keys import USAGE, KeyPair, aws_json, listing, write
from tests.cli._runner import assert_one_line_error, kmskit, ok
from tests.cli.test_startup import imported_modules, layer


@pytest.fixture(autouse=True)
def files(work: Path) -> Path:
    write_inputs()
    return work


# -- trees, pipes, armour, metadata, outputs --------------------------------------------------


def test_recursive_mirrors_the_tree(work: Path) -> None:
    tree = {"a/one.txt": b"one", "a/b/two.bin": DATA, "three": b"", "a/b/c/four": b"4" * 70000}
    for name, data in tree.items():
        (work / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (work / "in" / name).write_bytes(data)
    ok(
        kmskit(
            "encrypt",
            "-r",
            "in",
            "-o",
            "enc",
            "--wrapping-key",
            AES,
            "--metadata-output",
            "meta.jsonl",
        )
    )
    encrypted = sorted(str(p.relative_to(work / "enc")) for p in (work / "enc").rglob("*.kmskit"))
    assert encrypted == sorted(f"{name}.kmskit" for name in tree)
    lines = [json.loads(line) for line in (work / "meta.jsonl").read_text().splitlines()]
    assert len(lines) == len(tree)
    assert {line["mode"] for line in lines} == {"encrypt"}
    assert sorted(line["plaintext_length"] for line in lines) == sorted(map(len, tree.values()))
    assert all(line["header"]["EncryptedDataKeys"][0]["KeyName"] == "aes-key" for line in lines)
    ok(
        kmskit(
            "decrypt",
            "-r",
            "enc",
            "-o",
            "dec",
            "--wrapping-key",
            AES,
            "--metadata-output",
            "meta.jsonl",
        )
    )
    for name, data in tree.items():
        assert (work / "dec" / name).read_bytes() == data
    assert len((work / "meta.jsonl").read_text().splitlines()) == 2 * len(tree)  # appended
    # Refusals, before any work: existing outputs, no -r, output inside the input.
    before = set(listing(work))
    result = kmskit("decrypt", "-r", "enc", "-o", "dec", "--wrapping-key", AES)
    assert "--overwrite" in failed(result, 2, USAGE, work, before)
    failed(kmskit("encrypt", "in", "-o", "x", "--wrapping-key", AES), 2, USAGE, work, before)
    result = kmskit("encrypt", "-r", "in", "-o", "in/sub", "--wrapping-key", AES)
    assert "inside" in failed(result, 2, USAGE, work, before)
    assert not (work / "in" / "sub").exists()
    ok(kmskit("decrypt", "-r", "enc", "-o", "dec", "--wrapping-key", AES, "--overwrite"))


def test_output_directory_and_suffix(work: Path) -> None:
    (work / "outdir").mkdir()
    ok(kmskit("encrypt", "data.bin", "-o", "outdir", "--wrapping-key", AES))
    assert (work / "outdir" / "data.bin.kmskit").is_file()
    ok(kmskit("encrypt", "data.bin", "-o", "outdir", "--suffix", ".enc", "--wrapping-key", AES))
    (work / "plain").mkdir()
    ok(
        kmskit(
            "decrypt",
            "outdir/data.bin.enc",
            "-o",
            "plain",
            "--suffix",
            ".enc",
            "--wrapping-key",
            AES,
        )
    )
    assert (work / "plain" / "data.bin").read_bytes() == DATA
    (work / "outdir" / "data.bin.kmskit").rename(work / "outdir" / "noext")
    ok(kmskit("decrypt", "outdir/noext", "-o", "plain", "--wrapping-key", AES))
    assert (work / "plain" / "noext.decrypted").read_bytes() == DATA


def test_stdin_stdout_and_armour(work: Path) -> None:
    sealed = ok(kmskit("encrypt", "-", "-o", "-", "--wrapping-key", AES, "--encode", stdin=DATA))
    text = sealed.stdout
    assert text.isascii() and b"\n" not in text
    message = base64.b64decode(text, validate=True)
    key = RawAesKeyring("ns", "aes-key", AES_KEY)
    assert decrypt(message, keyrings=key)[0] == DATA
    wrapped = b"\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + b"\n"
    opened = ok(kmskit("decrypt", "-", "-o", "-", "--decode", "--wrapping-key", AES, stdin=wrapped))
    assert opened.stdout == DATA
    head = ok(kmskit("inspect", "-", "--decode", stdin=wrapped)).json()
    assert head["EncryptedDataKeys"][0]["KeyName"] == "aes-key"
    # Binary given where base64 is expected, and the reverse.
    write("m", message)
    result = kmskit("decrypt", "m", "-o", "x", "--decode", "--wrapping-key", AES)
    assert_one_line_error(result, 1, "ArmorFormatError")
    write("t", text)
    result = kmskit("decrypt", "t", "-o", "x", "--wrapping-key", AES)
    assert "base64" in assert_one_line_error(result, 1, "UnsupportedMessage")
    assert not (work / "x").exists()
    # --metadata-output - with -o - would mix the two on stdout.
    result = kmskit("decrypt", "m", "-o", "-", "--metadata-output", "-", "--wrapping-key", AES)
    assert_one_line_error(result, 2, USAGE)


def test_overwrite_rules(work: Path) -> None:
    write("m", b"existing")
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES)
    assert "--overwrite" in assert_one_line_error(result, 2, USAGE)
    assert (work / "m").read_bytes() == b"existing"
    # --force never replaces an output: it only overrides key-usage refusals.
    result = kmskit("encrypt", "data.bin", "-o", "m", "--force", "--wrapping-key", AES)
    assert_one_line_error(result, 2, USAGE)
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--overwrite", "--wrapping-key", AES))
    assert decrypt((work / "m").read_bytes(), keyrings=RawAesKeyring("ns", "aes-key", AES_KEY))
    result = kmskit("encrypt", "data.bin", "-o", "data.bin", "--overwrite", "--wrapping-key", AES)
    assert "input itself" in assert_one_line_error(result, 2, USAGE)
    assert (work / "data.bin").read_bytes() == DATA


def test_inspect_needs_no_key(work: Path) -> None:
    message = encrypt(
        b"x", keyrings=RawAesKeyring("ns", "n", bytes(16)), encryption_context={"a": "b"}
    )
    write("m", message)
    doc = ok(kmskit("inspect", "m", env={"KMSKIT_HOME": str(work / "none")})).json()
    assert set(doc) >= {
        "Algorithm",
        "MessageId",
        "EncryptionContext",
        "EncryptedDataKeys",
        "FrameLength",
    }
    assert doc["EncryptionContext"] == {"a": "b"}
    assert not (work / "none").exists()  # no keystore was opened, let alone created
    write("junk", b"\x02\x00\x00")
    assert_one_line_error(kmskit("inspect", "junk"), 1, "UnsupportedMessage")


# -- SPECs and key-usage refusals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("provider=raw-aes,namespace=ns,name=k", "missing key-file="),
        ("provider=raw-aes,namespace=ns,name=k,key-file=a,colour=red", "unknown colour"),
        ("provider=nope,key=x", "unknown provider 'nope'"),
        ("provider=raw-rsa,namespace=ns,name=k", "public-key="),
        ("provider=raw-rsa,namespace=ns,name=k,public-key=p,force=maybe", "force="),
        ("key=a,key=b", "twice"),
        ("key", "not k=v"),
        ("key=a,,name=b", "empty item"),
        ("provider=aws-kms,region=eu-west-1", "missing key="),
    ],
)
def test_bad_specs_are_one_line_usage_errors(spec: str, text: str) -> None:
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", spec)
    assert text in assert_one_line_error(result, 2, USAGE)


def test_spec_parser() -> None:
    parsed = parse_spec("provider=RAW-RSA,namespace=n,name=k,private-key=p,force=yes", "decrypt")
    assert (parsed.provider, parsed.force, parsed.get("private-key")) == ("raw-rsa", True, "p")
    assert parse_spec("key=alias/x", "encrypt").provider == "keystore"
    with pytest.raises(SpecError, match="decrypting needs private-key="):
        parse_spec("provider=raw-sm2,namespace=n,name=k,public-key=p", "decrypt")


def test_recipient_usage_refusal_and_force(keys: dict[str, KeyPair], work: Path) -> None:
    signing = aws_json(keys["rsa"], KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    spec = f"provider=raw-rsa,namespace=kms,name=r,public-key={signing}"
    before = set(listing(work))
    result = kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", spec)
    assert "SIGN_VERIFY" in failed(result, 2, "InvalidKeyUsageException", work, before)
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", spec + ",force=true"))
    ok(kmskit("encrypt", "data.bin", "-o", "m2", "--force", "--wrapping-key", spec))
    # A KMS JSON public key (it names its key ARN) writes the aws-kms-rsa layout, opened
    # with that ARN; layout=raw-rsa keeps the raw RSA layout and its namespace and name.
    arn = json.loads(Path(signing).read_text())["KeyId"]
    private = f"provider=aws-kms-rsa,key={arn},private-key={keys['rsa'].key}"
    ok(kmskit("decrypt", "m2", "-o", "out", "--wrapping-key", private))
    assert (work / "out").read_bytes() == DATA
    raw = f"{spec},layout=raw-rsa,force=true"
    ok(kmskit("encrypt", "data.bin", "-o", "m3", "--wrapping-key", raw))
    raw_private = f"provider=raw-rsa,namespace=kms,name=r,private-key={keys['rsa'].key}"
    ok(kmskit("decrypt", "m3", "-o", "out3", "--wrapping-key", raw_private))
    assert (work / "out3").read_bytes() == DATA


# -- the process and the terminal ------------------------------------------------------------


@pytest.mark.parametrize("verb", ["encrypt", "decrypt", "inspect", "rewrap"])
def test_help_imports_no_crypto_keystore_or_boto3(verb: str, tmp_path: Path) -> None:
    code, stdout, modules = imported_modules([verb, "--help"], tmp_path)
    assert code == 0 and stdout.startswith("Usage: kmskit")
    assert "kmskit.cli.envelope" in modules
    heavy = sorted(
        m
        for m in modules
        if layer(m) in ("cryptography", "asn1crypto", "keystore", "boto3", "botocore")
    )
    assert heavy == [], heavy[:5]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_for_large_files_on_a_terminal(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = write("big", bytes(9 << 20))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with big.open("rb") as fh, progress(fh, str(big)) as src:
        assert src is not fh
        while src.read(1 << 20):
            pass
    assert "big" in terminal.getvalue() and "100%" in terminal.getvalue()
    small = work / "data.bin"
    with small.open("rb") as fh, progress(fh, str(small)) as src:
        assert src is fh
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with big.open("rb") as fh, progress(fh, str(big)) as src:
        assert src is fh
