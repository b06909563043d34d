"""Shared fixtures: the shipped sets, loaded once, and the same sets regenerated once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmskit import vectors

SETS = Path(__file__).resolve().parents[2] / "vectors" / "sets"


def shipped_path(kind: str) -> Path:
    return SETS / f"{kind}.json"


@pytest.fixture(scope="session")
def shipped() -> dict[str, bytes]:
    """kind -> the bytes of vectors/sets/<kind>.json."""
    return {kind: shipped_path(kind).read_bytes() for kind in vectors.KINDS}


@pytest.fixture(scope="session")
def shipped_docs(shipped: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {kind: json.loads(data) for kind, data in shipped.items()}
