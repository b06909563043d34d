"""Overwriting secrets held in bytearrays once they are no longer needed."""

from __future__ import annotations

__all__ = ["wipe"]


def wipe(buf: bytearray) -> None:
    """Overwrite ``buf`` with zeros in place (its length is kept)."""
    buf[:] = bytes(len(buf))
