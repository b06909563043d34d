"""FrozenRecord: a frozen record class that is cheap to create, for the value types every
command loads (key rows, KeyMetadata, audit records, the operation table, the policy
engine's types, the spec profiles).

Neither a frozen dataclass nor a NamedTuple: importing :mod:`dataclasses` imports
:mod:`inspect` (with ``ast``, ``dis`` and ``tokenize``), about 10 ms of start-up, and each
dataclass then costs about 1 ms to create; a ``typing.NamedTuple`` compiles every field's
annotation (a string, under ``from __future__ import annotations``) and source for its
``__new__``, 0.2-0.5 ms a class (issue 10: ``kmskit kms describe-key`` within 6x ``python -c
pass``; tests/keystore/test_startup_imports.py). A subclass only reads its own annotations
when it is created.

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        name = type(self).__name__
        if len(args) > len(fields):
            raise TypeError(f"{name} takes {len(fields)} arguments but {len(args)} were given")
        values = dict(zip(fields, args, strict=False))
        for key, value in kwargs.items():
            if key not in fields:
                raise TypeError(f"{name} got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{name} got multiple values for argument {key!r}")
            values[key] = value
        for field in fields:
            if field in values:
                object.__setattr__(self, field, values[field])
            elif field in self._field_defaults:
                object.__setattr__(self, field, self._field_defaults[field])
            else:
                raise TypeError(f"{name} is missing the argument {field!r}")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field) for field in self._fields)

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
