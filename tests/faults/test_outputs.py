"""The output discipline (kmskit.offline.output_file) as every verb meets it.

A device or FIFO is written in place, never replaced; a symlink's target is replaced, the
link stays; no output replaces an input of the same command; no temporary file is left;
outputs that belong together (a key pair, an output and its metadata line) appear together
or not at all; a full disk or a denied directory is one ``FileAccessError`` line, exit 1.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmskit.envelope import decrypt
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.offline import output_file
from kmskit.offline.errors import OutputRefusedError
from tests.cli._runner import assert_one_line_error, kmskit, ok
from tests.faults._faults import (
    AES,
    AES_KEY,
    FULL_DEVICE,
    NULL_DEVICE,
    as_nobody,
    listing,
    make_device,
    one_line,
    run,
)

USAGE = "UsageError"
FILE_ERROR = "FileAccessError"


def _ec_key(path: str = "k.pem") -> bytes:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    Path(path).write_bytes(pem)
    return pem


def _sign(key: str, message: str, out: str, *extra: str) -> list[str]:
    return [
        "offline",
        "sign",
        "--private-key",
        key,
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--message",
        message,
        "--out",
        out,
        *extra,
    ]


def _inputs() -> None:
    Path("aes.key").write_bytes(AES_KEY)
    Path("data.bin").write_bytes(os.urandom(300_000))
    Path("msg").write_bytes(b"message")
    _ec_key()


def _verbs(out: str) -> dict[str, list[str]]:
    """One command per kind of writer: envelope stream, offline blob, vector file, key pair."""
    return {
        "encrypt": ["encrypt", "data.bin", "-o", out, "--wrapping-key", AES, "--overwrite"],
        "offline sign": _sign("k.pem", "msg", out, "--overwrite"),
        "vectors generate": [
            "vectors",
            "generate",
            "--kind",
            "ecdh",
            "--seed",
            "s",
            "--count",
            "1",
            "-o",
            out,
            "--overwrite",
        ],
        "generate-key-pair": [
            "offline",
            "generate-key-pair",
            "--key-pair-spec",
            "ECC_NIST_P256",
            "--private-key-out",
            out,
            "--public-key-out",
            "pub.pem",
            "--overwrite",
        ],
    }


# -- special files are written in place ---------------------------------------------------------


@pytest.mark.parametrize("verb", list(_verbs("x")))
def test_device_stays_a_device(verb: str, work: Path) -> None:
    _inputs()
    device = make_device(work / "null", NULL_DEVICE)
    before = os.stat(device)
    ok(kmskit(*_verbs("null")[verb]))
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode), "the device node was replaced"
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert not [n for n in os.listdir(work) if n.startswith(".")], "a temporary file is left"


def test_decrypt_to_a_device_keeps_it(work: Path) -> None:
    _inputs()
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES))
    device = make_device(work / "null", NULL_DEVICE)
    ok(kmskit("decrypt", "m", "-o", device, "--wrapping-key", AES, "--overwrite"))
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_device_still_needs_overwrite(work: Path) -> None:
    _inputs()
    device = make_device(work / "null", NULL_DEVICE)
    result = kmskit("encrypt", "data.bin", "-o", device, "--wrapping-key", AES)
    assert "--overwrite" in assert_one_line_error(result, 2, USAGE)


def test_fifo_is_written_in_place(work: Path) -> None:
    _inputs()
    fifo = work / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    try:
        ok(kmskit("encrypt", "data.bin", "-o", fifo, "--wrapping-key", AES, "--overwrite"))
    finally:
        reader.join(timeout=60)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    plaintext, _ = decrypt(got[0], keyrings=RawAesKeyring("ns", "aes-key", AES_KEY))
    assert plaintext == Path("data.bin").read_bytes()


def test_symlink_target_is_replaced_and_the_link_stays(work: Path) -> None:
    _inputs()
    (work / "real").mkdir()
    target = work / "real" / "sig"
    target.write_bytes(b"old")
    (work / "link").symlink_to(target)
    ok(kmskit(*_sign("k.pem", "msg", "link", "--overwrite")))
    assert (work / "link").is_symlink()
    assert target.read_bytes() != b"old"
    assert listing(work / "real") == ["sig"]


def test_dangling_symlink_creates_its_target(work: Path) -> None:
    _inputs()
    (work / "link").symlink_to(work / "made")
    ok(kmskit(*_sign("k.pem", "msg", "link")))
    assert (work / "link").is_symlink() and (work / "made").is_file()


# -- never over an input --------------------------------------------------------------------------


def _refused(result: Any, code: int = 2) -> None:
    assert "input itself" in assert_one_line_error(result, code, USAGE)


@pytest.mark.parametrize("overwrite", [True, False])
def test_sign_never_replaces_its_private_key(overwrite: bool, work: Path) -> None:
    _inputs()
    key = Path("k.pem").read_bytes()
    extra = ["--overwrite"] if overwrite else []
    result = kmskit(*_sign("k.pem", "msg", "k.pem", *extra))
    if overwrite:
        _refused(result)
    else:
        assert_one_line_error(result, 2, USAGE)
    assert Path("k.pem").read_bytes() == key


def test_out_equal_to_message_is_refused(work: Path) -> None:
    _inputs()
    _refused(kmskit(*_sign("k.pem", "msg", "msg", "--overwrite")))
    assert Path("msg").read_bytes() == b"message"


def test_out_through_a_link_to_an_input_is_refused(work: Path) -> None:
    _inputs()
    os.link("msg", "hard")
    Path("soft").symlink_to("k.pem")
    _refused(kmskit(*_sign("k.pem", "msg", "hard", "--overwrite")))
    _refused(kmskit(*_sign("k.pem", "msg", "soft", "--overwrite")))
    assert Path("msg").read_bytes() == b"message"


def test_convert_signature_in_place_is_refused(work: Path) -> None:
    _inputs()
    ok(kmskit(*_sign("k.pem", "msg", "sig")))
    der = Path("sig").read_bytes()
    result = kmskit(
        "offline",
        "convert-signature",
        "--signature",
        "sig",
        "--from",
        "DER",
        "--to",
        "RAW",
        "--out",
        "sig",
        "--overwrite",
    )
    _refused(result)
    assert Path("sig").read_bytes() == der


def test_kms_paramfile_input_is_protected(work: Path) -> None:
    """A ``file://`` value read by ``kmskit kms`` is an input too (generate-csr --out)."""
    home = work / "home"
    created = kmskit(
        "kms",
        "create-key",
        "--key-spec",
        "ECC_NIST_P256",
        "--key-usage",
        "SIGN_VERIFY",
        "--home",
        home,
    )
    key_id = ok(created).json()["KeyMetadata"]["KeyId"]
    Path("id.txt").write_text(key_id)
    result = kmskit(
        "kms",
        "generate-csr",
        "--key-id",
        "file://id.txt",
        "--common-name",
        "x",
        "--out",
        "id.txt",
        "--overwrite",
        "--home",
        home,
    )
    _refused(result, 252)  # kmskit kms: the AWS CLI's code for a refused command line
    assert Path("id.txt").read_text() == key_id


# -- all or nothing -----------------------------------------------------------------------------


def test_key_pair_is_all_or_nothing(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The public key file appears (another process) while the pair is generated: the private
    key must not be left alone."""
    from kmskit.offline import keys

    real = keys.generate_private_key

    def racing(spec: Any) -> Any:
        Path("pub.pem").write_bytes(b"someone else's")
        return real(spec)

    monkeypatch.setattr(keys, "generate_private_key", racing)
    result = kmskit(
        "offline",
        "generate-key-pair",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--private-key-out",
        "priv.pem",
        "--public-key-out",
        "pub.pem",
    )
    assert "exists" in assert_one_line_error(result, 2, USAGE)
    assert listing(work) == ["pub.pem"]
    assert Path("pub.pem").read_bytes() == b"someone else's"


def test_output_group_takes_back_published_members(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = output_file.Output.publish

    def second_fails(self: output_file.Output) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OutputRefusedError("injected")
        real(self)

    monkeypatch.setattr(output_file.Output, "publish", second_fails)
    with pytest.raises(OutputRefusedError), output_file.OutputGroup(overwrite=False) as group:
        group.add("a", b"1")
        group.add("b", b"2", secret=True)
    assert listing(work) == []


def test_metadata_line_and_output_go_together(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _inputs()
    tree = work / "tree"
    tree.mkdir()
    for name in "abc":
        (tree / name).write_bytes(name.encode() * 1000)
    calls = {"n": 0}
    real = output_file.Output.publish

    def second_fails(self: output_file.Output) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OutputRefusedError("injected")
        real(self)

    monkeypatch.setattr(output_file.Output, "publish", second_fails)
    Path("meta.jsonl").write_text('{"earlier": "line"}\n')
    result = kmskit(
        "encrypt",
        "-r",
        tree,
        "-o",
        "out",
        "--wrapping-key",
        AES,
        "--metadata-output",
        "meta.jsonl",
    )
    assert_one_line_error(result, 2, USAGE)
    lines = [json.loads(line) for line in Path("meta.jsonl").read_text().splitlines()]
    assert lines[0] == {"earlier": "line"}
    written = sorted(p.name for p in (work / "out").iterdir())
    assert [Path(line["output"]).name for line in lines[1:]] == written == ["a.kmskit"]


def test_metadata_that_cannot_be_written_publishes_nothing(work: Path) -> None:
    _inputs()
    full = make_device(work / "full", FULL_DEVICE)
    result = kmskit(
        "encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "--metadata-output", full
    )
    assert "No space left" in assert_one_line_error(result, 1, FILE_ERROR)
    assert not Path("m").exists()


# -- the file system says no ---------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["encrypt", "offline sign", "vectors generate"])
def test_full_device_is_one_line(verb: str, work: Path) -> None:
    _inputs()
    full = make_device(work / "full", FULL_DEVICE)
    result = kmskit(*_verbs("full")[verb])
    assert "No space left on device" in assert_one_line_error(result, 1, FILE_ERROR)
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_full_stdout_is_one_line(work: Path) -> None:
    _inputs()
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES))
    with open("/dev/full", "wb") as full:  # only written to: the node itself is untouched
        import subprocess

        from tests.faults._faults import KMSKIT, env

        result = subprocess.run(
            [KMSKIT, "decrypt", "m", "-o", "-", "--wrapping-key", AES],
            stdout=full,
            stderr=subprocess.PIPE,
            env=env(),
            check=False,
        )
    err = result.stderr.decode()
    assert result.returncode == 1 and err.startswith(f"{FILE_ERROR}: "), err
    assert len(err.splitlines()) == 1 and "No space left" in err


def test_unwritable_directory_is_one_line(shared: Path) -> None:
    prefix = as_nobody()
    (shared / "aes.key").write_bytes(AES_KEY)
    (shared / "data.bin").write_bytes(b"x" * 1000)
    for name in ("aes.key", "data.bin"):
        (shared / name).chmod(0o644)
    locked = shared / "locked"
    locked.mkdir(mode=0o755)  # owned by root: nobody may not create files in it
    result = run(
        ["encrypt", "data.bin", "-o", "locked/m", "--wrapping-key", AES],
        cwd=shared,
        prefix=prefix,
    )
    assert "Permission denied" in one_line(result, 1, FILE_ERROR)
    assert listing(locked) == []
    result = run(
        [
            "offline",
            "generate-key-pair",
            "--key-pair-spec",
            "ECC_NIST_P256",
            "--private-key-out",
            "locked/k.pem",
            "--public-key-out",
            "pub.pem",
        ],
        cwd=shared,
        prefix=prefix,
    )
    assert result.returncode != 0  # shared itself is root's too: nothing may be written
    one_line(result, 1, FILE_ERROR)
    assert listing(locked) == [] and not (shared / "pub.pem").exists()


def test_closed_stdin_is_a_usage_error(work: Path) -> None:
    _inputs()
    import subprocess

    from tests.faults._faults import KMSKIT, env

    result = subprocess.run(
        [KMSKIT, "encrypt", "-", "-o", "m", "--wrapping-key", AES],
        capture_output=True,
        env=env(),
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    one_line(result, 2, USAGE)
    assert not Path("m").exists()


# -- nothing unverified reaches stdout ---------------------------------------------------------


@pytest.mark.parametrize("verb", ["rewrap", "decrypt"])
def test_tampered_message_releases_nothing_to_stdout(verb: str, work: Path) -> None:
    """The last frame is damaged: every earlier frame verifies, yet stdout stays empty."""
    _inputs()
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "--frame-length", "1024"))
    message = bytearray(Path("m").read_bytes())
    message[-5] ^= 1  # inside the final frame's tag
    Path("m").write_bytes(bytes(message))
    args = ["-o", "-", "--wrapping-key", AES]
    if verb == "rewrap":
        args += ["--add-wrapping-key", "provider=raw-aes,namespace=ns,name=k2,key-file=aes.key"]
    result = kmskit(verb, "m", *args)
    assert_one_line_error(result, 1, "PayloadAuthenticationError")  # and stdout is empty


def test_metadata_output_is_never_an_input_or_output(work: Path) -> None:
    _inputs()
    data = Path("data.bin").read_bytes()
    for path in ("data.bin", "m"):
        result = kmskit(
            "encrypt", "data.bin", "-o", "m", "--wrapping-key", AES, "--metadata-output", path
        )
        assert "--metadata-output" in assert_one_line_error(result, 2, USAGE)
    assert Path("data.bin").read_bytes() == data and not Path("m").exists()


@pytest.mark.parametrize("size", [6 << 20, 12 << 20], ids=["one-thread", "worker-threads"])
@pytest.mark.parametrize("verb", ["encrypt", "decrypt"])
def test_an_output_that_outgrows_its_file_system_is_named(verb: str, size: int, work: Path) -> None:
    """A regular output that cannot grow (RLIMIT_FSIZE: EFBIG, as a full disk is ENOSPC)
    fails with one line naming the output, not standard output, and leaves nothing. 12 MiB
    goes through envelope/_parallel_frames.py on a machine with two CPUs."""
    import resource
    import subprocess

    from tests.faults._faults import KMSKIT, env

    Path("aes.key").write_bytes(AES_KEY)
    Path("data.bin").write_bytes(os.urandom(size))
    ok(kmskit("encrypt", "data.bin", "-o", "m", "--wrapping-key", AES))
    source = "data.bin" if verb == "encrypt" else "m"
    before = listing(work)

    def limit_file_size() -> None:  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))

    result = subprocess.run(
        [KMSKIT, verb, source, "-o", "out", "--wrapping-key", AES],
        capture_output=True,
        env=env(),
        preexec_fn=limit_file_size,  # before exec: the limit is the child's alone
        check=False,
        timeout=120,
    )
    assert "File too large" in one_line(result, 1, f"{FILE_ERROR}: out")
    assert listing(work) == before
