"""The keystore home: where it is, its per-home settings, and private (0700/0600) files in it.

spec: docs/keystore.md#home
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from kmskit.keystore._wipe import wipe
from kmskit.offline._record import FrozenRecord
from kmskit.offline.errors import KeystoreError, KmskitError, ValidationException

# Paths are strings (os.path) inside the keystore: pathlib imports urllib.parse and
# ipaddress, about 6 ms of every kms command's start-up.
if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "DB_NAME",
    "ENV_HOME",
    "MASTER_KEY_NAME",
    "HomeConfig",
    "home_dir",
    "resolve_home",
]

ENV_HOME = "KMSKIT_HOME"
DEFAULT_HOME = "~/.kmskit"
DB_NAME = "keystore.db"
MASTER_KEY_NAME = "master.key"

SEALING_KEY_FILE = "key-file"
SEALING_PASSPHRASE = "passphrase"  # noqa: S105 (the name of a sealing mode)
NAMINGS = ("aws", "alibaba")

_DIR_MODE = 0o700
_FILE_MODE = 0o600

_PARTITION = re.compile(r"[a-z][a-z0-9-]{0,62}")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ACCOUNT = re.compile(r"[0-9]{1,32}")


class HomeConfig(FrozenRecord):
    """The settings of one home: what goes into ARNs, the naming rules, how it is sealed.

    ``sealing`` is ``"key-file"`` (a random 32-byte ``master.key``) or ``"passphrase"``
    (scrypt). ``naming`` (``"aws"`` or ``"alibaba"``) chooses rotation limits (issue 5).
    Raises :class:`ValidationException` for a malformed setting, also from ``_replace``.
    """

    partition: str = "aws"
    region: str = "us-east-1"
    account_id: str = "111122223333"
    naming: str = "aws"
    sealing: str = SEALING_KEY_FILE

    def __post_init__(self) -> None:
        checks = (
            ("partition", self.partition, _PARTITION),
            ("region", self.region, _REGION),
            ("account id", self.account_id, _ACCOUNT),
        )
        for what, value, pattern in checks:
            if not isinstance(value, str) or pattern.fullmatch(value) is None:
                raise ValidationException(f"invalid {what} {value!r}")
        if self.naming not in NAMINGS:
            raise ValidationException(f"naming must be one of {', '.join(NAMINGS)}")
        if self.sealing not in (SEALING_KEY_FILE, SEALING_PASSPHRASE):
            raise ValidationException(f"unknown sealing {self.sealing!r}")

    @property
    def arn_prefix(self) -> str:
        """``arn:<partition>:kms:<region>:<account>:``, shared by key and alias ARNs."""
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:"

    def key_arn(self, key_id: str) -> str:
        return f"{self.arn_prefix}key/{key_id}"

    def alias_arn(self, alias_name: str) -> str:
        """The ARN of ``alias/<name>``: the prefix, then the alias name as it is."""
        return f"{self.arn_prefix}{alias_name}"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The home directory: ``home`` if given, else ``$KMSKIT_HOME``, else ``~/.kmskit``.

    ``~`` is expanded; the directory need not exist yet.
    """
    from pathlib import Path

    return Path(home_dir(home))


def home_dir(home: str | os.PathLike[str] | None = None) -> str:
    """:func:`resolve_home` as a string, without pathlib: absolute, ``~`` expanded, and
    spelled as ``str(Path(...))`` spells it (no ``.`` or empty parts, no trailing slash)."""
    if home is None:
        home = os.environ.get(ENV_HOME) or DEFAULT_HOME
    path = os.path.expanduser(os.fspath(home))
    if path.startswith("~"):  # pathlib raises RuntimeError here
        raise KeystoreError(f"cannot expand {path!r}: no such user or home directory")
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    # POSIX keeps a leading "//" (and pathlib with it); three or more slashes are one.
    root = "//" if path.startswith("//") and not path.startswith("///") else "/"
    return root + "/".join(part for part in path.split("/") if part not in ("", "."))


def make_home_dir(path: str) -> None:
    """Create the home (and missing parents), mode 0700. An existing directory is used as it
    is.

    Raises :class:`KeystoreError` if it cannot be created or is not a directory.
    """
    try:
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                os.mkdir(path, _DIR_MODE)
                os.chmod(path, _DIR_MODE)  # mkdir's mode is filtered by the umask
            except FileExistsError:
                pass  # a concurrent process made it
        if not os.path.isdir(path):
            raise KeystoreError(f"keystore home {path} is not a directory")
    except OSError as exc:
        raise KeystoreError(f"cannot create keystore home {path}: {exc.strerror}") from None


def create_private(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty with mode 0600 unless it exists.

    SQLite creates the ``-wal`` and ``-shm`` files with the database file's mode, so creating
    the database this way keeps all three private.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, _FILE_MODE)  # the umask may have filtered the mode
    finally:
        os.close(fd)


def write_private_file(path: str | os.PathLike[str], data: bytes | bytearray) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600, leaving no temporary file behind
    even on a crash (:mod:`kmskit.offline.output_file`).

    Raises :class:`KeystoreError` on an I/O failure.
    """
    from kmskit.offline.output_file import open_output

    try:
        with open_output(os.fspath(path), overwrite=True, secret=True) as out:
            out.file.write(memoryview(data))  # no copy of the key that could not be wiped
    except (KmskitError, OSError) as exc:
        raise KeystoreError(f"cannot write {path}: {exc}") from None


def read_private_file(path: str | os.PathLike[str], size: int) -> bytearray:
    """Read exactly ``size`` bytes from ``path`` into a bytearray the caller can wipe.

    Raises :class:`KeystoreError` if it is missing, unreadable or not ``size`` bytes long.
    """
    buf = bytearray(size + 1)
    try:
        with open(path, "rb", buffering=0) as f:
            got = f.readinto(buf)
    except OSError as exc:
        raise KeystoreError(f"cannot read {path}: {exc.strerror}") from None
    if got != size:
        wipe(buf)
        raise KeystoreError(f"{path} is not a {size}-byte master key file")
    del buf[size:]
    return buf
