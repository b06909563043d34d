"""Signals and pipes: a killed kmskit leaves nothing behind and never shows plaintext.

kill -9, SIGTERM and SIGHUP in the middle of encrypting, decrypting or rewrapping a file
large enough to be caught mid-way leave only the inputs in the directory. Ctrl-C exits 130
without a traceback; a reader that goes away (``| head``) ends kmskit quietly. Decrypt to
stdout holds the plaintext back in a spool sealed under a one-time key: read through
/proc while kmskit waits, the spool never contains the plaintext.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults._faults import AES, AES_KEY, KMSKIT, env, listing, run

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/io").exists(), reason="watching a child's progress needs /proc"
)

BIG = 192 << 20  # big enough that every operation is still running when it is killed
MARKER = b"PLAINTEXT-MARKER-0123456789abcdef"


def _written(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait_until_writing(proc: subprocess.Popen[bytes], at_least: int = 4 << 20) -> None:
    deadline = time.monotonic() + 120
    while _written(proc.pid) < at_least:
        if proc.poll() is not None:
            pytest.fail(f"kmskit ended before it could be interrupted: {proc.returncode}")
        if time.monotonic() > deadline:
            pytest.fail("kmskit made no progress")
        time.sleep(0.01)


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A large plaintext and its encryption (made once: they take a few seconds)."""
    directory = tmp_path_factory.mktemp("big")
    (directory / "aes.key").write_bytes(AES_KEY)
    with open(directory / "plain", "wb") as fh:
        block = MARKER * (1 << 15)
        for _ in range(BIG // len(block)):
            fh.write(block)
    result = run(["encrypt", "plain", "-o", "msg", "--wrapping-key", AES], cwd=directory)
    assert result.returncode == 0, result.stderr
    return directory


def _stage(big_inputs: Path, work: Path) -> set[str]:
    for name in ("aes.key", "plain", "msg"):
        os.link(big_inputs / name, work / name)
    return set(listing(work))


_COMMANDS = {
    "encrypt": ["encrypt", "plain", "-o", "out", "--wrapping-key", AES],
    "decrypt": ["decrypt", "msg", "-o", "out", "--wrapping-key", AES],
    "rewrap": [
        "rewrap",
        "msg",
        "-o",
        "out",
        "--wrapping-key",
        AES,
        "--add-wrapping-key",
        "provider=raw-aes,namespace=ns,name=second,key-file=aes.key",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("verb", list(_COMMANDS))
def test_killed_mid_way_leaves_only_the_inputs(
    verb: str, signum: int, big_inputs: Path, work: Path
) -> None:
    before = _stage(big_inputs, work)
    proc = subprocess.Popen(
        [KMSKIT, *_COMMANDS[verb]],
        cwd=work,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_until_writing(proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signum, err
    assert set(listing(work)) == before, "a partial output or temporary file is left"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_named_temporary_is_removed_without_o_tmpfile(
    signum: int, big_inputs: Path, work: Path
) -> None:
    """Where unnamed files do not exist, the named temporary is removed on the signal."""
    before = _stage(big_inputs, work)
    script = (
        "import os, sys\n"
        "del os.O_TMPFILE\n"  # as on a system or file system without it
        "from kmskit.cli.main import run\n"
        "sys.argv = ['kmskit', *sys.argv[1:]]\n"
        "run()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *_COMMANDS["decrypt"]],
        cwd=work,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_until_writing(proc)
    assert any(name.endswith(".tmp") for name in os.listdir(work)), "no named temporary"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signum, err
    assert set(listing(work)) == before


@pytest.mark.slow
@pytest.mark.parametrize("suite", ["AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384", None])
def test_decrypt_to_stdout_spools_no_plaintext(
    suite: str | None, big_inputs: Path, work: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """While decrypt -o - waits to release, read its spool through /proc: no plaintext."""
    _stage(big_inputs, work)
    message = "msg"
    if suite is not None:
        result = run(
            ["encrypt", "plain", "-o", "signed", "--algorithm", suite, "--wrapping-key", AES],
            cwd=work,
        )
        assert result.returncode == 0, result.stderr
        message = "signed"
    spool_dir = tmp_path_factory.mktemp("spool")
    proc = subprocess.Popen(
        [KMSKIT, "decrypt", message, "-o", "-", "--wrapping-key", AES],
        cwd=work,
        env={**env(), "TMPDIR": str(spool_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        first = proc.stdout.read(1)  # released: the whole message has verified
        assert first == MARKER[:1]
        spools = []
        for fd in os.listdir(f"/proc/{proc.pid}/fd"):
            target = os.readlink(f"/proc/{proc.pid}/fd/{fd}")
            if target.startswith(str(spool_dir)):
                spools.append(Path(f"/proc/{proc.pid}/fd/{fd}"))
        assert spools, "the spool should be on disk by now (it is far over 1 MiB)"
        for spool in spools:
            with open(spool, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    assert MARKER[:16] not in chunk, "plaintext at rest in the spool"
    finally:
        proc.kill()
        proc.communicate()
    assert os.listdir(spool_dir) == []


def test_epipe_ends_quietly(big_inputs: Path, work: Path) -> None:
    """``kmskit decrypt … -o - | head -c 10``: no message, the status of a SIGPIPE death."""
    _stage(big_inputs, work)
    writer = subprocess.Popen(
        [KMSKIT, "decrypt", "msg", "-o", "-", "--wrapping-key", AES],
        cwd=work,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None
    reader = subprocess.run(
        ["head", "-c", "10"], stdin=writer.stdout, capture_output=True, check=False
    )
    writer.stdout.close()  # only head holds the pipe's reading end: it goes with head
    _, err = writer.communicate(timeout=120)
    assert len(reader.stdout) == 10
    assert err == b""
    assert writer.returncode == 128 + signal.SIGPIPE


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.2, None])
def test_ctrl_c_exits_130_without_traceback(
    delay: float | None, big_inputs: Path, work: Path
) -> None:
    """While starting (importing), and mid-operation (None: once output is being written)."""
    _stage(big_inputs, work)
    before = set(listing(work))
    proc = subprocess.Popen(
        [KMSKIT, "decrypt", "msg", "-o", "out", "--wrapping-key", AES],
        cwd=work,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if delay is None:
        _wait_until_writing(proc)
    else:
        time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err, err
    # Interrupted while Python itself starts, it dies of SIGINT (the shell shows 130 too).
    assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)
    if proc.returncode == 130:
        assert err.strip().endswith(b"Interrupted."), err
    assert set(listing(work)) == before
