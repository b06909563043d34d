"""``kmskit offline`` outputs follow DESIGN.md "I/O rules", and known rough edges.

Never overwrite without ``--overwrite``; a failed operation leaves no output file and no
temporary file in the directory; ``--out -`` never mixes with JSON on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cli._keys import MESSAGE, USAGE, KeyPair, expand, listing, oaep, write
from tests.cli._runner import assert_one_line_error, kmskit, ok

# ---------------------------------------------------------------------------------------------
# Outputs: never overwrite without --overwrite; a failure leaves nothing behind (I/O rules)


def _output_command(verb: str, keys: dict[str, KeyPair], out: str) -> list[Any]:
    rsa_pair, msg = keys["rsa"], write("msg", MESSAGE)
    ct = write("ct", rsa_pair.private.public_key().encrypt(b"pt", oaep("RSAES_OAEP_SHA_256")))
    commands: dict[str, list[Any]] = {
        "sign": [
            "sign",
            "--private-key",
            rsa_pair.key,
            "--signing-algorithm",
            "RSASSA_PSS_SHA_256",
            "--message",
            msg,
            "--out",
            out,
        ],
        "encrypt": [
            "encrypt",
            "--public-key",
            rsa_pair.pub,
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--plaintext",
            msg,
            "--out",
            out,
        ],
        "decrypt": [
            "decrypt",
            "--private-key",
            rsa_pair.key,
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--ciphertext",
            ct,
            "--out",
            out,
        ],
        "derive-shared-secret": [
            "derive-shared-secret",
            "--private-key",
            keys["p256"].key,
            "--public-key",
            keys["p256b"].pub,
            "--out",
            out,
        ],
        "generate-key-pair": [
            "generate-key-pair",
            "--key-pair-spec",
            "ECC_NIST_P256",
            "--private-key-out",
            out,
            "--public-key-out",
            "fresh.pub",
        ],
    }
    return commands[verb]


OUTPUT_VERBS = ["sign", "encrypt", "decrypt", "derive-shared-secret", "generate-key-pair"]


@pytest.mark.parametrize("verb", OUTPUT_VERBS)
def test_existing_output_needs_force(keys: dict[str, KeyPair], work: Path, verb: str) -> None:
    target = write("existing.bin", b"keep me")
    command = _output_command(verb, keys, "existing.bin")
    before = listing(work)
    result = kmskit("offline", *command)
    message = assert_one_line_error(result, 2, USAGE)
    assert "existing.bin" in message and "--overwrite" in message
    assert target.read_bytes() == b"keep me"
    assert listing(work) == before  # untouched, no temp files, no other output

    ok(kmskit("offline", *command, "--overwrite"))
    assert target.read_bytes() != b"keep me"
    assert not [p.name for p in work.iterdir() if p.name.endswith(".tmp")]


FAILING_WITH_OUT = [
    pytest.param(
        [
            "sign",
            "--private-key",
            "{rsa.key}",
            "--signing-algorithm",
            "ECDSA_SHA_256",
            "--message",
            "{msg}",
        ],
        2,
        "InvalidKeyUsageException",
        id="sign-wrong-algorithm",
    ),
    pytest.param(
        [
            "sign",
            "--private-key",
            "{rsa.key}",
            "--signing-algorithm",
            "RSASSA_PSS_SHA_256",
            "--message-type",
            "DIGEST",
            "--message",
            "{msg}",
        ],
        2,
        "ValidationException",
        id="sign-bad-digest",
    ),
    pytest.param(
        [
            "encrypt",
            "--public-key",
            "{p256.pub}",
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--plaintext",
            "{msg}",
        ],
        2,
        "InvalidKeyUsageException",
        id="encrypt-wrong-key",
    ),
    pytest.param(
        [
            "decrypt",
            "--private-key",
            "{rsa.key}",
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--ciphertext",
            "{msg}",
        ],
        1,
        "InvalidCiphertextException",
        id="decrypt-garbage",
    ),
    pytest.param(
        ["derive-shared-secret", "--private-key", "{p256.key}", "--public-key", "{p384.pub}"],
        2,
        "ValidationException",
        id="derive-curve-mismatch",
    ),
    pytest.param(
        [
            "decrypt",
            "--private-key",
            "{rsa.key}",
            "--encryption-algorithm",
            "RSAES_OAEP_SHA_256",
            "--ciphertext",
            "no-such-file",
        ],
        2,
        USAGE,
        id="unreadable-input",
    ),
]


@pytest.mark.parametrize(("template", "code", "name"), FAILING_WITH_OUT)
def test_failed_operation_leaves_no_output_and_no_temp_files(
    keys: dict[str, KeyPair], work: Path, template: list[str], code: int, name: str
) -> None:
    args = expand(["offline", *template], keys)
    before = listing(work)
    assert_one_line_error(kmskit(*args, "--out", "out.bin"), code, name)
    assert listing(work) == before
    assert not Path("out.bin").exists()


def test_out_into_missing_directory_exits_2(keys: dict[str, KeyPair], work: Path) -> None:
    result = kmskit("offline", *_output_command("sign", keys, "no/such/dir/sig"))
    assert_one_line_error(result, 2, USAGE)
    assert not Path("no").exists()


def test_out_dash_with_output_json_is_refused_without_leaking(keys: dict[str, KeyPair]) -> None:
    args = _output_command("decrypt", keys, "-")
    result = kmskit("offline", *args, "--output", "json")
    assert_one_line_error(result, 2, USAGE)  # stdout stays empty: no plaintext leaks


def test_out_onto_a_directory_leaves_no_temp_file(keys: dict[str, KeyPair], work: Path) -> None:
    Path("adir").mkdir()
    command = _output_command("sign", keys, "adir")
    before = sorted(p.name for p in work.iterdir())
    result = kmskit("offline", *command, "--overwrite")
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in work.iterdir()) == before
    assert list(Path("adir").iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Failures found in review: each is refused before anything is written.


def test_generate_key_pair_failure_leaves_no_private_key(work: Path) -> None:
    write("taken.pub", b"keep me")
    result = kmskit(
        "offline",
        "generate-key-pair",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--private-key-out",
        "new.key",
        "--public-key-out",
        "taken.pub",
    )
    assert_one_line_error(result, 2, USAGE)
    assert Path("taken.pub").read_bytes() == b"keep me"
    assert not Path("new.key").exists()


def test_out_onto_a_directory_is_a_usage_error(keys: dict[str, KeyPair]) -> None:
    Path("adir").mkdir()
    result = kmskit("offline", *_output_command("sign", keys, "adir"), "--overwrite")
    assert_one_line_error(result, 2, USAGE)


def test_stdin_for_two_arguments_is_a_usage_error(keys: dict[str, KeyPair]) -> None:
    signature = keys["p256"].private.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    result = kmskit(
        "offline",
        "verify",
        "--public-key",
        keys["p256"].pub,
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--message",
        "-",
        "--signature",
        "-",
        stdin=MESSAGE + signature,
    )
    assert_one_line_error(result, 2, USAGE)
