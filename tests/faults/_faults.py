"""What the fault tests share: the console script run as a process, special files, users.

The real ``kmskit`` console script runs in a child process (signals, pipes and closed
standard streams need a process of their own). Device nodes are made with ``os.mknod`` in a
temporary directory (root only), never by touching the real ``/dev`` entries.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

KMSKIT = str(Path(sys.executable).with_name("kmskit"))
AES_KEY = b"0123456789abcdef0123456789abcdef"
AES = "provider=raw-aes,namespace=ns,name=aes-key,key-file=aes.key"
# Linux device numbers (Documentation/admin-guide/devices.txt): 1,3 is null, 1,7 is full.
NULL_DEVICE = (1, 3)
FULL_DEVICE = (1, 7)


def env() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KMSKIT_")}
    environment.pop("AWS_DEFAULT_OUTPUT", None)
    return environment


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run ``kmskit ARGS`` as a process; stdout bytes and stderr bytes captured."""
    return subprocess.run(
        [*prefix, KMSKIT, *map(str, args)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env(),
        timeout=timeout,
        check=False,
    )


# ``kmskit kms`` fails as the AWS CLI does (docs/cli.md): a KMS error is "An error occurred
# (Name) when calling the Op operation: …" with 254; a refusal before any work 252; anything
# else (the keystore cannot be used, the audit log) 255. The other groups keep 1 and 2.
_KMS_EXIT = {1: 255, 2: 252}
_KMS_SERVICE_EXIT = 254


def _is_kms(result: subprocess.CompletedProcess[bytes]) -> bool:
    args = [str(a) for a in result.args]
    return len(args) > 1 and args[args.index(str(KMSKIT)) + 1] == "kms"


def one_line(result: subprocess.CompletedProcess[bytes], code: int, name: str) -> str:
    """The error contract: exactly one stderr line ``name: …``, no traceback, exit ``code``
    (for ``kmskit kms``, the AWS CLI's line and return code for the same error)."""
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    if _is_kms(result) and err.startswith(f"An error occurred ({name}) when calling the "):
        code = _KMS_SERVICE_EXIT
    else:
        assert err.startswith(f"{name}: "), err
        if _is_kms(result):
            code = _KMS_EXIT.get(code, code)
    assert result.returncode == code, (result.returncode, err)
    return err


def make_device(path: Path, numbers: tuple[int, int]) -> Path:
    """A character device node at ``path`` (skips unless root may make one here)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(*numbers))
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    return path


def as_nobody() -> list[str]:
    """A command prefix running the rest as user ``nobody``: root bypasses file permissions,
    so only an unprivileged user can meet EACCES. Skips when that is impossible."""
    if os.geteuid() != 0:
        return []  # already unprivileged
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop to an unprivileged user")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, KMSKIT, "--version"], capture_output=True, env=env(), timeout=60, check=False
    )
    if probe.returncode != 0:
        # A directory above the checkout is not searchable by nobody (say, a 0700 home):
        # nothing here can make EACCES happen to the user who cannot start kmskit at all.
        pytest.skip(f"user nobody cannot run {KMSKIT}: {probe.stderr.decode(errors='replace')}")
    return prefix


def listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
