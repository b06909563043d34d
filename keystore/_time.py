"""Keystore time: the injected clock, read at millisecond precision as KMS reports times, and
the integer milliseconds the store keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kmskit.offline.errors import KeystoreError

__all__ = ["Clock", "from_ms", "now", "system_clock", "to_ms"]

Clock = Callable[[], datetime]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def system_clock() -> datetime:
    return datetime.now(UTC)


def now(clock: Clock) -> datetime:
    """The clock's time in UTC, truncated to milliseconds.

    Raises :class:`KeystoreError` if the clock returns a naive datetime.
    """
    when = clock()
    if when.tzinfo is None or when.utcoffset() is None:
        raise KeystoreError("the keystore clock must return timezone-aware datetimes")
    when = when.astimezone(UTC)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def to_ms(when: datetime) -> int:
    return (when - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)
