"""The vector document: cases, tcId numbering, notes, the generator block and canonical JSON.

A generated file is a Wycheproof-shaped JSON object (docs/vectors.md#json-format). Every test
has ``result`` from the closed vocabulary :data:`RESULTS`; every flag it carries is explained
in the file's ``notes``. Serialisation is canonical (sorted keys, two-space indent, fixed
separators, ASCII, one trailing newline), so the same document is always the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Literal, TypeVar

from kmskit.vectors._drbg import Drbg
from kmskit.vectors._notes import FLAGS

__all__ = [
    "FORMAT_VERSION",
    "RESULTS",
    "Case",
    "CaseFn",
    "Group",
    "Result",
    "assemble",
    "dumps",
    "flip_bit",
    "run_cases",
]

FORMAT_VERSION: Final = 1
Result = Literal["valid", "invalid"]
RESULTS: Final[tuple[Result, ...]] = ("valid", "invalid")

C = TypeVar("C")


@dataclass(frozen=True)
class Case:
    """One test: exactly one thing differs from a valid input, named by ``flags``."""

    comment: str
    result: Result
    flags: tuple[str, ...]
    fields: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}")
        unknown = [f for f in self.flags if f not in FLAGS]
        if unknown:
            raise ValueError(f"flags without a note: {unknown}")


@dataclass(frozen=True)
class CaseFn(Generic[C]):
    """A named case generator. The name is part of the DRBG label, so it must never change."""

    name: str
    make: Callable[[C, Drbg], Case | None]


@dataclass(frozen=True)
class Group:
    """A test group: its fields (key, hash, …) and its cases in order."""

    fields: Mapping[str, Any]
    cases: Sequence[Case] = field(default_factory=tuple)


def run_cases(cases: Iterable[CaseFn[C]], ctx: C, rng: Drbg) -> list[Case]:
    """Run each generator with its own stream ``<rng label>/<case name>``; drop Nones."""
    out = []
    for fn in cases:
        made = fn.make(ctx, rng.child(fn.name))
        if made is not None:
            out.append(made)
    return out


def assemble(
    *,
    kind: str,
    algorithm: str,
    seed: str,
    count: int,
    header: Sequence[str],
    groups: Sequence[Group],
    version: str,
) -> dict[str, Any]:
    """Number the tests (tcId 1, 2, …) and build the whole document."""
    test_groups = []
    used: set[str] = set()
    tc_id = 0
    for group in groups:
        tests = []
        for case in group.cases:
            tc_id += 1
            used.update(case.flags)
            tests.append(
                {
                    "tcId": tc_id,
                    "comment": case.comment,
                    "flags": list(case.flags),
                    **case.fields,
                    "result": case.result,
                }
            )
        test_groups.append({**group.fields, "tests": tests})
    notes = {
        flag: {"bugType": FLAGS[flag].bug_type, "description": FLAGS[flag].description}
        for flag in sorted(used)
    }
    return {
        "algorithm": algorithm,
        "generator": {
            "count": count,
            "drbg": "HMAC-SHA256-CTR/v1",
            "format": FORMAT_VERSION,
            "kind": kind,
            "name": "kmskit",
            "seed": seed,
            "version": version,
        },
        "header": list(header),
        "notes": notes,
        "numberOfTests": tc_id,
        "testGroups": test_groups,
    }


def dumps(doc: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, indent 2, ASCII, one trailing newline."""
    text = json.dumps(doc, sort_keys=True, indent=2, separators=(",", ": "), ensure_ascii=True)
    return (text + "\n").encode("ascii")


def flip_bit(data: bytes, rng: Drbg, *, low_half: bool = False) -> bytes:
    """Flip one bit of ``data`` chosen by ``rng`` (only in the last half if ``low_half``).

    ``low_half`` keeps a big-endian number below a modulus it was already below, within
    a factor of two: used for RSA values, so a flipped signature stays in range.
    """
    if not data:
        raise ValueError("cannot flip a bit of empty data")
    start = len(data) // 2 if low_half else 0
    bit = rng.scalar((len(data) - start) * 8) - 1
    index = start + bit // 8
    out = bytearray(data)
    out[index] ^= 1 << (bit % 8)
    return bytes(out)
