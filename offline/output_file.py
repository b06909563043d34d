"""Writing output files so that a failure, a crash or a mistake never costs the user a file.

Every kmskit verb that writes a file goes through here (DESIGN.md, "I/O rules"):

- **Nothing but a regular file is ever replaced.** A path that names a device or a FIFO is
  opened and written in place (``-o /dev/null`` as root stays a device); a symbolic link is
  followed and its target is what gets replaced, the link stays.
- **No output overwrites an input of the same command** (same device and inode, so hard
  links and symlinks count): ``offline sign --private-key k.pem --out k.pem`` is refused.
- **No named temporary file outlives the process.** On Linux the content goes to an unnamed
  file (``O_TMPFILE``) that is linked into place (``linkat`` of ``/proc/self/fd/N``) only
  when complete; a crash at any moment leaves nothing, because an unnamed file vanishes with
  its last descriptor. Replacing an existing file needs a name for the instant between
  ``linkat`` and ``rename``; SIGINT, SIGTERM and SIGHUP are blocked for those two system
  calls. Elsewhere (or on a file system without ``O_TMPFILE``) a named temporary file is
  used and removed on SIGTERM, SIGHUP, SIGINT and at exit; only SIGKILL can leave it.
- **An existing file is replaced only with ``overwrite``**; without it the final link
  refuses a file that appeared meanwhile.
- **Outputs that belong together are all-or-nothing** (:class:`OutputGroup`): every member is
  written and fsynced before the first is published, and a member that cannot be published
  takes back those published before it.

Refusals raise :class:`OutputRefusedError` before any work is done; a file system failure
(permission denied, no space left) raises :class:`FileAccessError`.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import BinaryIO

from kmskit.offline.errors import FileAccessError, OutputRefusedError

__all__ = [
    "Output",
    "OutputGroup",
    "check_output",
    "keep",
    "open_output",
    "remove_on_exit",
    "write_output",
]

STDIO = "-"
_PUBLISH_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PROC_FD = "/proc/self/fd"


def _os_error(path: str, exc: OSError) -> FileAccessError:
    return FileAccessError(f"cannot write {path}: {exc.strerror or exc}")


def _stat(path: str) -> os.stat_result | None:
    """``os.stat`` (following links), None when nothing is there."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # a loop of links, a directory we may not search
        raise FileAccessError(f"cannot use {path}: {exc.strerror or exc}") from None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(
    path: str, *, overwrite: bool, inputs: Iterable[str | None] = (), what: str = "output"
) -> None:
    """Refuse, before any work is done, an output that could not or should not be written.

    ``inputs`` are the paths the same command reads (``-`` and None are skipped). Raises
    :class:`OutputRefusedError`.
    """
    if path == STDIO:
        return
    st = _stat(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputRefusedError(f"{path} is a directory; name a file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        # A device, FIFO or socket is written in place, never replaced: no input can be
        # destroyed by it, but it still is not written without --overwrite.
        if not overwrite:
            raise OutputRefusedError(f"{path} exists; pass --overwrite to write to it")
        return
    if st is not None:
        for source in inputs:
            if source is None or source == STDIO:
                continue
            src = _stat(_strip_scheme(source))
            if src is not None and _same_file(src, st):
                raise OutputRefusedError(
                    f"{path} is the input itself ({source}); name another output"
                )
        if not overwrite:
            raise OutputRefusedError(f"{path} exists; pass --overwrite to replace it")
    parent = Path(os.path.realpath(path)).parent
    if not parent.is_dir():
        raise OutputRefusedError(f"directory {Path(path).parent} does not exist")


def _strip_scheme(value: str) -> str:
    for prefix in ("fileb://", "file://"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


# -- named temporaries removed on signals and at exit ------------------------------------------

_live: set[str] = set()
_live_lock = threading.Lock()
_hooks_installed = False


def _remove_live() -> None:
    with _live_lock:
        paths = list(_live)
        _live.clear()
    for path in paths:
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _remove_live()
    # Die of the same signal, as if we had not caught it (the shell reports 128+n).
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_remove_live)
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _on_signal)
    # SIGINT raises KeyboardInterrupt, which unwinds through the cleanup of each writer.


def remove_on_exit(path: str | os.PathLike[str]) -> None:
    """Remove ``path`` (a file or a directory tree) if the process ends by SIGTERM, SIGHUP or
    normal exit before :func:`keep` is called for it."""
    _install_hooks()
    with _live_lock:
        _live.add(os.fspath(path))


def keep(path: str | os.PathLike[str]) -> None:
    """Forget ``path`` registered with :func:`remove_on_exit`."""
    with _live_lock:
        _live.discard(os.fspath(path))


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _PUBLISH_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a directory
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


# -- one output --------------------------------------------------------------------------------


class Output:
    """One output file being written: :attr:`file` takes the content; :meth:`publish` puts it
    at its path, :meth:`discard` drops it. Use :func:`open_output` unless publishing must wait
    for something else (:class:`OutputGroup`).

    :attr:`in_place` is True for a device or FIFO, written directly: whatever is written there
    is released at once, so callers that must release only verified data hold it back, as for
    stdout.
    """

    def __init__(
        self, path: str, *, overwrite: bool, secret: bool, inputs: Iterable[str | None] = ()
    ) -> None:
        check_output(path, overwrite=overwrite, inputs=inputs)
        self.path = path
        self.overwrite = overwrite
        self.in_place = False
        self.created = False  # published to a name that did not exist before
        self._published = False
        self._tmp_name: str | None = None  # the named temporary (fallback only)
        self._fd = -1
        st = _stat(path)
        try:
            if st is not None and not stat.S_ISREG(st.st_mode):
                self._open_in_place(path)
            else:
                self._target = os.path.realpath(path)  # a symlink's target gets replaced
                self._directory = os.path.dirname(self._target)
                self._open_unpublished(secret)
        except OSError as exc:
            raise _os_error(path, exc) from None
        self.file: BinaryIO = os.fdopen(self._fd, "wb", closefd=False)

    def _open_in_place(self, path: str) -> None:
        # No O_CREAT (never make a regular file here), no O_TRUNC (meaningless for a device).
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        if stat.S_ISREG(os.fstat(fd).st_mode):  # replaced by a regular file meanwhile
            os.close(fd)
            raise OutputRefusedError(f"{path} changed while it was being opened")
        self._fd = fd
        self.in_place = True

    def _open_unpublished(self, secret: bool) -> None:
        mode = 0o600 if secret else 0o666  # the umask filters the rest
        o_tmpfile = getattr(os, "O_TMPFILE", 0)
        if o_tmpfile and os.path.isdir(_PROC_FD):
            try:
                self._fd = os.open(self._directory, o_tmpfile | os.O_WRONLY | os.O_CLOEXEC, mode)
                return
            except OSError as exc:
                # The file system has no unnamed files: fall back to a named one.
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                    raise
        name = os.path.join(
            self._directory, f".{os.path.basename(self._target)}.{secrets.token_hex(6)}.tmp"
        )
        remove_on_exit(name)
        try:
            self._fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except OSError:
            keep(name)
            raise
        self._tmp_name = name

    def publish(self) -> None:
        """Make the content visible at the path (fsynced first). Raises
        :class:`OutputRefusedError` if the path appeared meanwhile without ``overwrite``,
        :class:`FileAccessError` on a file system failure."""
        try:
            self.file.flush()
            if self.in_place:
                self._published = True
                return
            os.fsync(self._fd)
            existed = os.path.lexists(self._target)
            if self._tmp_name is None:
                self._link_unnamed()
            else:
                self._rename_named()
            self.created = not existed
            self._published = True
            _fsync_directory(self._directory)
        except OSError as exc:
            raise _os_error(self.path, exc) from None
        finally:
            self._close()

    def _link_unnamed(self) -> None:
        # linkat(AT_SYMLINK_FOLLOW) of the /proc magic link names the unnamed file; Python
        # calls plain link() (which does not follow it) unless a directory fd is given.
        source = f"{_PROC_FD}/{self._fd}"
        dir_fd = os.open(self._directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            self._link_unnamed_at(source, dir_fd)
        finally:
            os.close(dir_fd)

    def _link_unnamed_at(self, source: str, dir_fd: int) -> None:
        base = os.path.basename(self._target)
        if not self.overwrite:
            try:
                os.link(source, base, dst_dir_fd=dir_fd, follow_symlinks=True)
            except FileExistsError:
                raise OutputRefusedError(
                    f"{self.path} exists; pass --overwrite to replace it"
                ) from None
            return
        # rename() is the only atomic replace and needs a name: hold one for two system
        # calls, with the catchable signals blocked so that they cannot strand it.
        name = f".{base}.{secrets.token_hex(6)}.tmp"
        with _signals_blocked():
            os.link(source, name, dst_dir_fd=dir_fd, follow_symlinks=True)
            try:
                os.rename(name, base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=dir_fd)
                raise

    def _rename_named(self) -> None:
        assert self._tmp_name is not None
        name = self._tmp_name
        if self.overwrite:
            with _signals_blocked():
                os.rename(name, self._target)
                keep(name)
            self._tmp_name = None
            return
        try:
            os.link(name, self._target)  # fails if the target appeared meanwhile
        except FileExistsError:
            raise OutputRefusedError(
                f"{self.path} exists; pass --overwrite to replace it"
            ) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if os.path.lexists(self._target):  # no hard links here: check, then rename
                raise OutputRefusedError(
                    f"{self.path} exists; pass --overwrite to replace it"
                ) from None
            os.rename(name, self._target)
            keep(name)
            self._tmp_name = None
            return
        os.unlink(name)
        keep(name)
        self._tmp_name = None

    def discard(self) -> None:
        """Drop the content; the path is left as it was (a device keeps what it was given)."""
        self._close()
        if self._tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp_name)
            keep(self._tmp_name)
            self._tmp_name = None

    def retract(self) -> None:
        """Undo :meth:`publish` of a file this output created (a group member whose partner
        failed). A replaced file cannot be brought back; it is left with the new content."""
        if self._published and self.created and not self.in_place:
            with contextlib.suppress(OSError):
                os.unlink(self._target)
            self._published = False

    def _close(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError, ValueError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = -1


@contextlib.contextmanager
def open_output(
    path: str, *, overwrite: bool, secret: bool, inputs: Iterable[str | None] = ()
) -> Iterator[Output]:
    """Yield an :class:`Output` for ``path``; publish it only if the block ends without an
    exception, else discard it. ``secret`` outputs (plaintext, private keys, shared secrets)
    are created mode 0600."""
    out = Output(path, overwrite=overwrite, secret=secret, inputs=inputs)
    try:
        yield out
    except BaseException:
        out.discard()
        raise
    try:
        out.file.flush()
    except OSError as exc:
        out.discard()
        raise _os_error(path, exc) from None
    out.publish()


def _write_all(out: Output, data: bytes) -> None:
    try:
        out.file.write(data)
        out.file.flush()
    except OSError as exc:
        raise _os_error(out.path, exc) from None


def write_output(
    path: str,
    data: bytes,
    *,
    overwrite: bool,
    secret: bool = False,
    inputs: Iterable[str | None] = (),
) -> None:
    """Write ``data`` to ``path`` under the rules above."""
    with open_output(path, overwrite=overwrite, secret=secret, inputs=inputs) as out:
        _write_all(out, data)


class OutputGroup:
    """Outputs that exist together or not at all (a key pair).

    ``add`` each member and write it; the block's successful end publishes them all. If the
    block fails, nothing is published; if a member cannot be published, those published
    before it are removed again (when they did not exist before).
    """

    def __init__(self, *, overwrite: bool, inputs: Iterable[str | None] = ()) -> None:
        self._overwrite = overwrite
        self._inputs = list(inputs)
        self._members: list[Output] = []
        self._to_stdout: list[bytes] = []

    def check(self, *paths: str) -> None:
        """Refuse, before any work, members that may not be written or that name one file."""
        seen: list[os.stat_result | str] = []
        for path in paths:
            check_output(path, overwrite=self._overwrite, inputs=self._inputs)
            key: os.stat_result | str = _stat(path) or os.path.realpath(path)
            for other in seen:
                same = (
                    _same_file(key, other)
                    if isinstance(key, os.stat_result) and isinstance(other, os.stat_result)
                    else key == other
                )
                if same:
                    raise OutputRefusedError(f"{path} is named twice as an output")
            seen.append(key)

    def add(self, path: str, data: bytes, *, secret: bool = False) -> None:
        """Write a member (``-``: standard output, written after every file is in place)."""
        if path == STDIO:
            self._to_stdout.append(data)
            return
        out = Output(path, overwrite=self._overwrite, secret=secret, inputs=self._inputs)
        self._members.append(out)
        _write_all(out, data)

    def __enter__(self) -> OutputGroup:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            for member in self._members:
                member.discard()
            return
        done: list[Output] = []
        try:
            for member in self._members:
                member.publish()
                done.append(member)
            for data in self._to_stdout:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
        except BaseException:
            for member in done:
                member.retract()
            for member in self._members[len(done) :]:
                member.discard()
            raise
