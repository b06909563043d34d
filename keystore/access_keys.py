"""Access keys: the credentials ``kmskit serve`` accepts (AWS SigV4), issued by the keystore.

An access key is an id (``AKIA`` and 16 base32 characters, the shape of an IAM access key
id), a 40-character secret and the principal it authenticates as (an IAM user or role ARN).
The secret is sealed under the master key like key material (AES-256-GCM, bound to the id),
so a copy of the database alone reveals no secret. Issuing and deleting keys are audited;
the secret never is.

spec: docs/server.md ("Access keys")
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from kmskit.keystore._base import KeystoreBase
from kmskit.keystore._time import from_ms
from kmskit.offline.errors import NotFoundException, ValidationException

# The results and the patterns load when an access-key operation runs: every Keystore
# carries this mixin, and only ``kmskit access-key`` and the server use it.
if TYPE_CHECKING:
    from kmskit.keystore.results_access_keys import AccessKey, NewAccessKey

__all__ = ["AccessKeyOperations"]

_SEAL_LABEL = b"kmskit-access-key-v1"
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# string.ascii_letters + string.digits + "+/", the alphabet of AWS secret keys
_SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"  # noqa: S105
_ACCESS_KEY_ID = r"AKIA[A-Z2-7]{16}"
# IAM user and role ARNs (IAM User Guide, "IAM identifiers"): a path, then the name.
_PRINCIPAL = (
    r"arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)(/[\x21-\x7e]*)?/[A-Za-z0-9+=,.@_-]{1,64}"
)
_MAX_PRINCIPAL = 2048


@functools.cache
def _pattern(regex: str) -> re.Pattern[str]:
    """Compiled on first use, not at import (see the note above ``__all__``)."""
    return re.compile(regex)


class AccessKeyOperations(KeystoreBase):
    """Issuing, listing, deleting and looking up access keys."""

    def create_access_key(self, principal: str) -> NewAccessKey:
        """Issue an access key for ``principal`` (``arn:aws:iam::<account>:user/NAME`` or
        ``…:role/NAME``). Raises :class:`ValidationException` for another principal."""
        if (
            not isinstance(principal, str)
            or len(principal) > _MAX_PRINCIPAL
            or _pattern(_PRINCIPAL).fullmatch(principal) is None
        ):
            raise ValidationException(
                f"principal {principal!r} is not an IAM user or role ARN"
                " (arn:aws:iam::<account>:user/NAME)"
            )
        # secrets here: every Keystore carries this mixin, and it loads hmac and random.
        import secrets

        from kmskit.keystore.results_access_keys import AccessKey, NewAccessKey

        with self._operation("CreateAccessKey", Principal=principal) as op:
            access_key_id = "AKIA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
            secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
            op.params["AccessKeyId"] = access_key_id
            sealed = self._master.seal_labeled(
                _SEAL_LABEL, access_key_id.encode("ascii"), secret.encode("ascii"), self._rng
            )
            op.db.execute(
                "INSERT INTO access_keys (access_key_id, principal, created_ms, sealed)"
                " VALUES (?, ?, ?, ?)",
                (access_key_id, principal, op.now_ms, sealed),
            )
            return NewAccessKey(AccessKey(access_key_id, principal, op.now), secret)

    def list_access_keys(self) -> list[AccessKey]:
        """Every access key, oldest first, without secrets."""
        from kmskit.keystore.results_access_keys import AccessKey

        rows = self._connection().execute(
            "SELECT access_key_id, principal, created_ms FROM access_keys"
            " ORDER BY created_ms, access_key_id"
        )
        return [AccessKey(str(a), str(p), from_ms(int(c))) for a, p, c in rows]

    def delete_access_key(self, access_key_id: str) -> None:
        """Delete an access key; requests signed with it fail from now on.

        Raises :class:`NotFoundException` if there is no such key.
        """
        with self._operation("DeleteAccessKey", AccessKeyId=access_key_id) as op:
            deleted = op.db.execute(
                "DELETE FROM access_keys WHERE access_key_id = ?", (access_key_id,)
            ).rowcount
            if not deleted:
                raise NotFoundException(f"access key {access_key_id!r} does not exist")

    def access_key_secret(self, access_key_id: str) -> tuple[str, bytearray] | None:
        """The principal and secret (a bytearray: wipe it after use) of an access key, or
        None if there is none with this id. Not audited: the server audits the request
        that the key signs."""
        if _pattern(_ACCESS_KEY_ID).fullmatch(access_key_id) is None:
            return None
        row = (
            self._connection()
            .execute(
                "SELECT principal, sealed FROM access_keys WHERE access_key_id = ?",
                (access_key_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        secret = self._master.unseal_labeled(
            _SEAL_LABEL, access_key_id.encode("ascii"), bytes(row[1])
        )
        return str(row[0]), secret

