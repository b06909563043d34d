"""``kmskit vectors generate|check`` through ``cli.main.main``, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmskit import vectors
from tests.cli._runner import assert_one_line_error, kmskit, ok
from tests.cli.test_startup import imported_modules, layer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ecdh_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "sm2-ecdh.json"
    ok(
        kmskit(
            "vectors", "generate", "--kind", "sm2-ecdh", "--seed", "cli", "--count", "1", "-o", path
        )
    )
    return path


def test_generate_writes_the_canonical_bytes(ecdh_file: Path) -> None:
    expected = vectors.dumps(vectors.generate("sm2-ecdh", seed="cli", count=1))
    assert ecdh_file.read_bytes() == expected
    out = ok(
        kmskit(
            "vectors", "generate", "--kind", "sm2-ecdh", "--seed", "cli", "--count", "1", "-o", "-"
        )
    )
    assert out.stdout == expected


def test_generate_never_overwrites_silently(ecdh_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.json"
    target.write_bytes(ecdh_file.read_bytes())
    before = target.read_bytes()
    args = ["vectors", "generate", "--kind", "sm2-ecdh", "--seed", "other", "-o", target]
    message = assert_one_line_error(kmskit(*args), 2, "UsageError")
    assert "--overwrite" in message
    assert target.read_bytes() == before
    ok(kmskit(*args, "--overwrite"))
    assert target.read_bytes() != before


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "envelope", "--seed", "s", "-o", "-"],
        ["--kind", "ecdsa", "--seed", "s", "--count", "0", "-o", "-"],
        ["--kind", "ecdsa", "-o", "-"],
    ],
)
def test_generate_usage_errors(args: list[str]) -> None:
    assert_one_line_error(kmskit("vectors", "generate", *args), 2, "UsageError")


def test_check_passes_and_prints_counts(ecdh_file: Path) -> None:
    out = ok(kmskit("vectors", "check", ecdh_file))
    assert out.out.splitlines() == ["sm2-ecdh (ECDH): 6 cases, 6 passed, 0 failed"]
    report = ok(kmskit("vectors", "check", ecdh_file, "--output", "json")).json()
    assert (report["total"], report["passed"], report["failed"], report["ok"]) == (6, 6, 0, True)


@pytest.mark.interop
def test_check_with_the_openssl_oracle(tmp_path: Path) -> None:
    path = tmp_path / "enc.json"
    ok(
        kmskit(
            "vectors",
            "generate",
            "--kind",
            "sm2-encrypt",
            "--seed",
            "cli",
            "--count",
            "1",
            "-o",
            path,
        )
    )
    out = ok(kmskit("vectors", "check", path, "--oracle", "openssl")).out
    assert "oracle openssl: 29 checked, 23 agree, 0 disagree, 6 known leniencies; 0 skipped" in out
    assert "known leniency [EmptyC2] accepted" in out
    report = ok(kmskit("vectors", "check", path, "--oracle", "gmssl", "--output", "json")).json()
    assert report["oracle"]["skipReasons"] == {
        "gmssl decrypt checks neither C1 nor C3, so it cannot reject": 19
    }


def test_a_mismatch_exits_1_after_the_report(ecdh_file: Path, tmp_path: Path) -> None:
    doc = json.loads(ecdh_file.read_bytes())
    doc["testGroups"][0]["tests"][0]["result"] = "invalid"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = kmskit("vectors", "check", bad)
    assert result.code == 1  # the check ran and the answer is no, like an invalid signature
    assert "FAIL tcId 1 [Normal]" in result.out and "got accepted" in result.out
    assert result.stderr.splitlines() == [
        "VectorCheckFailed: 1 of 6 sm2-ecdh cases mismatch in kmskit, 0 oracle disagreement(s)"
    ]


def test_check_refuses_what_is_not_a_vector_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("not json")
    assert "is not JSON" in assert_one_line_error(
        kmskit("vectors", "check", path), 2, "ValidationException"
    )
    path.write_text("{}")
    message = assert_one_line_error(kmskit("vectors", "check", path), 2, "ValidationException")
    assert message == "not a kmskit vector file: no generator.kind"
    assert_one_line_error(kmskit("vectors", "check", tmp_path / "missing.json"), 2, "UsageError")


def test_help_does_not_import_cryptography(tmp_path: Path) -> None:
    code, stdout, modules = imported_modules(["vectors", "generate", "--help"], tmp_path)
    assert code == 0 and "--kind" in stdout
    assert "kmskit.cli.vectors" in modules
    assert not [m for m in modules if layer(m) in ("cryptography", "asn1crypto")]
