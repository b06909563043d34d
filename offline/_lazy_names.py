"""Package names imported on first use (PEP 562), for every kmskit package's ``__init__``.

Importing a kmskit package must stay cheap: the ``kmskit`` command is run once per file in
scripts, and a library user who needs one function should not load SQLite and every
primitive of ``cryptography``. So each package lists its public names with the module that
defines each, and resolves a name when it is first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """The module ``__getattr__`` for ``package``. ``homes`` maps each public name to the
    module that defines it: relative to ``package`` (``"keys"``) or absolute
    (``"kmskit.offline.errors"``)."""

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = home if home.startswith("kmskit.") else f"{package}.{home}"
        return getattr(importlib.import_module(module), name)

    return __getattr__
