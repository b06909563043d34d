"""The file side of ``kmskit encrypt|decrypt|rewrap``: which outputs, written how.

:func:`plan` turns ``IN -o OUT [-r]`` into (source, target) jobs and refuses, before any
work, every output that could not or should not be written. :func:`pending_output` gives
the target as an unpublished :class:`kmskit.offline.output_file.Output`, put in place only
when the whole operation succeeded (and its ``--metadata-output`` line is written), else
dropped, leaving the target as it was (DESIGN.md, "I/O rules").

``-r`` mirrors a directory tree: encrypt appends the suffix (default ``.kmskit``) to every
file name, decrypt strips it (and appends ``.decrypted`` to a name without it, as the AWS
Encryption SDK CLI does), rewrap keeps the names.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal

import click

from kmskit.offline.errors import FileAccessError
from kmskit.offline.output_file import Output, check_output

if TYPE_CHECKING:
    from kmskit.envelope.aliyun_message import AliyunMessageInfo
    from kmskit.envelope.info import MessageInfo

__all__ = [
    "DEFAULT_SUFFIX",
    "STDIO",
    "Job",
    "MetadataLog",
    "Mode",
    "pending_output",
    "plan",
    "progress",
]

Mode = Literal["encrypt", "decrypt", "rewrap"]
STDIO = "-"
DEFAULT_SUFFIX = ".kmskit"
DECRYPTED_SUFFIX = ".decrypted"
# Inputs at least this large get a progress bar (when stderr is a terminal).
PROGRESS_THRESHOLD = 8 << 20


@dataclass(frozen=True)
class Job:
    source: str  # a path, or "-" for stdin
    target: str  # a path, or "-" for stdout


def _target_name(name: str, mode: Mode, suffix: str) -> str:
    if mode == "encrypt":
        return name + suffix
    if mode == "decrypt":
        if suffix and name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
        return name + DECRYPTED_SUFFIX
    return name


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _tree_jobs(source: Path, output: str, mode: Mode, suffix: str) -> list[Job]:
    if output == STDIO:
        raise click.UsageError("-r writes a directory tree; -o - cannot take it")
    out_root = Path(output)
    if out_root.exists() and not out_root.is_dir():
        raise click.UsageError(f"{output} is not a directory (-r mirrors {source} into it)")
    if _is_within(out_root, source):
        raise click.UsageError(f"the output directory {output} is inside the input {source}")
    jobs = []
    for base, dirs, files in os.walk(source):
        dirs.sort()
        for name in sorted(files):
            path = Path(base, name)
            if not path.is_file():
                continue  # sockets, fifos, dangling links
            relative = path.relative_to(source)
            target = out_root / relative.parent / _target_name(name, mode, suffix)
            jobs.append(Job(str(path), str(target)))
    if not jobs:
        raise click.UsageError(f"{source} holds no files")
    return jobs


def _single_job(source: str, output: str, mode: Mode, suffix: str) -> Job:
    if output != STDIO and Path(output).is_dir():
        if source == STDIO:
            raise click.UsageError(f"{output} is a directory; name the output file for stdin")
        return Job(source, str(Path(output) / _target_name(Path(source).name, mode, suffix)))
    return Job(source, output)


def _check_target(job: Job, *, overwrite: bool, tree: bool) -> None:
    if job.target == STDIO:
        return
    if not tree:
        check_output(job.target, overwrite=overwrite, inputs=[job.source])
        return
    target = Path(job.target)
    if job.source != STDIO and target.exists() and target.resolve() == Path(job.source).resolve():
        raise click.UsageError(f"{job.target} is the input itself; name another output")
    if target.is_dir():
        raise click.UsageError(f"{job.target} is a directory; name a file")
    if target.exists() and not overwrite:
        raise click.UsageError(f"{job.target} exists; pass --overwrite to replace it")
    if not tree and not target.parent.is_dir():
        raise click.UsageError(f"directory {target.parent} does not exist")


def plan(
    source: str,
    output: str,
    *,
    mode: Mode,
    recursive: bool,
    suffix: str,
    overwrite: bool,
    metadata_output: str | None = None,
) -> list[Job]:
    """The jobs for ``IN -o OUT``; raises click.UsageError for anything that would fail
    or overwrite without ``--overwrite``, before any work is done."""
    if metadata_output == STDIO and output == STDIO:
        raise click.UsageError("--metadata-output - and -o - would both write to stdout")
    if source != STDIO and not Path(source).exists():
        raise click.BadParameter(f"{source} does not exist", param_hint="IN")
    tree = source != STDIO and Path(source).is_dir()
    if tree and not recursive:
        raise click.UsageError(f"{source} is a directory; pass -r to process the tree")
    if recursive and source == STDIO:
        raise click.UsageError("-r needs a directory, not stdin")
    if tree:
        jobs = _tree_jobs(Path(source), output, mode, suffix)
    else:
        jobs = [_single_job(source, output, mode, suffix)]
    seen: set[str] = set()
    for job in jobs:
        _check_target(job, overwrite=overwrite, tree=tree)
        if job.target != STDIO:
            key = os.path.realpath(job.target)
            if key in seen:
                raise click.UsageError(f"two inputs would both write {job.target}")
            seen.add(key)
    if metadata_output not in (None, STDIO):
        _check_metadata_output(str(metadata_output), jobs)
    return jobs


def _check_metadata_output(path: str, jobs: list[Job]) -> None:
    """The metadata log is appended to: it must be neither an input nor an output."""
    try:
        log = os.stat(path)
    except OSError:
        log = None
    log_key = os.path.realpath(path)
    for job in jobs:
        for other in (job.source, job.target):
            if other == STDIO:
                continue
            try:
                st = os.stat(other)
            except OSError:
                st = None
            same = (
                (st.st_dev, st.st_ino) == (log.st_dev, log.st_ino)
                if st is not None and log is not None
                else os.path.realpath(other) == log_key
            )
            if same:
                raise click.UsageError(
                    f"--metadata-output {path} is also {other}: name another file"
                )


@contextlib.contextmanager
def pending_output(job: Job, *, overwrite: bool, secret: bool) -> Iterator[Output]:
    """Yield the unpublished :class:`Output` for ``job.target`` (its directories created for
    ``-r``); the caller publishes it. On any exception it is discarded and the target is left
    as it was. ``secret`` outputs (plaintext) are created mode 0600."""
    try:
        Path(job.target).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(f"cannot create {Path(job.target).parent}: {exc.strerror}") from None
    out = Output(job.target, overwrite=overwrite, secret=secret, inputs=[job.source])
    try:
        yield out
    except BaseException:
        out.discard()
        raise


class _Counting:
    """A source that reports how many bytes were read (for the progress bar)."""

    def __init__(self, src: BinaryIO, update: Callable[[int], None]) -> None:
        self._src: Any = src  # a buffered or raw binary file: both have readinto
        self._update = update

    def readinto(self, buf: Any) -> int | None:
        n: int | None = self._src.readinto(buf)
        if n:
            self._update(n)
        return n

    def read(self, size: int = -1, /) -> bytes:
        data: bytes = self._src.read(size)
        self._update(len(data))
        return data

    # A regular file stays addressable through the bar, so envelope/_parallel_frames.py can
    # still read it at offsets on worker threads; it reports those bytes here.
    def fileno(self) -> int:
        fd: int = self._src.fileno()
        return fd

    def seekable(self) -> bool:
        return bool(self._src.seekable())

    def tell(self) -> int:
        pos: int = self._src.tell()
        return pos

    def seek(self, pos: int, whence: int = 0, /) -> int:
        new: int = self._src.seek(pos, whence)
        return new

    def consumed_elsewhere(self, n: int) -> None:
        self._update(n)


@contextlib.contextmanager
def progress(src: BinaryIO, source: str) -> Iterator[Any]:
    """``src`` itself, or wrapped to drive a progress bar on stderr when stderr is a terminal
    and ``source`` is a regular file of at least 8 MiB."""
    size = 0
    if source != STDIO:
        with contextlib.suppress(OSError):
            size = os.fstat(src.fileno()).st_size
    stderr = sys.stderr
    if size < PROGRESS_THRESHOLD or not stderr.isatty():
        yield src
        return
    label = Path(source).name
    with click.progressbar(length=size, label=label, file=stderr) as bar:
        yield _Counting(src, bar.update)


class MetadataLog:
    """``--metadata-output``: one JSON line per file done, appended (AWS Encryption SDK CLI
    style: mode, input, output, header; plus the plaintext and message lengths)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._fh: IO[str] | None = None

    def __enter__(self) -> MetadataLog:
        if self._path == STDIO:
            self._fh = sys.stdout
        elif self._path is not None:
            try:
                self._fh = open(self._path, "a", encoding="utf-8")
            except OSError as exc:
                raise click.BadParameter(
                    f"cannot append to {self._path}: {exc.strerror}",
                    param_hint="--metadata-output",
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()

    def take_back(self, mark: int | None) -> None:
        """Remove what :meth:`write` appended after ``mark`` (its output was not published),
        so that every line names a file that exists."""
        if mark is None or self._fh is None or self._fh is sys.stdout:
            return
        with contextlib.suppress(OSError):
            self._fh.flush()
            os.truncate(self._fh.fileno(), mark)

    def line(self, mode: Mode, job: Job, info: MessageInfo | AliyunMessageInfo) -> dict[str, Any]:
        """The JSON object for one file done (subclasses give other shapes)."""
        fields = info.as_dict()
        header = {k: v for k, v in fields.items() if k not in ("PlaintextLength", "MessageLength")}
        return {
            "mode": mode,
            "input": job.source,
            "output": job.target,
            "header": header,
            "plaintext_length": fields.get("PlaintextLength"),
            "message_length": fields.get("MessageLength"),
        }

    def write(self, mode: Mode, job: Job, info: MessageInfo | AliyunMessageInfo) -> int | None:
        """Append the line for ``job``; return where it starts (for :meth:`take_back`) in a
        regular file, else None."""
        if self._fh is None:
            return None
        mark: int | None = None
        if self._fh is not sys.stdout:
            with contextlib.suppress(OSError):
                if os.path.isfile(self._path or ""):
                    self._fh.flush()
                    mark = os.fstat(self._fh.fileno()).st_size
        line = self.line(mode, job, info)
        try:
            self._fh.write(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
            self._fh.flush()
            if mark is not None:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            self.take_back(mark)
            raise FileAccessError(f"cannot append to {self._path}: {exc.strerror}") from None
        return mark
