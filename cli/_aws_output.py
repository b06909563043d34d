"""Printing responses as ``aws kms`` does: ``--output json|text``, ``--query`` and paging.

- json: the response indented by 4, non-ASCII kept; an empty response prints nothing (as
  for ``aws kms create-alias``); a query that matches nothing prints ``null``.
- text: the AWS CLI's tab-separated layout. Scalars of a dict are printed on one line in
  key order, nested lists and dicts follow on lines headed by their key in upper case; a
  list of dicts is one line per dict with the union of their scalar keys. ``None`` prints as
  ``None``, ``True`` as ``True``, like the AWS CLI.
- ``--query``: JMESPath (the ``jmespath`` package, imported only when a query is given).
- list operations page through every result unless ``--no-paginate``, ``--limit`` or
  ``--marker`` is given; ``--max-items`` stops early and adds ``NextToken``. In text mode
  each page is printed (and queried) on its own, as the AWS CLI does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

import click

from kmskit.cli._aws_globals import GlobalOptions
from kmskit.cli._aws_render import format_json, format_text


def compile_query(expression: str) -> Any:
    """Compile a JMESPath expression now, so a bad one fails before the operation runs."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        message = " ".join(str(exc).split())
        raise click.UsageError(f"Bad value for --query {expression}: {message}") from None


def _search(query: Any, data: Any) -> Any:
    return data if query is None else query.search(data)


def emit(response: Mapping[str, Any] | None, options: GlobalOptions) -> None:
    """Print one response (None means the operation returns no body)."""
    data: Any = {} if response is None else dict(response)
    data = _search(options.query, data)
    if options.output == "text":
        _write(format_text(data))
    elif data != {}:
        _write(format_json(data))


def emit_pages(
    pages: list[dict[str, Any]], result_key: str, next_token: str | None, options: GlobalOptions
) -> None:
    """Print an auto-paginated listing the way the AWS CLI prints a PageIterator."""
    if options.output == "text":
        for page in pages:
            _write(format_text(_search(options.query, page)))
        if next_token is not None:
            _write(format_text(_search(options.query, {"NextToken": {"NextToken": next_token}})))
        return
    full: dict[str, Any] = {result_key: [item for page in pages for item in page[result_key]]}
    if next_token is not None:
        full["NextToken"] = next_token
    _write(format_json(_search(options.query, full)))


def _write(text: str) -> None:
    click.echo(text, nl=False)


# -- paging -----------------------------------------------------------------------------

Fetch = Callable[[int | None, str | None], Mapping[str, Any]]


def paginate(
    fetch: Fetch, result_key: str, options: GlobalOptions
) -> tuple[list[dict[str, Any]], str | None]:
    """Call ``fetch(limit, marker)`` until the listing ends or ``--max-items`` is reached.

    Returns the pages (each holding only ``result_key``) and the NextToken to resume
    from, if the listing was cut short. The token is opaque: base64 of a small JSON object
    naming the Marker of the page and how many of its items were already shown.
    """
    marker, skip = _decode_token(options.starting_token)
    remaining = options.max_items
    pages: list[dict[str, Any]] = []
    while True:
        response = fetch(options.page_size, marker)
        items = list(response.get(result_key, []))[skip:]
        next_marker = response.get("NextMarker") if response.get("Truncated") else None
        if remaining is not None and len(items) >= remaining:
            token: dict[str, Any] | None = None
            if len(items) > remaining:
                token = {"Marker": marker, "boto_truncate_amount": skip + remaining}
            elif next_marker:
                token = {"Marker": next_marker}
            pages.append({result_key: items[:remaining]})
            return pages, None if token is None else _encode_token(token)
        pages.append({result_key: items})
        if remaining is not None:
            remaining -= len(items)
        if not next_marker:
            return pages, None
        marker, skip = next_marker, 0


def _encode_token(token: dict[str, Any]) -> str:
    clean = {k: v for k, v in token.items() if v is not None}
    return base64.b64encode(json.dumps(clean).encode("utf-8")).decode("ascii")


def _decode_token(token: str | None) -> tuple[str | None, int]:
    if token is None:
        return None, 0
    try:
        doc = json.loads(base64.b64decode(token, validate=True))
        marker = doc.get("Marker")
        skip = int(doc.get("boto_truncate_amount", 0))
        if (marker is not None and not isinstance(marker, str)) or skip < 0:
            raise ValueError
    except (binascii.Error, ValueError, TypeError, AttributeError):
        raise click.BadParameter(
            "not a NextToken printed by this command", param_hint="--starting-token"
        ) from None
    return marker, skip
