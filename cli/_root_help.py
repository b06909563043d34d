"""``kmskit --help`` rendered without importing click.

click's import alone costs about 4x ``python -c pass`` on the interpreters we measured
(bench/bench_startup.py), more than the whole start-up budget of ``kmskit --help``. The root
help is static (its text and the command table in :mod:`kmskit.cli.commands`), so this module
lays it out as click's ``HelpFormatter`` does: the same width rule, the same paragraph
wrapping, the same definition lists and the same short-help truncation.
``tests/cli/test_root_help.py`` compares the two byte for byte across terminal widths, so a
click release that changes its layout fails the tests instead of drifting.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable

# The root group's context_settings (kmskit.cli.main); click's defaults otherwise.
MAX_CONTENT_WIDTH = 100
_INDENT = 2
_COL_MAX = 30
_COL_SPACING = 2
OPTIONS = (
    ("--version", "Show the version and exit."),
    ("-h, --help", "Show this message and exit."),
)


def short_help(text: str, limit: int) -> str:
    """click's default short help: the first sentence of the first paragraph, shortened to
    ``limit`` with "..." (click.utils._make_default_short_help, click 8.2+)."""
    words = text.partition("\n\n")[0].split()
    if not words:
        return ""
    last = len(words) - 1
    for i, word in enumerate(words):
        # A period ends the sentence unless a lowercase word follows ("vs. x").
        if word.endswith(".") and (i == last or not words[i + 1][0].islower()):
            words = words[: i + 1]
            break
    joined = " ".join(words)
    if len(joined) <= limit:
        return joined
    if limit < len("..."):
        return "..."
    return textwrap.shorten(joined, limit, placeholder="...", break_on_hyphens=False)


def _wrap(text: str, width: int, indent: str = "") -> str:
    """click.formatting.wrap_text with preserve_paragraphs, for paragraphs with no leading
    indent and no ``\\b`` marker (which the root help does not use)."""
    wrapper = textwrap.TextWrapper(
        width, initial_indent=indent, subsequent_indent=indent, replace_whitespace=False
    )
    paragraphs = [" ".join(p.splitlines()) for p in text.expandtabs().split("\n\n") if p]
    return "\n\n".join(wrapper.fill(p) for p in paragraphs)


def _definition_list(rows: list[tuple[str, str]], width: int, indent: int) -> list[str]:
    first_col = min(max(len(first) for first, _ in rows), _COL_MAX) + _COL_SPACING
    text_width = max(width - first_col - 2, 10)
    lines = []
    for first, second in rows:
        head = " " * indent + first
        if len(first) <= first_col - _COL_SPACING:
            head += " " * (first_col - len(first))
        else:
            lines.append(head)
            head = " " * (first_col + indent)
        wrapped = _wrap(second, text_width).splitlines() or [""]
        lines.append(head + wrapped[0])
        lines.extend(" " * (first_col + indent) + line for line in wrapped[1:])
    return lines


def help_width() -> int:
    """click's rule: the terminal's width (or $COLUMNS), at most the maximum, minus 2."""
    return max(min(shutil.get_terminal_size().columns, MAX_CONTENT_WIDTH) - 2, 50)


def render_root_help(prog: str, help_text: str, commands: Iterable[tuple[str, str]]) -> str:
    """The text click prints for the root group's ``--help`` (with its final newline)."""
    width = help_width()
    usage = f"Usage: {prog} [OPTIONS] COMMAND [ARGS]..."
    indent = " " * _INDENT
    names = list(commands)
    limit = width - 6 - max(len(name) for name, _ in names)
    parts = [
        usage,
        "",
        _wrap(textwrap.dedent(help_text).strip(), width, indent),
        "",
        "Options:",
        *_definition_list(list(OPTIONS), width, _INDENT),
        "",
        "Commands:",
        *_definition_list(
            [(name, short_help(summary, limit)) for name, summary in names],
            width,
            _INDENT,
        ),
    ]
    return "\n".join(parts) + "\n"
