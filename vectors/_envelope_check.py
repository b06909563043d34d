"""Check an envelope vector directory: every test through kmskit and, optionally, the ESDK.

kmskit must produce exactly the declared ``kmskit-expect``: the plaintext for ``success``,
otherwise an error of the declared class (:func:`vectors._envelope_expect.classify`). An
oracle need only accept valid tests with the right plaintext and reject the others, as the
framework asks (``error-description`` names no error type); what it cannot express it skips,
with the reason. The directory is validated first: a malformed one raises
:class:`ValidationException`, a well-formed one always yields a :class:`CheckReport`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

from kmskit.envelope import decrypt
from kmskit.envelope.suites import DEFAULT_MAX_ENCRYPTED_DATA_KEYS
from kmskit.offline.errors import KmskitError, ValidationException
from kmskit.vectors._envelope_expect import EXPECT, SUCCESS, classify
from kmskit.vectors._envelope_keys import Keys, keyring_for, load_keys
from kmskit.vectors._family import Verdict
from kmskit.vectors._report import CaseProblem, CheckReport, OracleSummary
from kmskit.vectors.envelope import ALGORITHM, EXTENDED_MANIFEST, KIND, MANIFEST

__all__ = ["EnvelopeTest", "check_tree", "load_tests"]

Progress = Callable[[int, int], None]
Source = Mapping[str, bytes] | str | os.PathLike[str]
_MAX_FILE: Final = 64 << 20


def _fail(message: str) -> ValidationException:
    return ValidationException(f"not a kmskit envelope vector directory: {message}")


@dataclass(frozen=True)
class EnvelopeTest:
    """One test, resolved: its bytes, keys and expectation."""

    index: int  # 1-based, manifest.json first, then kmskit-manifest.json, ids sorted
    test_id: str
    manifest: str
    description: str
    expect: str
    ciphertext: bytes = field(repr=False)
    plaintext: bytes | None = field(repr=False)
    master_keys: tuple[Mapping[str, Any], ...]
    keys: Keys = field(repr=False)
    required_context: Mapping[str, str] | None = None
    max_encrypted_data_keys: int | None = None
    tampering: str | None = None

    @property
    def valid(self) -> bool:
        return self.expect == SUCCESS


def _reader(source: Source) -> Callable[[str], bytes | None]:
    """``read(relative path)`` over a tree or a directory; None when the file is absent."""
    if isinstance(source, Mapping):
        return source.get
    root = Path(source)
    if not root.is_dir():
        raise _fail(f"{root} is not a directory")
    base = root.resolve()

    def read(rel: str) -> bytes | None:
        path = (base / rel).resolve()
        if not path.is_relative_to(base):
            raise _fail(f"{rel} points outside the directory")
        if not path.is_file():
            return None
        if path.stat().st_size > _MAX_FILE:
            raise _fail(f"{rel} is larger than {_MAX_FILE} bytes")
        return path.read_bytes()

    return read


def _uri(value: Any, what: str) -> str:
    """The relative path of a ``file://`` URI, refusing absolute paths and ``..``."""
    if not isinstance(value, str) or not value.startswith("file://"):
        raise _fail(f"{what} is not a file:// URI")
    rel = PurePosixPath(value[len("file://") :])
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise _fail(f"{what} must be a relative path inside the directory")
    return str(rel)


def _json(read: Callable[[str], bytes | None], rel: str) -> Any:
    data = read(rel)
    if data is None:
        raise _fail(f"{rel} is missing")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _fail(f"{rel} is not JSON") from None


def _test(
    read: Callable[[str], bytes | None],
    manifest: str,
    index: int,
    test_id: str,
    spec: Any,
    keys: Keys,
) -> EnvelopeTest:
    where = f"test {test_id!r} of {manifest}"
    if not isinstance(spec, Mapping):
        raise _fail(f"{where} is not an object")
    expect = spec.get("kmskit-expect")
    if expect not in EXPECT:
        raise _fail(f"{where}: kmskit-expect must be one of {', '.join(EXPECT)}")
    result = spec.get("result")
    if not isinstance(result, Mapping) or len(result) != 1:
        raise _fail(f"{where}: result must hold exactly one of output, error")
    plaintext = None
    if "output" in result:
        if expect != SUCCESS:
            raise _fail(f"{where}: an output result with kmskit-expect {expect}")
        plaintext = read(_uri(result["output"].get("plaintext"), f"{where} plaintext"))
        if plaintext is None:
            raise _fail(f"{where}: its plaintext file is missing")
    elif "error" not in result or expect == SUCCESS:
        raise _fail(f"{where}: result and kmskit-expect disagree")
    ciphertext = read(_uri(spec.get("ciphertext"), f"{where} ciphertext"))
    if ciphertext is None:
        raise _fail(f"{where}: its ciphertext file is missing")
    master_keys = spec.get("master-keys")
    if not isinstance(master_keys, list) or not master_keys:
        raise _fail(f"{where}: master-keys must be a non-empty list")
    required = spec.get("kmskit-required-encryption-context")
    if required is not None and not (
        isinstance(required, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in required.items())
    ):
        raise _fail(f"{where}: kmskit-required-encryption-context must map strings to strings")
    limit = spec.get("kmskit-max-encrypted-data-keys")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise _fail(f"{where}: kmskit-max-encrypted-data-keys must be a positive integer")
    tampering = spec.get("kmskit-tampering")
    if tampering is not None and not isinstance(tampering, str):
        raise _fail(f"{where}: kmskit-tampering must be a string")
    return EnvelopeTest(
        index=index,
        test_id=test_id,
        manifest=manifest,
        description=str(spec.get("description", "")),
        expect=expect,
        ciphertext=ciphertext,
        plaintext=plaintext,
        master_keys=tuple(master_keys),
        keys=keys,
        required_context=required,
        max_encrypted_data_keys=limit,
        tampering=tampering,
    )


def load_tests(source: Source) -> list[EnvelopeTest]:
    """Read and validate ``manifest.json`` (and ``kmskit-manifest.json`` when present).

    Raises ValidationException for anything that is not a kmskit envelope vector directory.
    """
    read = _reader(source)
    tests: list[EnvelopeTest] = []
    for manifest in (MANIFEST, EXTENDED_MANIFEST):
        if manifest == EXTENDED_MANIFEST and read(manifest) is None:
            continue
        doc = _json(read, manifest)
        if not isinstance(doc, Mapping) or doc.get("manifest") != {
            "type": "awses-decrypt",
            "version": 2,
        }:
            raise _fail(f"{manifest} is not an awses-decrypt version 2 manifest")
        generator = doc.get("kmskit", {}).get("generator", {})
        if not isinstance(generator, Mapping) or generator.get("kind") != KIND:
            raise _fail(f"{manifest} was not written by kmskit vectors generate --kind envelope")
        keys_file = _uri(doc.get("keys"), f"{manifest} keys")
        keys = load_keys(_json(read, keys_file), keys_file)
        specs = doc.get("tests")
        if not isinstance(specs, Mapping):
            raise _fail(f"{manifest} has no tests object")
        for test_id in sorted(specs):
            tests.append(_test(read, manifest, len(tests) + 1, test_id, specs[test_id], keys))
    return tests


def kmskit_outcome(test: EnvelopeTest) -> tuple[str, bytes | None, str]:
    """(observed outcome, plaintext, detail) of decrypting ``test`` with kmskit; the outcome
    is ``success``, a vocabulary name, ``other`` or ``crashed``."""
    keyrings = [keyring_for(spec, test.keys) for spec in test.master_keys]
    try:
        plaintext, _ = decrypt(
            test.ciphertext,
            keyrings=keyrings,
            required_context=test.required_context,
            max_encrypted_data_keys=test.max_encrypted_data_keys or DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
        )
    except KmskitError as exc:
        return classify(exc) or "other", None, f"{exc.code}: {exc}"
    except Exception as exc:
        return "crashed", None, f"{type(exc).__name__}: {exc}"
    return SUCCESS, plaintext, ""


def _kmskit_problem(test: EnvelopeTest) -> CaseProblem | None:
    observed, plaintext, detail = kmskit_outcome(test)
    if observed == test.expect and (not test.valid or plaintext == test.plaintext):
        return None
    got = "wrong output" if observed == test.expect else observed
    return CaseProblem(test.index, test.test_id, (test.expect,), test.expect, got, detail)


def _oracle_problem(test: EnvelopeTest, verdict: Verdict) -> CaseProblem | None:
    expected = "valid" if test.valid else "invalid"
    if verdict.crashed:
        got = "crashed"
    elif test.valid and not verdict.accepted:
        got = "rejected"
    elif test.valid and verdict.output != test.plaintext:
        got = "wrong output"
    elif not test.valid and verdict.accepted:
        got = "accepted"
    else:
        return None
    return CaseProblem(test.index, test.test_id, (test.expect,), expected, got, verdict.detail)


def _run_oracle(name: str, tests: list[EnvelopeTest], tick: Callable[[], None]) -> OracleSummary:
    from kmskit.vectors.oracles import Skip, get_envelope_oracle

    oracle = get_envelope_oracle(name)
    skips: Counter[str] = Counter()
    disagreements: list[CaseProblem] = []
    lenient: list[tuple[CaseProblem, str]] = []
    agreed = 0
    for test in tests:
        verdict = oracle.judge_message(test)
        tick()
        if isinstance(verdict, Skip):
            skips[verdict.reason] += 1
            continue
        problem = _oracle_problem(test, verdict)
        if problem is None:
            agreed += 1
            continue
        reason = oracle.message_leniency(test) if problem.got == "accepted" else None
        if reason is not None:
            lenient.append((problem, reason))
        else:
            disagreements.append(problem)
    return OracleSummary(
        name=oracle.name,
        checked=len(tests) - sum(skips.values()),
        agreed=agreed,
        skipped=sum(skips.values()),
        skip_reasons=tuple(sorted(skips.items())),
        disagreements=tuple(disagreements),
        known_leniencies=tuple(lenient),
    )


def check_tree(
    source: Source, *, oracle: str | None = None, progress: Progress | None = None
) -> CheckReport:
    """Run every test of an envelope vector directory (or an in-memory tree from
    :func:`vectors.generate_tree`) through kmskit, and through ``oracle`` if named.

    Raises ValidationException for a malformed directory, or an oracle that cannot check
    envelope messages or is not installed.
    """
    tests = load_tests(source)
    if oracle is not None:
        from kmskit.vectors.oracles import get_envelope_oracle

        get_envelope_oracle(oracle)  # fail before the long run
    total = len(tests) * (2 if oracle is not None else 1)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    failures = []
    for test in tests:
        problem = _kmskit_problem(test)
        if problem is not None:
            failures.append(problem)
        tick()
    summary = _run_oracle(oracle, tests, tick) if oracle is not None else None
    return CheckReport(
        kind=KIND,
        algorithm=ALGORITHM,
        total=len(tests),
        passed=len(tests) - len(failures),
        failures=tuple(failures),
        oracle=summary,
    )
