"""The AWS CLI's ``--output json`` and ``--output text`` renderings of a response
(the layout is described in :mod:`kmskit.cli._aws_output`). Free of click, so that the
click-free fast path (:mod:`kmskit.cli.kms_fast_path`) prints exactly what the command does.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["format_json", "format_text"]


def format_json(data: Any) -> str:
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"


# -- text -------------------------------------------------------------------------------


def format_text(data: Any) -> str:
    """The AWS CLI's ``--output text`` rendering of a response (see the module doc)."""
    lines: list[str] = []
    _text_item(data, lines, None, None)
    return "".join(line + "\n" for line in lines)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _text_item(item: Any, lines: list[str], label: str | None, columns: list[str] | None) -> None:
    if isinstance(item, dict):
        _text_dict(item, lines, label, columns)
    elif isinstance(item, list):
        _text_list(item, lines, label)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], lines: list[str], label: str | None) -> None:
    if not items:
        return
    if any(isinstance(e, dict) for e in items):
        # One line per element, over the union of every element's scalar keys.
        columns = sorted(
            {k for e in items if isinstance(e, dict) for k, v in e.items() if _is_scalar(v)}
        )
        for element in items:
            _text_item(element, lines, label, columns)
        return
    scalars = [e for e in items if _is_scalar(e)]
    nested = [e for e in items if not _is_scalar(e)]
    if scalars:
        if label is None:
            lines.append("\t".join(str(e) for e in scalars))
        else:
            lines.extend(f"{label.upper()}\t{e}" for e in scalars)
    for element in nested:
        _text_item(element, lines, label, None)


def _text_dict(
    item: dict[str, Any], lines: list[str], label: str | None, columns: list[str] | None
) -> None:
    if columns is None:
        keys = sorted(item)
        row = [str(item[k]) for k in keys if _is_scalar(item[k])]
        rest = [(k, item[k]) for k in keys if not _is_scalar(item[k])]
    else:
        row = [str(item.get(k, "")) for k in columns]
        rest = [(k, item[k]) for k in sorted(set(item) - set(columns))]
    if row:
        lines.append("\t".join([label.upper(), *row] if label is not None else row))
    for key, value in rest:
        _text_item(value, lines, key, None)
