"""The one way tests read the reference vectors vendored in ``tests/known_answers/``.

The files are unmodified copies of public test suites; ``tests/known_answers/SOURCES.md`` gives
each one's origin, commit and licence. Tests parametrise over them by file and ``tcId`` so a
failure names the exact case. Nothing outside the repository is read: a fresh clone passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parent / "known_answers"


def vector_path(*parts: str) -> Path:
    path = VECTORS.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"reference vector {path} is missing from the repository")
    return path


@cache
def load_json(*parts: str) -> Any:
    with vector_path(*parts).open("rb") as fh:
        return json.load(fh)


@cache
def load_text(*parts: str) -> str:
    """A vendored text file (for example OpenSSL's evp test data), read once."""
    return vector_path(*parts).read_text(encoding="utf-8")


@dataclass(frozen=True)
class WycheproofCase:
    file: str
    group: dict[str, Any]
    test: dict[str, Any]

    @property
    def tc_id(self) -> int:
        return int(self.test["tcId"])

    @property
    def result(self) -> str:
        return str(self.test["result"])

    @property
    def valid(self) -> bool:
        return self.result == "valid"

    @property
    def invalid(self) -> bool:
        return self.result == "invalid"

    @property
    def acceptable(self) -> bool:
        return self.result == "acceptable"

    def has_flag(self, flag: str) -> bool:
        return flag in self.test.get("flags", [])

    def hex(self, key: str) -> bytes:
        return bytes.fromhex(self.test[key])


def wycheproof_cases(*files: str) -> Iterator[WycheproofCase]:
    for name in files:
        data = load_json("wycheproof", name)
        for group in data["testGroups"]:
            for test in group["tests"]:
                yield WycheproofCase(name, group, test)


def wycheproof_params(*files: str) -> list[Any]:
    """pytest params, one per case, with ids like ``ecdsa_secp256r1_sha256_test:17``."""
    return [
        pytest.param(case, id=f"{case.file.removesuffix('.json')}:{case.tc_id}")
        for case in wycheproof_cases(*files)
    ]


# ``external/wycheproof.json`` bundles further Wycheproof files as ``{"source", "files": {name:
# file}}``, each file unmodified except for fields no test reads. Ids are prefixed ``ext/`` so
# they never collide with the cases of the same name read from ``wycheproof/``.
EXTERNAL_WYCHEPROOF = ("external", "wycheproof.json")


def external_wycheproof_files() -> dict[str, Any]:
    files: dict[str, Any] = load_json(*EXTERNAL_WYCHEPROOF)["files"]
    return files


def external_wycheproof_cases(*files: str) -> Iterator[WycheproofCase]:
    bundle = external_wycheproof_files()
    for name in files:
        for group in bundle[name]["testGroups"]:
            for test in group["tests"]:
                yield WycheproofCase(name, group, test)


def external_wycheproof_params(*files: str) -> list[Any]:
    """pytest params, one per case, with ids like ``ext/rsa_pss_misc_test:12``."""
    return [
        pytest.param(case, id=f"ext/{case.file.removesuffix('.json')}:{case.tc_id}")
        for case in external_wycheproof_cases(*files)
    ]
