"""What every keystore operation family shares: the open store, running an operation, key
resolution, unsealing material, and the local ciphertext blob.

:class:`keystore.Keystore` is assembled from this base and one mixin per operation family
(``symmetric``, ``asymmetric``, ``mac``, ``data_key_pairs``, ``key_import``, ``rotation``,
``csr``); the public methods live on those mixins and form the Keystore API.

spec: docs/keystore.md
"""

from __future__ import annotations

import _thread
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from kmskit.keystore import _db, _keys, _maintenance
from kmskit.keystore._keys import KeyRow, is_symmetric_encryption
from kmskit.keystore._operation import Operation, run
from kmskit.keystore._time import Clock, now
from kmskit.keystore._wipe import wipe
from kmskit.keystore.audit import AuditLog
from kmskit.keystore.home import DB_NAME, HomeConfig
from kmskit.offline.errors import (
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    KeystoreError,
)
from kmskit.offline.specs import EncryptionAlgorithm, KeyUsage, profile

# The blob format, its ciphers and the private-key code load when an operation uses key
# material: every Keystore has this base, and DescribeKey and its kind never do.
if TYPE_CHECKING:
    from pathlib import Path

    from kmskit.keystore.audit_anchor import Anchor
    from kmskit.keystore.sealing import MasterKey
    from kmskit.offline.keys import PrivateKey

__all__ = ["KeystoreBase", "Rng"]

Rng = Callable[[int], bytes]


class KeystoreBase:
    """An open keystore home: the connection, the master key, the injected clock and rng."""

    def __init__(
        self,
        home: str,
        config: HomeConfig,
        conn: sqlite3.Connection,
        master: MasterKey,
        *,
        clock: Clock,
        rng: Rng,
    ) -> None:
        self._home = home  # a string: pathlib costs every command's start-up
        self.config = config
        self._conn: sqlite3.Connection | None = conn
        self._master = master
        self._clock = clock
        self._rng = rng
        self._principal: str | None = None
        # The operation table's check for its next call (KeyPolicyOperations.authorizing):
        # the operation name it is for, and the check run in that operation's transaction.
        self._pending_check: tuple[str, Callable[[Operation], None]] | None = None
        self.audit = AuditLog(self._connection)
        # A deferred group commit's audit anchor state, written once sync_to_disk has made
        # it durable (it runs on another thread: kmskit serve's sync thread).
        # _thread's lock is threading.Lock itself, without importing threading (start-up).
        self._anchor_lock = _thread.allocate_lock()
        self._unsynced_anchor: Anchor | None = None

    @property
    def home(self) -> Path:
        """The home directory (absolute)."""
        from pathlib import Path

        return Path(self._home)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database and forget the master key. Safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._master.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def as_caller(
        self, *, region: str | None = None, principal: str | None = None
    ) -> Iterator[Self]:
        """Run the operations in the block for one caller: ARNs name ``region`` (the
        request's region, as KMS answers in the region it was called in) instead of the
        home's, and every audit record names ``principal``.

        One caller at a time: the keystore is not shared between threads. Raises
        :class:`ValidationException` for a malformed region.
        """
        saved = (self.config, self._principal)
        if region is not None and region != self.config.region:
            self.config = self.config._replace(region=region)
        self._principal = principal
        try:
            yield self
        finally:
            self.config, self._principal = saved

    @contextmanager
    def group_commit(self, *, defer_sync: bool = False) -> Iterator[None]:
        """Run the operations in the block in one transaction, made durable by one fsync
        when the block ends (a server answering many clients at once). Each operation still
        succeeds or fails alone and is audited as usual, but none is durable, and none may
        be acknowledged, before the block has ended without raising. Raises
        :class:`KeystoreError` if the final commit fails: then none of them happened.

        With ``defer_sync`` the block ends without waiting for the disk; the operations are
        durable, and may be acknowledged, only once :meth:`sync_to_disk` has returned after
        it (which may run on another thread while the next group runs here)."""
        conn = self._connection()
        with _db.group_commit(conn, defer_sync=defer_sync):
            yield
        if defer_sync:
            # The audit anchor must never be ahead of the disk (a crash would then look like
            # a truncated log), so it moves in sync_to_disk, after the fsync. Read the state
            # to anchor now, on the connection's own thread.
            from kmskit.keystore.audit_anchor import anchor_of

            newest = anchor_of(conn)
            with self._anchor_lock:
                self._unsynced_anchor = newest

    def sync_to_disk(self) -> None:
        """Make every committed operation durable (fsync), then move the audit anchor up to
        the deferred group commits that the fsync covered; safe on any thread.

        The anchor state is taken before the fsync: everything committed by then is on disk
        once it returns. A group committed during the fsync is anchored by the next call.
        """
        with self._anchor_lock:
            newest, self._unsynced_anchor = self._unsynced_anchor, None
        _db.sync_to_disk(os.path.join(self._home, DB_NAME))
        if newest is not None:
            from kmskit.keystore.audit_anchor import advance_anchor

            # As after any commit (_db.commit): a failed anchor write does not undo durable
            # operations; the anchor catches up at the next sync.
            with suppress(KeystoreError):
                advance_anchor(self._home, newest, self._master)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise KeystoreError("the keystore is closed")
        return self._conn

    def run_due_work(self) -> None:
        """Expire imported key material whose ValidTo has passed, perform due automatic
        rotations, and drop expired import parameters (each change audited).

        :func:`keystore.open_keystore` and every operation call this first, so time-driven
        changes happen by the injected clock, as if KMS had made them on time.
        """
        _maintenance.run_due_work(
            self._connection(), self._master, self.config, self._rng, now(self._clock)
        )

    def _operation(self, name: str, **params: Any) -> AbstractContextManager[Operation]:
        self.run_due_work()
        check = None
        if self._pending_check is not None and self._pending_check[0] == name:
            check = self._pending_check[1]
            self._pending_check = None  # one check, for the table's one operation
        return run(
            self._connection(),
            self._clock,
            name,
            params,
            principal=self._principal,
            authorize=check,
        )

    def _resolve(self, op: Operation, key_id: str) -> KeyRow:
        row = _keys.resolve_key(op.db, self.config, key_id)
        op.key_arn = self.config.key_arn(row.key_id)
        return row

    def _require_usage(self, row: KeyRow, usage: KeyUsage) -> None:
        """The state check, then the usage check (InvalidKeyUsageException)."""
        _keys.require_usable(row, self.config)
        if row.key_usage is not usage:
            raise InvalidKeyUsageException(
                f"{self.config.key_arn(row.key_id)} has key usage {row.key_usage}, not {usage}"
            )

    # -- material -----------------------------------------------------------------------------

    def _unseal(self, row: KeyRow, material_id: int) -> bytearray:
        sealed = _keys.load_sealed(self._connection(), row.key_id, material_id)
        if sealed is None:
            raise InvalidCiphertextException("the ciphertext names key material that is not here")
        return self._master.unseal(row.uuid_bytes, material_id, sealed)

    def _current_material(self, row: KeyRow) -> tuple[bytearray, int]:
        """The current material (a bytearray to wipe) and its id."""
        material_id = row.current_material_id
        if material_id is None:  # Enabled keys always have material
            raise KeystoreError(f"{self.config.key_arn(row.key_id)} has no key material")
        return self._unseal(row, material_id), material_id

    def _private_key(self, row: KeyRow) -> PrivateKey:
        """The private key of an asymmetric key (its sealed PKCS #8)."""
        from kmskit.offline.keys import load_private_key

        material, _ = self._current_material(row)
        try:
            return load_private_key(bytes(material))
        finally:
            wipe(material)

    # -- the local ciphertext blob (spec: docs/keystore.md#blob) ------------------------------

    def _require_encryption_key(self, row: KeyRow, algorithm: EncryptionAlgorithm) -> None:
        """State, then ENCRYPT_DECRYPT usage, then the algorithm for the key spec."""
        self._require_usage(row, KeyUsage.ENCRYPT_DECRYPT)
        if algorithm not in profile(row.key_spec).encryption_for(row.key_usage):
            raise InvalidKeyUsageException(
                f"{self.config.key_arn(row.key_id)} does not support {algorithm}"
            )

    def _seal_blob(
        self, row: KeyRow, plaintext: bytes | bytearray, context: Mapping[str, str]
    ) -> tuple[bytes, int]:
        """A blob under the key's current material; returns it with the material id."""
        import uuid  # only here: its platform import costs every command start-up

        from kmskit.keystore._aead import gcm_encrypt
        from kmskit.keystore.blob import IV_LENGTH, blob_aad, encode_blob, encode_header

        key, material_id = self._current_material(row)
        try:
            iv = self._rng(IV_LENGTH)
            header = encode_header(uuid.UUID(row.key_id), material_id, iv)
            sealed = gcm_encrypt(row.key_spec, key, iv, plaintext, blob_aad(header, context))
        finally:
            wipe(key)
        return encode_blob(header, sealed), material_id

    def _open_blob(
        self,
        op: Operation,
        ciphertext_blob: bytes,
        context: Mapping[str, str],
        given: KeyRow | None,
    ) -> tuple[KeyRow, bytearray, int]:
        """Decrypt a blob with the material it names. ``given`` is the key the caller named,
        already resolved: it must be the blob's key (IncorrectKeyException)."""
        from kmskit.keystore._aead import gcm_decrypt
        from kmskit.keystore.blob import blob_aad, parse_blob

        parsed = parse_blob(ciphertext_blob)
        blob_key = str(parsed.key_id)
        if given is not None and given.key_id != blob_key:
            raise IncorrectKeyException("the ciphertext was encrypted under another key")
        row = _keys.load_key(op.db, blob_key)
        if row is None:
            raise InvalidCiphertextException("the ciphertext names no key in this keystore")
        op.key_arn = self.config.key_arn(row.key_id)
        _keys.require_usable(row, self.config)
        if not is_symmetric_encryption(row.key_spec):
            raise InvalidCiphertextException("the ciphertext names a key that cannot decrypt it")
        key = self._unseal(row, parsed.material_id)
        try:
            plaintext = gcm_decrypt(
                row.key_spec,
                key,
                parsed.iv,
                parsed.ciphertext_and_tag,
                blob_aad(parsed.header, context),
            )
        finally:
            wipe(key)
        return row, plaintext, parsed.material_id
