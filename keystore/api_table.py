"""The operation table: every KMS API operation the keystore offers, in one tuple, and
lookup by API name (what ``X-Amz-Target: TrentService.<Operation>`` names) or by ``aws
kms`` command name.

The table is the rows of four families (:mod:`keystore.api_keys`, ``api_asymmetric``,
``api_material``, ``api_authorization``), in that order. A lookup loads the families one by
one until it finds its row, so ``kmskit kms describe-key`` loads only the first family
rather than building every row of the table (issue 10: start-up); :data:`OPERATIONS`, the
whole table, loads all four when first read.

spec: docs/keystore.md, docs/cli.md ("kmskit kms"), docs/server.md
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kmskit.offline.errors import UnsupportedOperationException

if TYPE_CHECKING:
    from kmskit.keystore.api import Operation

    # The whole table (module __getattr__ below builds it when first read).
    OPERATIONS: tuple[Operation, ...]

__all__ = ["OPERATIONS", "operation_for_command", "operation_named"]


# The families, by module, in the table's order.
_FAMILIES = ("api_keys", "api_asymmetric", "api_material", "api_authorization")


def _rows() -> Iterator[Operation]:
    """The rows in the table's order, loading each family only when reached."""
    for family in _FAMILIES:
        module = importlib.import_module(f"kmskit.keystore.{family}")
        rows: tuple[Operation, ...] = module.OPERATIONS
        yield from rows


# Operations found by operation_named (only those: a server is asked for any name).
_FOUND: dict[str, Operation] = {}


def operation_named(api: str) -> Operation:
    """The operation whose KMS API name is ``api``.

    Raises :class:`UnsupportedOperationException` for a KMS operation the keystore does not
    offer (custom key stores, multi-Region keys …).
    """
    operation = _FOUND.get(api)
    if operation is None:
        operation = next((row for row in _rows() if row.api == api), None)
        if operation is None:
            raise UnsupportedOperationException(f"{api} is not supported by the local keystore")
        _FOUND[api] = operation
    return operation


def operation_for_command(name: str) -> Operation | None:
    """The operation of the ``aws kms`` command ``name`` (``describe-key``), or None."""
    return next((operation for operation in _rows() if operation.name == name), None)


def __getattr__(name: str) -> tuple[Operation, ...]:
    if name == "OPERATIONS":
        table = tuple(_rows())
        globals()["OPERATIONS"] = table  # built once
        return table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
