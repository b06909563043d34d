from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in its own empty directory, so relative names and leftovers are local."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A directory user ``nobody`` can reach (pytest's own are mode 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix="kmskit-faults-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
