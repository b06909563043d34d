"""The operation table: every KMS API operation the keystore offers, in one tuple, and
lookup by API name (what ``X-Amz-Target: TrentService.<Operation>`` names).

spec: docs/keystore.md, docs/cli.md ("kmskit kms"), docs/server.md
"""

from __future__ import annotations

from kmskit.keystore import api_asymmetric, api_authorization, api_keys, api_material
from kmskit.keystore.api import Operation
from kmskit.offline.errors import UnsupportedOperationException

__all__ = ["OPERATIONS", "operation_named"]

OPERATIONS: tuple[Operation, ...] = (
    *api_keys.OPERATIONS,
    *api_asymmetric.OPERATIONS,
    *api_material.OPERATIONS,
    *api_authorization.OPERATIONS,
)

_BY_API = {operation.api: operation for operation in OPERATIONS}


def operation_named(api: str) -> Operation:
    """The operation whose KMS API name is ``api``.

    Raises :class:`UnsupportedOperationException` for a KMS operation the keystore does not
    offer (custom key stores, multi-Region keys …).
    """
    operation = _BY_API.get(api)
    if operation is None:
        raise UnsupportedOperationException(f"{api} is not supported by the local keystore")
    return operation
