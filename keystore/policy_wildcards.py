"""IAM wildcard matching: ``*`` (any run of characters) and ``?`` (one character).

IAM uses these in ``Action``, ``Resource`` and the ``StringLike``/``ArnLike`` condition
operators; nothing else is special, so every other character matches itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["wildcard_match"]


@lru_cache(maxsize=1024)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """Whether ``text`` matches the IAM wildcard ``pattern`` as a whole."""
    return _compiled(pattern, ignore_case).fullmatch(text) is not None
