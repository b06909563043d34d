from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent
# The workplace keeps reference material beside the repository (../shared); users have no such
# thing. Any open of a path there fails the run, so a test that still reads it cannot pass here
# and then fail on a fresh clone. .ci/run also runs the suite from a copy with nothing beside it.
_OUTSIDE = str(_REPO.parent / "shared")


def _refuse_outside_reads(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path == _OUTSIDE or path.startswith(_OUTSIDE + os.sep):
            raise PermissionError(f"tests must not read outside the repository: {path}")


sys.addaudithook(_refuse_outside_reads)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests under tests/interop/ need a peer; mark them so `-m "not interop"` gives a quick run.
    for item in items:
        if "/interop/" in str(item.path):
            item.add_marker(pytest.mark.interop)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def openssl_bin() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("the openssl CLI is required for interop tests (apt-get install openssl)")
    return path
