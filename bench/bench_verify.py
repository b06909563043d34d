"""Verification at scale: ``kmskit offline verify --batch`` against its peers, in one run.

Run from the repository root: ``python bench/bench_verify.py [--items N] [--sample N] [--strict]``.

| figure | target |
|---|---|
| batch verify of N ECDSA P-256 signatures vs one ``kmskit offline verify`` process each | >= 20x |
| the same batch vs a bare ``cryptography`` verify loop over the same items | >= 0.5x |
| batch verify of N SM2 signatures under one key vs ``openssl speed sm2`` verify/s | >= 1.0x |
| SM2 single verify (``sm2.verify``, one key) vs ``openssl speed sm2`` verify/s | within 1.5x |

The batch figures are wall time of the whole ``kmskit`` command (start-up, reading and
writing included; ``--jobs`` defaults to every core). One process per signature is measured
on a sample of ``--sample`` processes and extrapolated to N, and the output says so. The bare
loop has the decoded messages and signatures in memory already: it is the floor of what
verifying costs in Python on one core. ``openssl speed sm2`` runs on one core; the batch uses
all of them, which is the point of a batch. The targets use ``openssl speed -elapsed`` (wall
clock, like every kmskit figure here): plain ``openssl speed`` divides by its CPU time, which
a machine shared with other work does not shrink while it does slow every wall-clock figure;
it is printed too. On an idle machine the two agree. Each peer figure is printed beside ours.

Exit status is 0; with ``--strict`` it is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sm2 import openssl_speed, ops_per_second

from kmskit.offline import sm2
from kmskit.offline.batch import default_jobs


def _kmskit() -> str:
    script = Path(sys.executable).parent / "kmskit"
    found = str(script) if script.exists() else shutil.which("kmskit")
    if found is None:
        raise SystemExit("the kmskit console script is not installed next to this Python")
    return found


def _run(argv: list[str], cwd: Path, expect: int = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != expect:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()}")
    return elapsed


def _p256_items(work: Path, count: int) -> list[tuple[bytes, bytes]]:
    key = ec.generate_private_key(ec.SECP256R1())
    (work / "p256.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    items = []
    with (work / "p256.jsonl").open("w") as fh:
        for i in range(count):
            message = os.urandom(64)
            signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
            items.append((message, signature))
            fh.write(_line(i, message, signature, "p256.pem", "ECDSA_SHA_256"))
    return items


def _sm2_items(work: Path, count: int) -> None:
    key = sm2.generate_private_key()
    (work / "sm2.pem").write_bytes(key.public_key().spki_pem())
    with (work / "sm2.jsonl").open("w") as fh:
        for i in range(count):
            message = os.urandom(64)
            fh.write(_line(i, message, sm2.sign(key, message), "sm2.pem", "SM2DSA"))


def _line(i: int, message: bytes, signature: bytes, key: str, algorithm: str) -> str:
    doc = {
        "id": i,
        "messageBase64": base64.b64encode(message).decode(),
        "signatureBase64": base64.b64encode(signature).decode(),
        "publicKey": key,
        "signingAlgorithm": algorithm,
    }
    return json.dumps(doc) + "\n"


def _bare_loop(work: Path, items: list[tuple[bytes, bytes]]) -> float:
    key = serialization.load_pem_public_key((work / "p256.pem").read_bytes())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    algorithm = ec.ECDSA(hashes.SHA256())
    start = time.perf_counter()
    for message, signature in items:
        key.verify(signature, message, algorithm)
    return time.perf_counter() - start


def _per_process(work: Path, kmskit: str, items: list[tuple[bytes, bytes]], sample: int) -> float:
    """Median wall time of one ``kmskit offline verify`` process, over ``sample`` items."""
    times = []
    for i, (message, signature) in enumerate(items[:sample]):
        (work / "m").write_bytes(message)
        (work / "s").write_bytes(signature)
        argv = [kmskit, "offline", "verify", "--public-key", "p256.pem"]
        argv += ["--signing-algorithm", "ECDSA_SHA_256", "--message", "m", "--signature", "s"]
        times.append(_run(argv, work))
        del i
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=50, help="processes to time one by one")
    parser.add_argument("--rounds", type=int, default=5, help="best of N rounds (default 5)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    kmskit = _kmskit()
    jobs = default_jobs()
    n = args.items

    shm = Path("/dev/shm")  # noqa: S108 - tmpfs on purpose: the disk must not set the pace
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        work = Path(tmp)
        items = _p256_items(work, n)
        _sm2_items(work, n)
        batch_p256 = [kmskit, "offline", "verify", "--batch", "p256.jsonl"]
        batch_sm2 = [kmskit, "offline", "verify", "--batch", "sm2.jsonl"]

        best: dict[str, float] = {}

        def low(name: str, value: float) -> None:
            best[name] = min(best.get(name, value), value)

        def high(name: str, value: float) -> None:
            best[name] = max(best.get(name, value), value)

        one_process = _per_process(work, kmskit, items, args.sample)
        sm2_key = sm2.generate_private_key()
        sm2_pub = sm2_key.public_key()
        sm2_sig = sm2.sign(sm2_key, b"benchmark")
        single: Callable[[], object] = lambda: sm2.verify(sm2_pub, b"benchmark", sm2_sig)  # noqa: E731

        def cold() -> object:
            # A fresh key object each time: no per-key table, the first-use path.
            return sm2.verify(sm2.SM2PublicKey(sm2_pub.x, sm2_pub.y), b"benchmark", sm2_sig)

        for _ in range(args.rounds):
            low("batch p256 s", _run(batch_p256, work))
            low("bare loop s", _bare_loop(work, items))
            low("batch sm2 s", _run(batch_sm2, work))
            high("sm2 verify/s", ops_per_second(single, 0.5))
            high("sm2 cold verify/s", ops_per_second(cold, 0.5))
            speed = openssl_speed(1, elapsed=True)
            if speed is not None:
                high("openssl verify/s", speed[1])
            speed = openssl_speed(1)
            if speed is not None:
                high("openssl cpu verify/s", speed[1])

    per_process_total = one_process * n
    rows = [
        (f"kmskit offline verify --batch, {n} ECDSA P-256 (--jobs {jobs})", best["batch p256 s"]),
        (
            f"one kmskit process per signature: median of {args.sample} x {n} (extrapolated)",
            per_process_total,
        ),
        (f"bare cryptography verify loop, {n} items in memory, one core", best["bare loop s"]),
        (
            f"kmskit offline verify --batch, {n} SM2 under one key (--jobs {jobs})",
            best["batch sm2 s"],
        ),
    ]
    print(f"Verification at scale (best of {args.rounds} rounds; {jobs} cores)")
    print()
    for label, seconds in rows:
        print(f"{label:<84}{seconds:>9.2f} s {n / seconds:>10.0f} /s")
    sm2_batch_rate = n / best["batch sm2 s"]
    os_rate = best.get("openssl verify/s")
    print(
        f"{'kmskit sm2.verify, one key (table after 16 uses)':<84}{best['sm2 verify/s']:>23.0f} /s"
    )
    print(
        f"{'kmskit sm2.verify, fresh key object each call (no table)':<84}"
        f"{best['sm2 cold verify/s']:>23.0f} /s"
    )
    shown = "n/a" if os_rate is None else f"{os_rate:.0f}"
    print(f"{'openssl speed -elapsed sm2 verify (one core, wall clock)':<84}{shown:>23} /s")
    cpu_rate = best.get("openssl cpu verify/s")
    shown = "n/a" if cpu_rate is None else f"{cpu_rate:.0f}"
    print(
        f"{'openssl speed sm2 verify (one core, per CPU second: not slowed by load)':<84}"
        f"{shown:>23} /s"
    )
    print()

    checks: list[tuple[str, float | None, str, bool]] = []
    r1 = per_process_total / best["batch p256 s"]
    checks.append(("P-256 batch vs one process per signature", r1, ">= 20x", r1 >= 20))
    r2 = best["bare loop s"] / best["batch p256 s"]
    checks.append(("P-256 batch vs bare cryptography loop", r2, ">= 0.5x", r2 >= 0.5))
    if os_rate is None:
        checks.append(("SM2 batch vs openssl speed sm2 verify", None, ">= 1.0x", False))
        checks.append(("openssl speed sm2 verify / kmskit sm2.verify", None, "<= 1.5x", False))
    else:
        r3 = sm2_batch_rate / os_rate
        checks.append(("SM2 batch vs openssl speed sm2 verify", r3, ">= 1.0x", r3 >= 1.0))
        r4 = os_rate / best["sm2 verify/s"]
        checks.append(("openssl speed sm2 verify / kmskit sm2.verify", r4, "<= 1.5x", r4 <= 1.5))
    failed = False
    for label, ratio, target, ok in checks:
        value = "n/a (openssl speed sm2 unavailable)" if ratio is None else f"{ratio:.2f}x"
        print(f"{label:<48}{value:>10}  target {target:<8} {'PASS' if ok else 'FAIL'}")
        failed |= not ok
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
