"""Independent implementations that cross-check generated vectors: ``openssl`` and ``gmssl``.

An oracle judges one test at a time and answers with a :class:`~vectors._family.Verdict`,
or a :class:`Skip` naming why it cannot express the case (counted, never silently
dropped). ``leniency`` names the documented reason an oracle accepts an invalid case, if
there is one (docs/vectors.md#known-oracle-leniencies); every other difference is a
disagreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from offline.errors import ValidationException
from vectors._family import Verdict

__all__ = ["ORACLES", "Oracle", "Skip", "get_oracle"]

Json = Mapping[str, Any]
ORACLES: Final = ("openssl", "gmssl")


@dataclass(frozen=True)
class Skip:
    """The oracle cannot express this case; ``reason`` is one short, stable sentence."""

    reason: str


class Oracle(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def workers(self) -> int:
        """How many cases may run at once (threads; >1 only for subprocess oracles)."""
        ...

    def judge(self, kind: str, group: Json, test: Json) -> Verdict | Skip:
        """Return a Verdict, or a Skip when the case cannot be expressed."""
        ...

    def leniency(self, kind: str, group: Json, test: Json) -> str | None:
        """The documented reason this oracle accepts this invalid case, or None."""
        ...


def get_oracle(name: str) -> Oracle:
    """Return a ready oracle; raises ValidationException if unknown or not installed."""
    if name == "openssl":
        from vectors.oracles.openssl import OpensslOracle

        return OpensslOracle.locate()
    if name == "gmssl":
        from vectors.oracles.gmssl import GmsslOracle

        return GmsslOracle.locate()
    raise ValidationException(f"unknown oracle {name!r}; expected one of: {', '.join(ORACLES)}")
