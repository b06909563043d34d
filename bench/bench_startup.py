"""How long the ``kmskit`` command takes to start, against ``python -c pass`` in the same run.

Run from the repository root: ``python bench/bench_startup.py [--runs N] [--strict]``.

Scripts run ``kmskit`` once per file, so start-up is paid again and again. Each command below
runs ``--runs`` times (at least 10), interleaved with the baseline so that a busy moment on a
shared machine hits both; the figure is the median wall time of each, and the ratio is
command / baseline. The baseline is the interpreter the console script uses, started with
the same flags, so the ratio is what kmskit adds on top of Python itself.

| command | target |
|---|---|
| ``kmskit --help`` | <= 3.5x |
| ``kmskit offline verify`` of one ECDSA P-256 signature | <= 5x |
| ``kmskit kms describe-key`` | <= 6x |

Exit status is 0; with ``--strict`` it is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"kmskit --help": 3.5, "kmskit offline verify": 5.0, "kmskit kms describe-key": 6.0}


def _kmskit() -> str:
    script = Path(sys.executable).parent / "kmskit"
    found = str(script) if script.exists() else shutil.which("kmskit")
    if found is None:
        raise SystemExit("the kmskit console script is not installed next to this Python")
    return found


def _time(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode(errors='replace')}")
    return elapsed


def _fixtures(work: Path, kmskit: str, env: dict[str, str]) -> dict[str, list[str]]:
    """A P-256 key pair and signature (made with the openssl CLI), and a keystore key."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("making the signature needs the openssl CLI (apt-get install openssl)")
    (work / "msg").write_bytes(b"release 1.2.3\n")

    def run(*args: str) -> str:
        return subprocess.run(
            args, cwd=work, env=env, capture_output=True, text=True, check=True
        ).stdout

    run(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem")
    run(openssl, "ec", "-in", "key.pem", "-pubout", "-out", "pub.pem")
    run(openssl, "dgst", "-sha256", "-sign", "key.pem", "-out", "sig.der", "msg")
    key_id = run(
        kmskit, "kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"
    ).strip()
    return {
        "kmskit --help": [kmskit, "--help"],
        "kmskit offline verify": [
            kmskit, "offline", "verify", "--public-key", "pub.pem", "--message", "msg",
            "--signature", "sig.der", "--signing-algorithm", "ECDSA_SHA_256",
        ],
        "kmskit kms describe-key": [kmskit, "kms", "describe-key", "--key-id", key_id],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (min 10)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    runs = max(10, args.runs)
    kmskit = _kmskit()
    # The console script's interpreter line: the baseline runs the very same Python.
    interpreter = Path(kmskit).read_text().splitlines()[0].removeprefix("#!").split()
    baseline = [*interpreter, "-c", "pass"]
    with tempfile.TemporaryDirectory(prefix="kmskit-bench-startup-") as tmp:
        work = Path(tmp)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "KMSKIT_HOME": str(work / "home"),
            "LC_ALL": "C.UTF-8",
        }
        commands = _fixtures(work, kmskit, env)
        times: dict[str, list[float]] = {"python -c pass": [], **{name: [] for name in commands}}
        for argv in commands.values():  # warm the page cache and .pyc files
            _time(argv, env, tmp)
        for _ in range(runs):
            times["python -c pass"].append(_time(baseline, env, tmp))
            for name, argv in commands.items():
                times[name].append(_time(argv, env, tmp))
    base = statistics.median(times["python -c pass"])
    print(f"median of {runs} runs each; baseline python -c pass = {base * 1000:.1f} ms")
    print(f"{'command':<28} {'median ms':>10} {'ratio':>7} {'target':>7}  result")
    missed = 0
    for name, target in TARGETS.items():
        median = statistics.median(times[name])
        ratio = median / base
        ok = ratio <= target
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        print(f"{name:<28} {median * 1000:>10.1f} {ratio:>6.2f}x {target:>6.1f}x  {verdict}")
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
