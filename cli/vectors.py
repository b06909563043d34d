"""``kmskit vectors …``: generate deterministic test-vector files and check them.

``generate`` makes one library call (:func:`vectors.generate`, or :func:`vectors.generate_tree`
for the directory kind ``envelope``) and writes the canonical bytes atomically; ``check``
makes one (:func:`vectors.check`, or :func:`vectors.check_tree` for a directory) and prints
the report. A check that finds any mismatch, or any oracle disagreement, raises
:class:`vectors.VectorCheckFailed` after printing; cli/main.py turns it into exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from kmskit.cli._files import check_output_path, open_input, write_output
from kmskit.cli.offline_output import OUTPUT_OPTION, OVERWRITE_OPTION
from kmskit.vectors._check import MAX_COUNT
from kmskit.vectors._kinds import ALL_KINDS, TREE_KINDS
from kmskit.vectors.oracles import ORACLES


@click.group("vectors")
def vectors_group() -> None:
    """Generate and check known-answer test vectors (docs/vectors.md).

    Files are Wycheproof-shaped JSON with valid and invalid cases; --kind envelope writes a
    directory in the AWS crypto-tools test-vector format. The same --seed always gives the
    same bytes.
    """


@vectors_group.command("generate")
@click.option("--kind", type=click.Choice(ALL_KINDS), required=True, help="What to generate.")
@click.option("--seed", required=True, metavar="TEXT", help="Any string; same seed, same file.")
@click.option(
    "--count",
    type=click.IntRange(1, MAX_COUNT),
    default=None,
    help="Keys per parameter set (default: the kind's own, 1 to 3).",
)
@click.option(
    "-o",
    "--out",
    required=True,
    metavar="FILE",
    help="Write here (- for stdout); a directory for --kind envelope.",
)
@OVERWRITE_OPTION
def generate(kind: str, seed: str, count: int | None, out: str, overwrite: bool) -> None:
    """Write the vector file for one kind, deterministically from --seed.

    Every case is checked by kmskit while it is generated. --kind envelope writes the
    directory OUT (manifests, keys, ciphertexts, plaintexts); --overwrite replaces a whole
    vector directory.
    """
    from kmskit import vectors

    if kind in TREE_KINDS:
        _generate_tree(kind, seed, count, out, overwrite)
        return
    check_output_path(out, overwrite=overwrite)
    doc = vectors.generate(kind, seed=seed, count=count)
    write_output(out, vectors.dumps(doc), overwrite=overwrite)


def _generate_tree(kind: str, seed: str, count: int | None, out: str, overwrite: bool) -> None:
    from kmskit import vectors
    from kmskit.offline.errors import ValidationException
    from kmskit.vectors._tree import check_tree_target

    if out == "-":
        raise click.UsageError(f"--kind {kind} writes a directory; name it with -o DIR")
    try:
        check_tree_target(out, overwrite=overwrite)
    except ValidationException as exc:
        raise click.UsageError(str(exc)) from None
    tree = vectors.generate_tree(kind, seed=seed, count=count)
    vectors.write_tree(tree, out, overwrite=overwrite)


def _progress() -> tuple[Any, Any]:
    """A progress callback drawing on stderr when it is a terminal, and its closer."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="checking", file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - bar.pos)

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close


def _print_text(report: Any) -> None:
    echo = click.echo
    echo(
        f"{report.kind} ({report.algorithm}): {report.total} cases, {report.passed} passed,"
        f" {len(report.failures)} failed"
    )
    tree = report.kind in TREE_KINDS
    for p in report.failures:
        echo(
            f"  FAIL {_case(p, tree)}: expected {p.expected},"
            f" got {p.got}{': ' + p.detail if p.detail else ''}"
        )
    o = report.oracle
    if o is None:
        return
    echo(
        f"oracle {o.name}: {o.checked} checked, {o.agreed} agree, {len(o.disagreements)}"
        f" disagree, {len(o.known_leniencies)} known leniencies; {o.skipped} skipped"
    )
    for reason, n in o.skip_reasons:
        echo(f"  skipped {n}: {reason}")
    lenient: dict[tuple[str, str], list[str]] = {}
    for p, reason in o.known_leniencies:
        lenient.setdefault((", ".join(p.flags), reason), []).append(
            p.comment if tree else str(p.tc_id)
        )
    for (flags, reason), ids in lenient.items():
        which = f"{'tests' if tree else 'tcId'} {', '.join(ids)}"
        echo(f"  known leniency [{flags}] accepted ({which}): {reason}")
    for p in o.disagreements:
        echo(
            f"  DISAGREE {_case(p, tree)}: expected"
            f" {p.expected}, got {p.got}{': ' + p.detail if p.detail else ''}"
        )


def _case(p: Any, tree: bool) -> str:
    """How a report line names a case: tcId, flags and comment; a directory's test id."""
    if tree:
        return f"{p.comment} [{', '.join(p.flags)}]"
    return f"tcId {p.tc_id} [{', '.join(p.flags)}] {p.comment}"


@vectors_group.command("check")
@click.argument("file", metavar="FILE")
@click.option(
    "--oracle",
    type=click.Choice(ORACLES),
    default=None,
    help="Also run every case the oracle can express through it (esdk: envelope directories).",
)
@OUTPUT_OPTION
def check(file: str, oracle: str | None, output: str) -> None:
    """Run every case of FILE (or of the envelope directory FILE) through kmskit (and
    --oracle); exit 1 on any mismatch."""
    from kmskit import vectors
    from kmskit.offline.errors import ValidationException

    doc = None
    if not os.path.isdir(file):
        with open_input(file, "FILE") as fh:
            data = fh.read()
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ValidationException(f"{file} is not JSON") from None
    update, close = _progress()
    try:
        if doc is None:
            report = vectors.check_tree(file, oracle=oracle, progress=update)
        else:
            report = vectors.check(doc, oracle=oracle, progress=update)
    finally:
        close()
    if output == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_text(report)
    if not report.ok:
        raise vectors.VectorCheckFailed(report.summary())
