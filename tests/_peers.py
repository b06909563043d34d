"""What a test does when a peer's isolated venv is missing.

`make test` builds every peer venv before it runs pytest and says so with
``KMSKIT_PEERS_REQUIRED=1`` (as does a CI provider's ``CI``): there a missing peer is a broken
setup and fails. A bare ``pytest`` run without the venvs skips those tests and names the make
target that builds them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


def require_peer(path: Path, what: str, target: str) -> None:
    """Return when ``path`` exists; else fail (peers required) or skip, naming ``target``."""
    if path.exists():
        return
    _missing(f"{what} is not built ({path}): make {target}")


def _missing(reason: str) -> NoReturn:
    if os.environ.get("KMSKIT_PEERS_REQUIRED") or os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
