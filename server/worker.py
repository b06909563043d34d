"""The keystore's own thread: it opens the keystore, owns its SQLite connection, and answers
requests in groups.

Requests queue up while the thread works. Each turn takes every request waiting (up to
:data:`MAX_GROUP`) and runs them one after another in one group commit (one transaction:
:meth:`Keystore.group_commit`). The commit does not wait for the disk; a second thread
fsyncs the log (:meth:`Keystore.sync_to_disk`, once for every group committed since its last
fsync) and only then hands the answers back. So the fsync is shared by whole groups, and the
next group runs while the previous one reaches the disk. No answer leaves before its
operation and audit record are committed and on stable storage; if a group's commit or its
fsync fails, every request in it gets ``KMSInternalException``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kmskit.server.dispatch import handle
from kmskit.server.errors import error_response
from kmskit.server.sigv4 import SignedRequest

if TYPE_CHECKING:
    from kmskit.keystore import Keystore

__all__ = ["MAX_GROUP", "KeystoreWorker"]

# Enough to amortise one fsync over a full house of clients, small enough that no request
# waits behind an unbounded queue.
MAX_GROUP = 64


@dataclass
class _Job:
    request: SignedRequest
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[tuple[int, bytes]]


class KeystoreWorker:
    """Owns the keystore on one thread; :meth:`answer` queues a request from the event
    loop and awaits its (status, body)."""

    def __init__(self, open_store: Callable[[], Keystore]) -> None:
        self._open_store = open_store
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="keystore", daemon=True)
        # committed groups waiting for their fsync; None ends the sync thread
        self._unsynced: queue.Queue[tuple[list[_Job], list[tuple[int, bytes]]] | None] = (
            queue.Queue()
        )
        self._sync_thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the keystore on the thread; re-raise what opening raised."""
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Finish the queued requests, close the keystore, end the thread."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    async def answer(self, request: SignedRequest) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._jobs.put(_Job(request, loop, future))
        return await future

    # -- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            store = self._open_store()
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._sync_thread = threading.Thread(
            target=self._sync, args=(store,), name="keystore-sync", daemon=True
        )
        self._sync_thread.start()
        try:
            while True:
                first = self._jobs.get()
                if first is None:
                    return
                group = [first]
                stopping = False
                while len(group) < MAX_GROUP:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stopping = True
                        break
                    group.append(job)
                self._answer_group(store, group)
                if stopping:
                    return
        finally:
            self._unsynced.put(None)
            self._sync_thread.join()  # every committed group is answered first
            store.close()

    def _answer_group(self, store: Keystore, group: list[_Job]) -> None:
        try:
            with store.group_commit(defer_sync=True):
                answers = [handle(store, job.request) for job in group]
        except Exception as exc:  # the commit failed: nothing in the group happened
            _settle_all(group, [error_response(exc)] * len(group))
            return
        self._unsynced.put((group, answers))

    def _sync(self, store: Keystore) -> None:
        """fsync once for every group committed since the last fsync, then answer them.
        Uses only ``store.sync_to_disk``, which touches no connection."""
        while True:
            first = self._unsynced.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while True:
                try:
                    more = self._unsynced.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            try:
                store.sync_to_disk()
            except Exception as exc:  # committed, but not known to be on disk: not acked
                batch = [(group, [error_response(exc)] * len(group)) for group, _ in batch]
            for group, answers in batch:
                _settle_all(group, answers)
            if stopping:
                return


def _settle_all(group: list[_Job], answers: list[tuple[int, bytes]]) -> None:
    for job, answer in zip(group, answers, strict=True):
        job.loop.call_soon_threadsafe(_settle, job.future, answer)


def _settle(future: asyncio.Future[Any], answer: tuple[int, bytes]) -> None:
    if not future.cancelled():  # the client went away meanwhile
        future.set_result(answer)
