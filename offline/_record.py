"""FrozenRecord: a frozen record class that is cheap to create, for the value types every
command loads (key rows, KeyMetadata, audit records, the operation table, the policy
engine's types, the spec profiles).

Neither a frozen dataclass nor a NamedTuple: importing :mod:`dataclasses` imports
:mod:`inspect` (with ``ast``, ``dis`` and ``tokenize``), about 10 ms of start-up, and each
dataclass then costs about 1 ms to create; a ``typing.NamedTuple`` compiles every field's
annotation (a string, under ``from __future__ import annotations``) and source for its
``__new__``, 0.2-0.5 ms a class (issue 10: ``kmskit kms describe-key`` within 6x ``python -c
pass``; tests/keystore/test_startup_imports.py). A subclass only reads its own annotations
when it is created, and one ``__init__`` serves them all.

Subclasses are written as frozen dataclasses are (``typing.dataclass_transform`` tells the
type checker so): annotated fields, in order, with optional defaults (immutable values;
there is no ``default_factory``), and an optional ``__post_init__`` that checks them. They
get ``__init__`` (positional or keyword arguments), ``==`` and ``hash`` over the fields
(same class only), a dataclass ``repr``, frozenness, and NamedTuple's ``_fields`` and
``_replace`` (which, like ``dataclasses.replace``, runs ``__post_init__`` again).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn, Self, dataclass_transform

__all__ = ["FrozenRecord"]


@dataclass_transform(frozen_default=True)
class FrozenRecord:
    _fields: ClassVar[tuple[str, ...]] = ()
    _field_defaults: ClassVar[dict[str, Any]] = {}
    _field_names: ClassVar[frozenset[str]] = frozenset()
    _checked: ClassVar[bool] = False  # has a __post_init__

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The class's own annotations (strings), not inherited ones: inspect.get_annotations
        # would import inspect, which this module exists to avoid.
        annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        own = [
            name
            for name, annotation in annotations.items()
            if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))
        ]
        defaults = dict(cls._field_defaults)
        for name in own:
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
            elif defaults:
                raise TypeError(f"{cls.__name__}: {name!r} has no default but follows one that has")
        cls._fields = (*cls._fields, *(name for name in own if name not in cls._fields))
        cls._field_defaults = defaults
        cls._field_names = frozenset(cls._fields)
        cls._checked = hasattr(cls, "__post_init__")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        values = kwargs  # a dict of this call's own
        if args:
            if len(args) > len(cls._fields):
                raise TypeError(f"{cls.__name__} takes {len(cls._fields)} arguments")
            values = dict(zip(cls._fields, args, strict=False))
            if not values.keys().isdisjoint(kwargs):
                raise TypeError(f"{cls.__name__} got an argument twice")
            values.update(kwargs)
        if not cls._field_names.issuperset(values):
            unknown = min(values.keys() - cls._field_names)
            raise TypeError(f"{cls.__name__} has no field {unknown!r}")
        if len(values) < len(cls._fields):
            values = {**cls._field_defaults, **values}
            if len(values) < len(cls._fields):
                missing = next(field for field in cls._fields if field not in values)
                raise TypeError(f"{cls.__name__} is missing the argument {missing!r}")
        # Straight into the instance dict: __setattr__ refuses assignment.
        self.__dict__.update(values)
        if cls._checked:
            self.__post_init__()  # type: ignore[attr-defined]

    def _values(self) -> tuple[Any, ...]:
        return tuple(map(self.__dict__.__getitem__, self._fields))

    def _replace(self, **changes: Any) -> Self:
        """A copy with some fields changed, made (and checked) as a new record is."""
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
        fields = ", ".join(f"{field}={getattr(self, field)!r}" for field in self._fields)
        return f"{type(self).__qualname__}({fields})"
