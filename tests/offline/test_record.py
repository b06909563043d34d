"""offline/_record.py: FrozenRecord behaves as a frozen dataclass does."""

from __future__ import annotations

import copy

import pytest

from kmskit.offline._record import FrozenRecord


class Point(FrozenRecord):
    x: int
    y: int = 0
    label: str | None = None


class Positive(FrozenRecord):
    value: int

    def __post_init__(self) -> None:
        if self.value <= 0:
            raise ValueError("not positive")


def test_arguments_by_position_keyword_and_default() -> None:
    assert Point(1, 2, "a") == Point(x=1, y=2, label="a") == Point(1, label="a", y=2)
    p = Point(5)
    assert (p.x, p.y, p.label) == (5, 0, None)
    assert Point._fields == ("x", "y", "label")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Point(), "missing the argument 'x'"),
        (lambda: Point(1, 2, "a", 4), "takes 3 arguments"),
        (lambda: Point(1, z=2), "has no field 'z'"),
        (lambda: Point(1, x=2), "got an argument twice"),
    ],
)
def test_bad_arguments(build: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        build()  # type: ignore[operator]


def test_equality_hash_and_repr_as_a_dataclass() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != (1, 2, None)  # not a tuple
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert len({Point(1, 2), Point(1, 2), Point(1, 3)}) == 2
    assert repr(Point(1, label="a")) == "Point(x=1, y=0, label='a')"


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(AttributeError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x  # type: ignore[misc]
    assert p.x == 1


def test_post_init_checks_on_creation_and_on_replace() -> None:
    with pytest.raises(ValueError, match="not positive"):
        Positive(0)
    assert Positive(1)._replace(value=2) == Positive(2)
    with pytest.raises(ValueError, match="not positive"):
        Positive(1)._replace(value=-1)


def test_copy() -> None:
    p = Point(1, 2, "a")
    assert copy.copy(p) == p
    assert copy.deepcopy(p) == p


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="'b' has no default"):

        class Bad(FrozenRecord):
            a: int = 0
            b: int
