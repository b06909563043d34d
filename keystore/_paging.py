"""Page limits and opaque markers for the list operations."""

from __future__ import annotations

import base64
import binascii

from kmskit.keystore._limits import MAX_MARKER
from kmskit.offline.errors import InvalidMarkerException, ValidationException

__all__ = ["decode_marker", "encode_marker", "page_limit"]


def page_limit(limit: int | None, limits: tuple[int, int]) -> int:
    """``limit``, or the operation's default; raises :class:`ValidationException` outside
    1..maximum. ``limits`` is (maximum, default) from :mod:`keystore._limits`."""
    maximum, default = limits
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise ValidationException(f"Limit must be an integer from 1 to {maximum}")
    return limit


def encode_marker(kind: str, position: str) -> str:
    """A marker for the list ``kind`` that resumes after ``position``."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode("ascii")


def decode_marker(kind: str, marker: str | None) -> str | None:
    """The position a marker of list ``kind`` resumes after (``None`` for no marker).

    Raises :class:`InvalidMarkerException` for a marker this list did not hand out.
    """
    if marker is None:
        return None
    if not isinstance(marker, str) or not 1 <= len(marker) <= MAX_MARKER:
        raise InvalidMarkerException("the marker is not valid for this list")
    try:
        text = base64.urlsafe_b64decode(marker.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidMarkerException("the marker is not valid for this list") from None
    prefix = f"{kind}:"
    if not text.startswith(prefix):
        raise InvalidMarkerException("the marker is not valid for this list")
    return text[len(prefix) :]
