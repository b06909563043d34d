"""The first lines of a probe script, run as ``python -c PROBE DUMP_PATH …``: when the
interpreter exits, it writes the name of every module it imported to ``DUMP_PATH``, one per
line. The start-up tests read that list to check what a command loads
(tests/cli/test_startup.py, tests/keystore/test_startup_imports.py)."""

from __future__ import annotations

MODULES_AT_EXIT = """
import atexit, sys
_path = sys.argv[1]
def _dump():
    with open(_path, "w") as fh:
        fh.write("\\n".join(sorted(sys.modules)))
atexit.register(_dump)
"""
