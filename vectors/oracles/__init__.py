"""Independent implementations that cross-check generated vectors: ``openssl``, ``gmssl``, ``esdk``.

An oracle judges one test at a time and answers with a :class:`~vectors._family.Verdict`,
or a :class:`Skip` naming why it cannot express the case (counted, never silently
dropped). ``leniency`` names the documented reason an oracle accepts an invalid case, if
there is one (docs/vectors.md#known-oracle-leniencies); every other difference is a
disagreement. ``esdk`` (aws-encryption-sdk) checks envelope vector directories only; it
also satisfies :class:`EnvelopeOracle`, which judges one resolved envelope test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from kmskit.offline.errors import ValidationException
from kmskit.vectors._family import Verdict

if TYPE_CHECKING:
    from kmskit.vectors._envelope_check import EnvelopeTest

__all__ = [
    "ENVELOPE_ORACLES",
    "ORACLES",
    "EnvelopeOracle",
    "Oracle",
    "Skip",
    "get_envelope_oracle",
    "get_oracle",
]

Json = Mapping[str, Any]
ORACLES: Final = ("openssl", "gmssl", "esdk")
ENVELOPE_ORACLES: Final = ("esdk",)


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


class EnvelopeOracle(Protocol):
    @property
    def name(self) -> str: ...

    def judge_message(self, test: EnvelopeTest) -> Verdict | Skip:
        """Decrypt one envelope test: a Verdict, or a Skip when it cannot be expressed."""
        ...

    def message_leniency(self, test: EnvelopeTest) -> str | None:
        """The documented reason this oracle accepts this invalid test, or None."""
        ...


def get_oracle(name: str) -> Oracle:
    """Return a ready oracle; raises ValidationException if unknown or not installed."""
    if name == "openssl":
        from kmskit.vectors.oracles.openssl import OpensslOracle

        return OpensslOracle.locate()
    if name == "gmssl":
        from kmskit.vectors.oracles.gmssl import GmsslOracle

        return GmsslOracle.locate()
    if name == "esdk":
        from kmskit.vectors.oracles.esdk import EsdkOracle

        return EsdkOracle.locate()
    raise ValidationException(f"unknown oracle {name!r}; expected one of: {', '.join(ORACLES)}")


def get_envelope_oracle(name: str) -> EnvelopeOracle:
    """Return a ready oracle for envelope vectors; raises ValidationException for one that
    cannot check envelope messages, or is not installed."""
    if name not in ENVELOPE_ORACLES:
        raise ValidationException(
            f"oracle {name!r} cannot check envelope vectors; expected one of:"
            f" {', '.join(ENVELOPE_ORACLES)}"
        )
    from kmskit.vectors.oracles.esdk import EsdkOracle

    return EsdkOracle.locate()
