"""The ``envelope`` vector kind: determinism, the format, kmskit's and the ESDK's verdicts.

The shipped set (vectors/sets/envelope/) is also regenerated and diffed in test_shipped.py;
here every tampered test is checked one by one: kmskit fails with exactly the declared class,
and the ESDK rejects it (unless it is a documented leniency or the ESDK cannot express it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kmskit import vectors
from kmskit.envelope import encrypt
from kmskit.envelope.keyrings import RawAesKeyring
from kmskit.envelope.suites import EnvelopeAlgorithm, suite
from kmskit.offline.errors import ValidationException
from kmskit.vectors._drbg import Drbg
from kmskit.vectors._envelope_check import EnvelopeTest, kmskit_outcome, load_tests
from kmskit.vectors._envelope_expect import EXPECT, SUCCESS
from kmskit.vectors._envelope_msg import Recipient, build
from tests.cli._runner import assert_one_line_error, kmskit, ok
from tests.vectors.conftest import SETS

ENVELOPE_SET = SETS / "envelope"
SEED = "kmskit-sets-v1"
PORTABLE_SUITES = {0x0478, 0x0578}


@pytest.fixture(scope="module")
def tests() -> list[EnvelopeTest]:
    return load_tests(ENVELOPE_SET)


def _write(tree: dict[str, bytes], path: Path) -> Path:
    vectors.write_tree(tree, path)
    return path


def _files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --- determinism ---------------------------------------------------------------------


def test_same_seed_same_directory_other_seed_other_bytes(tmp_path: Path) -> None:
    first = _write(vectors.generate_tree("envelope", seed="determinism-a"), tmp_path / "a")
    again = _write(vectors.generate_tree("envelope", seed="determinism-a"), tmp_path / "a2")
    other = vectors.generate_tree("envelope", seed="determinism-b")
    assert _files(first) == _files(again)
    mine = _files(first)
    assert sorted(other) == sorted(mine)  # the same cases and files ...
    changed = [p for p in mine if p.startswith("ciphertexts/") and other[p] != mine[p]]
    assert len(changed) == sum(p.startswith("ciphertexts/") for p in mine)  # ... other bytes
    for name in ("manifest.json", "keys.json", "kmskit-manifest.json", "kmskit-keys.json"):
        assert mine[name].isascii() and mine[name].endswith(b"}\n")
        assert vectors.dumps(json.loads(mine[name])) == mine[name]  # canonical JSON


def test_a_second_key_set_leaves_the_first_unchanged() -> None:
    one = vectors.generate_tree("envelope", seed="labels", count=1)
    two = vectors.generate_tree("envelope", seed="labels", count=2)
    for path, data in one.items():
        if path.startswith(("ciphertexts/", "plaintexts/")):
            assert two[path] == data
    set1 = [p for p in two if p.startswith("ciphertexts/set1-")]
    assert len(set1) == sum(p.startswith("ciphertexts/") for p in one)
    keys = json.loads(two["kmskit-keys.json"])["keys"]
    assert keys["aes-256-set1"]["material"] != keys["aes-256"]["material"]


@pytest.mark.parametrize(
    "alg",
    [
        EnvelopeAlgorithm("AES_256_GCM_HKDF_SHA512_COMMIT_KEY"),
        EnvelopeAlgorithm("SM4_GCM_HKDF_SM3_COMMIT_KEY"),
    ],
)
@pytest.mark.parametrize(("size", "frame"), [(0, 128), (300, 128), (512, 128), (300, 4096)])
def test_the_generator_writes_what_envelope_encrypt_writes(
    alg: EnvelopeAlgorithm, size: int, frame: int
) -> None:
    # Fed the same draws, the library and the vectors' own writer give the same bytes: the
    # rng= hook makes unsigned raw-AES messages reproducible without any other hook.
    rng = Drbg("equivalence", f"{alg.value}/{size}/{frame}")
    key, plaintext, context = rng.child("key").read(32), rng.child("pt").read(size), {"k": "v"}
    message = build(
        suite(alg),
        recipients=[Recipient("aes", "ns", "name", secret=key)],
        context=context,
        plaintext=plaintext,
        frame_length=frame,
        rng=rng,
    )
    draws = iter(
        [rng.child("message-id").read(32), rng.child("data-key").read(suite(alg).data_key_length)]
    )
    iv = rng.child("edk0").child("iv").read(12)
    library = encrypt(
        plaintext,
        keyrings=RawAesKeyring("ns", "name", key, rng=lambda n: iv),
        encryption_context=context,
        algorithm=alg,
        frame_length=frame,
        rng=lambda n: next(draws),
    )
    assert library == message.encode()


# --- format --------------------------------------------------------------------------


def test_the_portable_manifest_needs_no_extension(tests: list[EnvelopeTest]) -> None:
    portable = [t for t in tests if t.manifest == "manifest.json"]
    assert len(portable) > 60
    for t in portable:
        assert int.from_bytes(t.ciphertext[1:3], "big") in PORTABLE_SUITES | {0x0178, 0x0378}
        assert {spec["encryption-algorithm"] for spec in t.master_keys} <= {"aes", "rsa"}
        assert t.required_context is None and t.max_encrypted_data_keys is None
        assert t.tampering != "trailing-byte"
    keys = json.loads((ENVELOPE_SET / "keys.json").read_bytes())
    assert keys["manifest"] == {"type": "keys", "version": 3}
    assert {k["algorithm"] for k in keys["keys"].values()} == {"aes", "rsa"}
    extended = json.loads((ENVELOPE_SET / "kmskit-keys.json").read_bytes())["keys"]
    assert keys["keys"].items() <= extended.items()
    assert {k["algorithm"] for k in extended.values()} == {"aes", "rsa", "sm2"}


def test_every_outcome_of_the_vocabulary_is_tested(tests: list[EnvelopeTest]) -> None:
    assert {t.expect for t in tests} == set(EXPECT)
    for manifest in ("manifest.json", "kmskit-manifest.json"):
        doc = json.loads((ENVELOPE_SET / manifest).read_bytes())
        assert sorted(doc["kmskit"]["expect"]) == sorted(EXPECT)
        for spec in doc["tests"].values():
            assert ("output" in spec["result"]) == (spec["kmskit-expect"] == SUCCESS)


def test_every_suite_and_keyring_has_a_valid_test(tests: list[EnvelopeTest]) -> None:
    seen = set()
    for t in tests:
        if t.valid:
            suite_id = int.from_bytes(t.ciphertext[1:3], "big")
            for spec in t.master_keys:
                kind = spec["encryption-algorithm"] + str(spec.get("padding-hash", ""))
                seen.add((suite_id, kind))
    assert {(s, k) for s in PORTABLE_SUITES for k in ("aes", "rsasha1", "rsasha256")} <= seen
    assert {(s, k) for s in (0x4D04, 0x4D05) for k in ("aes", "sm2")} <= seen


# --- kmskit and the ESDK on every tampered test ---------------------------------------


def _negatives() -> list[Any]:
    return [pytest.param(t, id=t.test_id) for t in load_tests(ENVELOPE_SET) if not t.valid]


@pytest.mark.parametrize("test", _negatives())
def test_kmskit_fails_with_the_declared_class(test: EnvelopeTest) -> None:
    observed, plaintext, detail = kmskit_outcome(test)
    assert (observed, plaintext) == (test.expect, None), detail


@pytest.mark.interop
@pytest.mark.parametrize("test", _negatives())
def test_the_esdk_rejects_every_tampered_test(test: EnvelopeTest) -> None:
    from kmskit.vectors.oracles import Skip
    from kmskit.vectors.oracles.esdk import EsdkOracle

    oracle = EsdkOracle.locate()
    verdict = oracle.judge_message(test)
    if isinstance(verdict, Skip):
        assert test.manifest == "kmskit-manifest.json"  # only extensions are skipped
        pytest.skip(verdict.reason)
    if test.tampering == "trailing-byte":  # the one documented leniency
        assert verdict.accepted and oracle.message_leniency(test)
        return
    assert not verdict.accepted and not verdict.crashed, verdict.detail


# --- checking a directory --------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ENVELOPE_SET, tmp_path / "set"))


def test_a_changed_expectation_is_a_failure(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_bytes())
    manifest["tests"]["aes-256-0578-bad-commitment"]["kmskit-expect"] = (
        "header-authentication-failure"
    )
    (copy / "manifest.json").write_bytes(vectors.dumps(manifest))
    (copy / "plaintexts" / "small").write_bytes(b"not the plaintext")
    report = vectors.check_tree(copy)
    got = {p.comment: p.got for p in report.failures}
    assert got["aes-256-0578-bad-commitment"] == "bad-commitment"
    assert got["aes-256-0578-ctx"] == "wrong output"
    assert not report.ok


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m["tests"]["edks-16-0478"].update(ciphertext="file://../x"), "inside"),
        (lambda m: m["tests"]["edks-16-0478"].update({"kmskit-expect": "fine"}), "one of"),
        (
            lambda m: m["tests"]["edks-16-0478"].update({"kmskit-expect": "bad-commitment"}),
            "an output",
        ),
        (lambda m: m.update(manifest={"type": "awses-decrypt", "version": 9}), "version 2"),
        (lambda m: m["tests"]["edks-16-0478"]["master-keys"][0].update(key="nope"), "unknown key"),
    ],
)
def test_a_malformed_directory_is_refused(copy: Path, edit: Any, message: str) -> None:
    manifest = json.loads((copy / "manifest.json").read_bytes())
    edit(manifest)
    (copy / "manifest.json").write_bytes(vectors.dumps(manifest))
    with pytest.raises(ValidationException, match=message):
        vectors.check_tree(copy)


def test_tree_api_misuse(tmp_path: Path) -> None:
    with pytest.raises(ValidationException, match="directory vector kind"):
        vectors.generate_tree("ecdsa", seed="s")
    with pytest.raises(ValidationException, match="writes a directory"):
        vectors.generate("envelope", seed="s")
    with pytest.raises(ValidationException, match="count"):
        vectors.generate_tree("envelope", seed="s", count=0)
    with pytest.raises(ValidationException, match="cannot check envelope"):
        vectors.check_tree(ENVELOPE_SET, oracle="openssl")
    with pytest.raises(ValidationException, match="not a directory"):
        vectors.check_tree(tmp_path / "missing")
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "notes.txt").write_text("mine")
    with pytest.raises(ValidationException, match="not a vector directory"):
        vectors.write_tree({"a": b""}, tmp_path / "user", overwrite=True)
    assert (tmp_path / "user" / "notes.txt").read_text() == "mine"


# --- the command line --------------------------------------------------------------------


def test_cli_generate_and_check_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "env"
    args = ["vectors", "generate", "--kind", "envelope", "--seed", SEED, "-o", out]
    ok(kmskit(*args))
    assert _files(out) == _files(ENVELOPE_SET)
    message = assert_one_line_error(kmskit(*args), 2, "UsageError")
    assert "--overwrite" in message
    ok(kmskit(*args, "--overwrite"))
    assert _files(out) == _files(ENVELOPE_SET)
    report = ok(kmskit("vectors", "check", out, "--output", "json")).json()
    assert (report["kind"], report["failed"], report["ok"]) == ("envelope", 0, True)
    assert report["total"] == report["passed"] == len(load_tests(out))


@pytest.mark.interop
def test_cli_check_with_the_esdk_oracle() -> None:
    text = ok(kmskit("vectors", "check", ENVELOPE_SET, "--oracle", "esdk")).out
    assert "0 disagree, 2 known leniencies" in text
    assert "skipped 44: SM2 keys are a kmskit extension" in text


def test_cli_check_exits_1_on_a_mismatch(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_bytes())
    manifest["tests"]["edks-16-0478"]["kmskit-expect"] = "too-many-edks"
    manifest["tests"]["edks-16-0478"]["result"] = {"error": {"error-description": "x"}}
    (copy / "manifest.json").write_bytes(vectors.dumps(manifest))
    result = kmskit("vectors", "check", copy)
    assert result.code == 1
    assert "FAIL edks-16-0478 [too-many-edks]: expected too-many-edks, got success" in result.out
    assert result.stderr.startswith("VectorCheckFailed: 1 of ")


def test_cli_usage_errors(tmp_path: Path) -> None:
    generate = ["vectors", "generate", "--kind", "envelope", "--seed", "s"]
    assert "-o DIR" in assert_one_line_error(kmskit(*generate, "-o", "-"), 2, "UsageError")
    path = tmp_path / "file"
    path.write_bytes(b"x")
    assert_one_line_error(kmskit(*generate, "-o", path, "--overwrite"), 2, "UsageError")
    message = assert_one_line_error(
        kmskit("vectors", "check", ENVELOPE_SET, "--oracle", "openssl"), 2, "ValidationException"
    )
    assert "cannot check envelope vectors" in message
