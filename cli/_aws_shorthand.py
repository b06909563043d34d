"""The AWS CLI's shorthand syntax for structure and map values (``k=v,k2=v2``).

A faithful port of ``awscli/shorthand.py``'s grammar, checked side by side with it in
tests/cli/test_kms_args.py: ``a=b,c=d`` is two keys, ``a=b,c`` a list, ``a=[b,c]`` an
explicit list, ``a={b=c}`` a nested structure, quotes keep commas, ``\\,`` escapes one and
``a@=file://x`` reads a file. Nothing here knows about flags or operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from kmskit.cli._files import load_paramfile


class ShorthandError(ValueError):
    """The text is not valid shorthand; the message shows where."""


# The AWS CLI shorthand grammar's character classes (awscli/shorthand.py), written as what
# each position may NOT hold; like there, nothing beyond the Basic Multilingual Plane. A first
# value may contain "=" ("a=b=c" → {"a": "b=c"}); a later csv value may not, which is how
# "a=b,c=d" (two keys) is told from "a=b,c" (a list). An escaped comma is allowed anywhere.
_ASTRAL = "\U00010000-\U0010ffff"
_ESCAPED_COMMA = r"\\,"
_START = r"[^\x00-\x20\"',=\[{" + _ASTRAL + "]"
_FIRST_FOLLOW = r"[^\x00-\x08\x0e-\x1b\"',\]}" + _ASTRAL + "]"
_SECOND_FOLLOW = r"[^\x00-\x08\x0e-\x1b\"',=" + _ASTRAL + "]"


# These two compile slowly (tens of milliseconds: the astral ranges in negated classes), which
# every `kmskit kms` command paid at start-up; they are compiled on first use instead.
@cache
def _first_word() -> re.Pattern[str]:
    return re.compile(f"(?:{_ESCAPED_COMMA}|{_START})(?:{_ESCAPED_COMMA}|{_FIRST_FOLLOW})*")


@cache
def _second_word() -> re.Pattern[str]:
    return re.compile(f"(?:{_ESCAPED_COMMA}|{_START})(?:{_ESCAPED_COMMA}|{_SECOND_FOLLOW})*")


_QUOTED = {"'": re.compile(r"'(?:\\'|[^'])*'"), '"': re.compile(r'"(?:\\"|[^"])*"')}
_KEY = re.compile(r"[A-Za-z0-9_.#/:-]*")


@dataclass
class _Scanner:
    text: str
    pos: int = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self) -> None:
        while not self.eof() and self.text[self.pos].isspace():
            self.pos += 1

    def error(self, expected: str) -> ShorthandError:
        actual = "EOF" if self.eof() else self.text[self.pos]
        return ShorthandError(
            f"Expected: '{expected}', received: '{actual}' for input: {self.text}"
            f" (at character {self.pos + 1})"
        )

    def expect(self, ch: str, *, space: bool = False) -> None:
        if space:
            self.skip_space()
        if self.peek() != ch:
            raise self.error(ch)
        self.pos += 1
        if space:
            self.skip_space()

    def word(self, pattern: re.Pattern[str]) -> str | None:
        """A bare value (escaped commas undone, trailing space dropped), or None."""
        found = pattern.match(self.text, self.pos)
        if found is None:
            return None
        self.pos = found.end()
        return found.group().replace("\\,", ",").rstrip()

    def quoted(self) -> str | None:
        """A quoted value with its escapes undone, or None if the quote is unterminated."""
        quote = self.peek()
        found = _QUOTED[quote].match(self.text, self.pos)
        if found is None:
            return None
        self.pos = found.end()
        return found.group()[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")

    def key(self) -> str:
        found = _KEY.match(self.text, self.pos)
        assert found is not None  # the pattern matches the empty string
        self.pos = found.end()
        return found.group()


def parse_shorthand(text: str) -> dict[str, Any]:
    """Parse AWS CLI shorthand: ``a=b,c=d`` → ``{"a": "b", "c": "d"}``.

    ``a=b,c`` gives a list (``{"a": ["b", "c"]}``), ``a=[b,c]`` an explicit list,
    ``a={b=c}`` a nested structure; quotes keep commas (``a='b,c'``) and ``\\,`` escapes
    one; ``a@=file://x`` reads a file. A key given twice is an error, as in the AWS CLI
    (usually a "," that should be a space between list items). Raises ShorthandError.
    """
    s = _Scanner(text)
    params: dict[str, Any] = {}
    while True:
        key, value = _keyval(s)
        if key in params:
            raise ShorthandError(
                f'Second instance of key "{key}" in: {text} (this is often a "," that'
                " should be a space between list items)"
            )
        params[key] = value
        if s.eof():
            return params
        s.expect(",", space=True)


def _key_and_marker(s: _Scanner) -> tuple[str, bool]:
    """``key=`` or ``key@=`` (the value names a file to read)."""
    key = s.key()
    s.skip_space()
    resolve = s.peek() == "@"
    if resolve:
        s.pos += 1
    s.expect("=", space=True)
    return key, resolve


def _keyval(s: _Scanner) -> tuple[str, Any]:
    key, resolve = _key_and_marker(s)
    if s.eof():
        return key, ""
    if s.peek() == "[":
        value: Any = _explicit_list(s)
    elif s.peek() == "{":
        value = _hash(s)
    else:
        value = _csv(s)
    return key, _resolve_files(value) if resolve else value


def _resolve_files(value: Any) -> Any:
    if isinstance(value, str):
        return load_paramfile(value, "shorthand @=")
    if isinstance(value, list):
        return [_resolve_files(v) for v in value]
    return value


def _first(s: _Scanner) -> str:
    if s.peek() in _QUOTED:
        found = s.quoted()
        if found is None:
            raise s.error("<quoted>")
        return found
    return s.word(_first_word()) or ""


def _csv(s: _Scanner) -> str | list[str]:
    first = _first(s)
    s.skip_space()
    if s.eof() or s.peek() != ",":
        return first
    s.expect(",", space=True)
    items = [first]
    while True:
        item = s.quoted() if s.peek() in _QUOTED else s.word(_second_word())
        if item is not None:
            s.skip_space()
            if s.eof():
                items.append(item)
                break
            if s.peek() == ",":
                s.expect(",", space=True)
                items.append(item)
                continue
        # Not a list item: "a=b,c=d" reads c as the next key. Back up to the last comma.
        if s.eof():
            raise s.error("<value>")
        while s.pos >= 0 and s.text[s.pos] != ",":
            s.pos -= 1
        break
    return first if len(items) == 1 else items


def _explicit_list(s: _Scanner) -> list[Any]:
    s.expect("[", space=True)
    items: list[Any] = []
    while s.peek() != "]":
        if s.eof():
            raise s.error("]")
        items.append(_explicit_value(s))
        s.skip_space()
        if s.peek() != "]":
            s.expect(",")
            s.skip_space()
    s.expect("]")
    return items


def _explicit_value(s: _Scanner) -> Any:
    if s.peek() == "[":
        return _explicit_list(s)
    if s.peek() == "{":
        return _hash(s)
    return _first(s)


def _hash(s: _Scanner) -> dict[str, Any]:
    s.expect("{", space=True)
    out: dict[str, Any] = {}
    while s.peek() != "}":
        if s.eof():
            raise s.error("}")
        key, resolve = _key_and_marker(s)
        value = _explicit_value(s)
        out[key] = _resolve_files(value) if resolve else value
        s.skip_space()
        if s.peek() != "}":
            s.expect(",")
            s.skip_space()
    s.expect("}")
    return out
