"""Generate a document and check one: run every case through kmskit and, optionally, an oracle.

``check`` first validates the document against the format (docs/vectors.md#json-format): a
known kind, the closed ``result`` vocabulary, unique tcIds, ``numberOfTests`` and a note for
every flag. A malformed file raises :class:`ValidationException`; a well-formed file always
yields a :class:`CheckReport`, whatever the answers.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from typing import Any, Final

from kmskit.offline.errors import ValidationException
from kmskit.vectors._doc import RESULTS, assemble
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._family import Family, Json, Verdict
from kmskit.vectors._kinds import family
from kmskit.vectors._report import CaseProblem, CheckReport, OracleSummary
from kmskit.vectors.oracles import Oracle, Skip, get_oracle

__all__ = ["MAX_COUNT", "Progress", "check", "generate"]

MAX_COUNT: Final = 64
Progress = Callable[[int, int], None]
_HEX_FIELDS: Final = ("msg", "sig", "ct", "public", "private", "shared")
_GROUP_HEX_FIELDS: Final = ("publicKeyDer", "sm2Id")


def _is_hex(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _version() -> str:
    try:
        return metadata.version("kmskit")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def generate(kind: str, *, seed: str, count: int | None = None) -> dict[str, Any]:
    """Build the vector document for ``kind`` from ``seed``; deterministic.

    ``count`` is the number of keys per parameter set (for ECDH, repetitions of the case
    list; docs/vectors.md#commands), by default the kind's own. Every case
    is checked by kmskit before the document is returned. Raises ValidationException for an
    unknown kind, a count outside [1, 64] or a non-string seed; RuntimeError if kmskit
    disagrees with a case it just generated (a bug in kmskit or in the generator).
    """
    fam = family(kind)
    if not isinstance(seed, str):
        raise ValidationException("the seed must be a string")
    n = fam.default_count if count is None else count
    if not 1 <= n <= MAX_COUNT:
        raise ValidationException(f"count must be between 1 and {MAX_COUNT} (got {n})")
    header, groups = fam.build(Drbg(seed, kind), n)
    doc = assemble(
        kind=kind,
        algorithm=fam.algorithm,
        seed=seed,
        count=n,
        header=header,
        groups=groups,
        version=_version(),
    )
    report = check(doc)
    if not report.ok:
        first = report.failures[0]
        raise RuntimeError(
            f"kmskit disagrees with {len(report.failures)} generated {kind} case(s); first:"
            f" tcId {first.tc_id} ({first.comment}) expected {first.expected}, got"
            f" {first.got}: {first.detail}"
        )
    return doc


def _fail(message: str) -> ValidationException:
    return ValidationException(f"not a kmskit vector file: {message}")


def _validate(doc: Any) -> tuple[Family, list[tuple[Json, Json]]]:
    if not isinstance(doc, Mapping):
        raise _fail("the top level is not a JSON object")
    generator = doc.get("generator")
    if not isinstance(generator, Mapping) or not isinstance(generator.get("kind"), str):
        raise _fail("no generator.kind")
    fam = family(generator["kind"])
    if doc.get("algorithm") != fam.algorithm:
        raise _fail(f"algorithm {doc.get('algorithm')!r} does not match kind {fam.kind}")
    notes = doc.get("notes")
    groups = doc.get("testGroups")
    if not isinstance(notes, Mapping) or not isinstance(groups, list):
        raise _fail("notes or testGroups missing")
    cases: list[tuple[Json, Json]] = []
    seen: set[int] = set()
    for group in groups:
        if not isinstance(group, Mapping) or not isinstance(group.get("tests"), list):
            raise _fail("a test group has no tests list")
        bad = [f for f in _GROUP_HEX_FIELDS if f in group and not _is_hex(group[f])]
        if bad:
            raise _fail(f"group field {bad[0]} is not hex")
        for test in group["tests"]:
            if not isinstance(test, Mapping):
                raise _fail("a test is not an object")
            tc_id = test.get("tcId")
            if not isinstance(tc_id, int) or tc_id in seen:
                raise _fail(f"missing or duplicate tcId {tc_id!r}")
            seen.add(tc_id)
            result = test.get("result")
            if not isinstance(result, str) or result not in RESULTS:
                raise _fail(f"tcId {tc_id}: result must be one of {', '.join(RESULTS)}")
            bad = [f for f in _HEX_FIELDS if f in test and not _is_hex(test[f])]
            if bad:
                raise _fail(f"tcId {tc_id}: {bad[0]} is not hex")
            flags = test.get("flags", [])
            if not isinstance(flags, list) or not all(
                isinstance(f, str) and f in notes for f in flags
            ):
                raise _fail(f"tcId {tc_id}: a flag has no entry in notes")
            cases.append((group, test))
    if doc.get("numberOfTests") != len(cases):
        raise _fail(f"numberOfTests is {doc.get('numberOfTests')!r}, found {len(cases)}")
    return fam, cases


def _problem(test: Json, verdict: Verdict, want: bytes | None) -> CaseProblem | None:
    expected = test["result"]
    if verdict.crashed:
        got = "crashed"
    elif expected == "valid" and not verdict.accepted:
        got = "rejected"
    elif expected == "valid" and want is not None and verdict.output != want:
        got = "wrong output"
    elif expected == "invalid" and verdict.accepted:
        got = "accepted"
    else:
        return None
    return CaseProblem(
        int(test["tcId"]),
        str(test.get("comment", "")),
        tuple(test.get("flags", [])),
        expected,
        got,
        verdict.detail,
    )


def _run_oracle(
    oracle: Oracle,
    fam: Family,
    cases: list[tuple[Json, Json]],
    tick: Callable[[], None],
) -> OracleSummary:
    def one(case: tuple[Json, Json]) -> Verdict | Skip:
        try:
            return oracle.judge(fam.kind, case[0], case[1])
        finally:
            tick()

    if oracle.workers > 1:
        with ThreadPoolExecutor(max_workers=oracle.workers) as pool:
            verdicts = list(pool.map(one, cases))
    else:
        verdicts = [one(case) for case in cases]
    skips: Counter[str] = Counter()
    disagreements: list[CaseProblem] = []
    lenient: list[tuple[CaseProblem, str]] = []
    agreed = 0
    for (group, test), verdict in zip(cases, verdicts, strict=True):
        if isinstance(verdict, Skip):
            skips[verdict.reason] += 1
            continue
        problem = _problem(test, verdict, fam.expected_output(test))
        if problem is None:
            agreed += 1
            continue
        reason = oracle.leniency(fam.kind, group, test) if problem.got == "accepted" else None
        if reason is not None:
            lenient.append((problem, reason))
        else:
            disagreements.append(problem)
    return OracleSummary(
        name=oracle.name,
        checked=len(cases) - sum(skips.values()),
        agreed=agreed,
        skipped=sum(skips.values()),
        skip_reasons=tuple(sorted(skips.items())),
        disagreements=tuple(disagreements),
        known_leniencies=tuple(lenient),
    )


def check(
    doc: Mapping[str, Any], *, oracle: str | None = None, progress: Progress | None = None
) -> CheckReport:
    """Run every case of ``doc`` through kmskit (and through ``oracle``, if named).

    ``progress(done, total)`` is called after each case. Returns the report; raises
    ValidationException for a malformed document or an unknown or unavailable oracle.
    """
    fam, cases = _validate(doc)
    orc = get_oracle(oracle) if oracle is not None else None
    total = len(cases) * (2 if orc is not None else 1)
    done = 0
    lock = threading.Lock()

    def tick() -> None:
        nonlocal done
        with lock:
            done += 1
            if progress is not None:
                progress(done, total)

    failures = []
    for group, test in cases:
        problem = _problem(test, fam.judge(group, test), fam.expected_output(test))
        if problem is not None:
            failures.append(problem)
        tick()
    summary = _run_oracle(orc, fam, cases, tick) if orc is not None else None
    return CheckReport(
        kind=fam.kind,
        algorithm=fam.algorithm,
        total=len(cases),
        passed=len(cases) - len(failures),
        failures=tuple(failures),
        oracle=summary,
    )
