"""FrozenRecord: a frozen value class with ``__slots__``, for the few records every
``kmskit kms`` command creates that a NamedTuple cannot hold (a field named ``count`` or
``index`` would hide the tuple method; a value checked when it is made).

Not a frozen dataclass: importing :mod:`dataclasses` imports :mod:`inspect` (with ``ast``,
``dis`` and ``tokenize``), about 10 ms of every command's start-up, and each dataclass
costs about 1 ms more to create (tests/keystore/test_startup_imports.py). A subclass lists
its fields in ``_fields`` and ``__slots__`` (annotated for the type checker) and sets them
in ``__init__`` with :meth:`_set`, taking its arguments in ``_fields`` order; it gets a
dataclass's ``==``, ``hash``, ``repr`` and frozenness, and ``_replace`` for
``dataclasses.replace`` (which runs ``__init__`` again, and with it any check).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn, Self

__all__ = ["FrozenRecord"]


class FrozenRecord:
    # A subclass sets ``_fields`` (its fields in ``__init__``'s order, as a NamedTuple's)
    # and ``__slots__ = _fields``.
    _fields: ClassVar[tuple[str, ...]] = ()
    __slots__ = ()

    def _set(self, **values: object) -> None:
        """Set fields from ``__init__`` (assignment is refused once the record exists)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def _replace(self, **changes: Any) -> Self:
        """A copy with some fields changed, made (and checked) by ``__init__``."""
        values = dict(zip(self._fields, self._values(), strict=True))
        values.update(changes)
        return type(self)(**values)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen record")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"cannot delete field {name!r} of a frozen record")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, FrozenRecord)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and pickle set slots one by one, which a frozen record refuses: make it anew.
        return (type(self), self._values())
