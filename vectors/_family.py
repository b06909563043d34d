"""What a vector kind provides (the seam new kinds such as ``envelope`` plug into).

A :class:`Family` builds the groups of one kind from a DRBG and judges one test with kmskit.
Registering a family in :mod:`vectors._kinds` is all it takes for ``generate``, ``check`` and
the ``kmskit vectors`` command to know the kind; an oracle that can express it adds a
branch in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kmskit.offline.errors import KmskitError
from kmskit.vectors._doc import Group
from kmskit.vectors._drbg import Drbg

__all__ = ["Family", "Verdict", "judged"]

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Verdict:
    """How one implementation answered one test.

    ``accepted`` — the signature verified, or the decryption/derivation succeeded (then
    ``output`` holds the plaintext or shared secret). ``crashed`` — it failed with something
    other than a deliberate error (for kmskit, an exception that is not a KmskitError).
    """

    accepted: bool
    output: bytes | None = None
    detail: str = ""
    crashed: bool = False


@dataclass(frozen=True)
class Family:
    """One vector kind.

    ``build(rng, count)`` returns the header lines and groups; ``judge(group, test)`` runs the
    test through kmskit; ``expected_output(test)`` is what a valid test must produce (None for
    signatures).
    """

    kind: str
    algorithm: str
    default_count: int
    build: Callable[[Drbg, int], tuple[Sequence[str], Sequence[Group]]]
    judge: Callable[[Json, Json], Verdict]
    expected_output: Callable[[Json], bytes | None]


def judged(run: Callable[[], bytes | None]) -> Verdict:
    """Run one kmskit operation and turn its outcome into a Verdict.

    A KmskitError is a rejection; any other exception is a crash (a kmskit bug: parsers must
    wrap their failures).
    """
    try:
        output = run()
    except KmskitError as exc:
        return Verdict(False, detail=f"{exc.code}: {exc}")
    except Exception as exc:
        return Verdict(False, detail=f"{type(exc).__name__}: {exc}", crashed=True)
    return Verdict(True, output=output)


def no_output(test: Json) -> bytes | None:
    return None
