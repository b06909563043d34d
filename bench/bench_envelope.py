"""Benchmark envelope encrypt/decrypt throughput against cp, openssl, the ESDK and raw AES-GCM.

Run from the repository root:
``python bench/bench_envelope.py [--size 1G] [--rounds 3] [--dir DIR] [--strict] [--no-esdk]``.
``make bench`` runs the defaults, 1 GiB and 3 rounds: a few minutes on two cores, most of it
the ESDK's own runs. ``--size 256M`` gives a quick look; ``--rounds 5`` steadier figures on a
noisy machine; ``--no-esdk`` skips the slow peer.

Every measurement runs in its own child process over the same input file, in tmpfs
(``/dev/shm`` when present) so the disk does not set the pace. A child imports only what its
implementation needs before the clock starts, and reports its wall time and peak RSS
(``ru_maxrss``, which includes the interpreter and those imports; for ``cp`` and ``openssl``
the command's own). Each figure is the median of ``--rounds`` rounds; the runners are
interleaved and each round starts with another one, because on a shared machine the load
changes over time and the first writer into fresh tmpfs pages pays more. The load average
is printed before and after. In the same run it measures:

* ``cp`` of the plaintext (and of the sealed file, for the decrypt column): the machine's
  copy speed, the ceiling for any streaming transform (issue 15: kmskit 0x0478 ≥ 0.85×);
* ``dd bs=64K``: the same copy through a 64 KiB user-space buffer, no cipher. Any streaming
  transform reads into user space and writes back out, so this, not ``cp`` (which copies
  inside the kernel), is the ceiling a streaming cipher can reach;
* ``openssl enc -aes-256-ctr``, a C streaming cipher;
* kmskit ``encrypt_stream``/``decrypt_stream``, default suite (0x0478) and the signed 0x0578
  (issue 15: ≥ 0.5× of 0x0478), 64 KiB frames, raw AES keyring; ``--gm`` adds 0x4D05;
* aws-encryption-sdk at its defaults (``EncryptionSDKClient().stream``, suite 0x0578, 4 KiB
  frames), with a ``RawMasterKey`` (AES-256) — the ESDK's fastest local key provider
  (issue 15: kmskit ≥ 10×);
* a raw ``AESGCM.encrypt_into``/``decrypt_into`` loop over the same data in 64 KiB chunks
  (read, seal, write): one thread, no format;
* SHA-384 alone (cryptography's, from memory, over as many bytes as the file): the ceiling
  of 0x0578, whose footer signature needs one SHA-384 over the whole message. That hash
  cannot be split across cores, so 0x0578 can be no faster than this line, however the
  rest is spread.

kmskit seals and opens the regular frames of a file on worker threads
(envelope/_parallel_frames.py), one per CPU up to four: its figures depend on a second core
being free. Run it on an otherwise idle machine.

It prints throughput, peak memory (issue 15: < 128 MiB) and the ratios. Exit status 0; with
``--strict``, 1 when a target fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = bytes(range(32))
CHUNK = 1 << 16
IV = bytes(16)
TARGET_CP = 0.85  # kmskit 0x0478 / cp, encrypt and decrypt
TARGET_SIGNED = 0.5  # kmskit 0x0578 / kmskit 0x0478
TARGET_ESDK = 10.0  # kmskit 0x0478 / esdk default
TARGET_RSS_MIB = 128.0
KMSKIT_SUITES = {
    "0478": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
    "0578": "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
    "4D05": "SM4_GCM_HKDF_SM3_COMMIT_KEY_SM2",
}


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


# -- the measured operations (run in a child process) -------------------------------------


def _kmskit(mode: str, src: Path, dst: Path, suite: str) -> None:
    from kmskit.envelope import decrypt_stream, encrypt_stream
    from kmskit.envelope.keyrings import RawAesKeyring

    keyring = RawAesKeyring("bench", "aes-256", KEY)
    with src.open("rb") as fin, dst.open("wb") as fout:
        if mode == "encrypt":
            encrypt_stream(fin, fout, keyrings=keyring, algorithm=KMSKIT_SUITES[suite])
        else:
            decrypt_stream(fin, fout, keyrings=keyring)


def _esdk(mode: str, src: Path, dst: Path) -> None:
    import aws_encryption_sdk
    from aws_encryption_sdk.identifiers import EncryptionKeyType, WrappingAlgorithm
    from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
    from aws_encryption_sdk.key_providers.raw import RawMasterKey

    wrapping = WrappingKey(
        WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING, KEY, EncryptionKeyType.SYMMETRIC
    )
    key = RawMasterKey(provider_id="bench", key_id=b"aes-256", wrapping_key=wrapping)
    client = aws_encryption_sdk.EncryptionSDKClient()  # defaults: REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    with src.open("rb") as fin, dst.open("wb") as fout:
        with client.stream(
            mode="e" if mode == "encrypt" else "d", source=fin, key_provider=key
        ) as s:
            for chunk in s:
                fout.write(chunk)


def _raw(mode: str, src: Path, dst: Path) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(KEY)
    nonce = bytearray(12)
    size = CHUNK if mode == "encrypt" else CHUNK + 16
    inbuf = bytearray(size)
    outbuf = bytearray(CHUNK + 16)
    view_in, view_out = memoryview(inbuf), memoryview(outbuf)
    seq = 0
    with src.open("rb", buffering=0) as fin, dst.open("wb", buffering=0) as fout:
        while n := fin.readinto(view_in):
            seq += 1
            nonce[8:] = seq.to_bytes(4, "big")
            if mode == "encrypt":
                aead.encrypt_into(nonce, view_in[:n], b"aad", view_out[: n + 16])
                fout.write(view_out[: n + 16])
            else:
                aead.decrypt_into(nonce, view_in[:n], b"aad", view_out[: n - 16])
                fout.write(view_out[: n - 16])


def _sha384(src: Path) -> None:
    # The hash alone, as 0x0578 runs it (cryptography's SHA-384), over as many bytes as the
    # file holds, from memory: no read stands in its way, so nothing streaming the file
    # through this one hash can be faster.
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hashes.SHA384())
    block = os.urandom(1 << 20)
    left = src.stat().st_size
    while left:
        n = min(left, len(block))
        h.update(block[:n] if n < len(block) else block)
        left -= n
    h.finalize()


def _command(impl: str, mode: str, src: Path, dst: Path) -> None:
    if impl == "cp":
        argv = ["cp", str(src), str(dst)]
    elif impl == "dd":
        # A copy through a user-space buffer of one frame's size and nothing else: what any
        # program that reads, transforms and writes a stream cannot beat.
        argv = ["dd", f"if={src}", f"of={dst}", "bs=64K", "status=none"]
    else:
        argv = ["openssl", "enc", "-aes-256-ctr", "-K", KEY.hex(), "-iv", IV.hex()]
        argv += ["-e" if mode == "encrypt" else "-d", "-in", str(src), "-out", str(dst)]
    subprocess.run(argv, check=True)


def child(impl: str, mode: str, src: Path, dst: Path, suite: str) -> None:
    # Import what this implementation needs first (and nothing else, so that ru_maxrss is
    # its own): the clock measures the streaming only.
    if impl == "kmskit":
        import kmskit.envelope.decryption
        import kmskit.envelope.encryption
        import kmskit.envelope.keyrings  # noqa: F401
    elif impl == "esdk":
        import aws_encryption_sdk  # noqa: F401
    elif impl == "raw":
        import cryptography.hazmat.primitives.ciphers.aead
    elif impl == "sha384":
        import cryptography.hazmat.primitives.hashes  # noqa: F401

    start = time.perf_counter()
    if impl == "kmskit":
        _kmskit(mode, src, dst, suite)
    elif impl == "esdk":
        _esdk(mode, src, dst)
    elif impl == "raw":
        _raw(mode, src, dst)
    elif impl == "sha384":
        _sha384(src)
    else:
        _command(impl, mode, src, dst)
    elapsed = time.perf_counter() - start
    if impl == "sha384":  # untimed: the decrypt round needs a file where "encrypt" left one
        import shutil

        shutil.copyfile(src, dst)
    own = ("kmskit", "esdk", "raw", "sha384")
    who = resource.RUSAGE_SELF if impl in own else resource.RUSAGE_CHILDREN
    peak_kib = resource.getrusage(who).ru_maxrss
    print(json.dumps({"seconds": elapsed, "maxrss_kib": peak_kib}))


# -- the driver (kept small: a child's ru_maxrss starts from its parent's at fork) ----------


def measure(impl: str, mode: str, src: Path, dst: Path, suite: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", impl, mode, str(src), str(dst), suite],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_file(path: Path, size: int, block: bytes) -> None:
    with path.open("wb") as fh:
        left = size
        while left:
            n = min(left, len(block))
            fh.write(block[:n])
            left -= n


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def warm_up(work: Path, size: int) -> None:
    """Touch as much tmpfs memory as the runs will use (on a VM the first touch of a page
    is far slower than later ones, which would penalise whichever run comes first)."""
    scratch = work / "warm-up"
    write_file(scratch, 3 * size, bytes(1 << 20))
    scratch.unlink()


ESDK = "esdk default (0578, 4 KiB frames)"
SHA384 = "SHA-384 alone (0578's ceiling)"


def runners(esdk: bool, gm: bool) -> list[tuple[str, str, str]]:
    runs = [
        ("cp", "cp", ""),
        ("dd bs=64K", "dd", ""),
        ("openssl enc -aes-256-ctr", "openssl", ""),
        ("kmskit 0478", "kmskit", "0478"),
        ("kmskit 0578", "kmskit", "0578"),
        ("raw AESGCM loop", "raw", "0478"),
        (SHA384, "sha384", ""),
    ]
    if gm:
        runs.append(("kmskit 4D05", "kmskit", "4D05"))
    if esdk:
        runs.append((ESDK, "esdk", "0578"))
    return runs


def run_all(
    work: Path, size: int, rounds: int, runs: list[tuple[str, str, str]]
) -> dict[str, dict[str, float]]:
    plain = work / "plain"
    write_file(plain, size, os.urandom(1 << 20))
    expected = digest(plain)
    warm_up(work, size)
    mib = size / (1 << 20)
    samples: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in runs}
    for r in range(rounds):  # interleaved; each round starts with another runner
        for label, impl, suite in runs[r % len(runs) :] + runs[: r % len(runs)]:
            sealed, opened = work / "sealed", work / "opened"
            enc = measure(impl, "encrypt", plain, sealed, suite)
            # cp's decrypt column copies a file of the size of the 0x0478 message.
            dec = measure(impl, "decrypt", sealed, opened, suite)
            if impl not in ("raw", "cp", "dd", "sha384") and digest(opened) != expected:
                raise SystemExit(f"{label}: decrypted output differs from the input")
            sealed.unlink()
            opened.unlink()
            row = samples[label]
            row.setdefault("enc", []).append(mib / enc["seconds"])
            row.setdefault("dec", []).append(mib / dec["seconds"])
            row.setdefault("enc_rss", []).append(enc["maxrss_kib"] / 1024)
            row.setdefault("dec_rss", []).append(dec["maxrss_kib"] / 1024)
    return {
        label: {k: (max(v) if k.endswith("rss") else statistics.median(v)) for k, v in row.items()}
        for label, row in samples.items()
    }


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def report(
    rows: dict[str, dict[str, float]], size: int, base: Path, rounds: int, strict: bool
) -> int:
    print(f"input: {size / (1 << 20):.0f} MiB in {base}; median of {rounds} interleaved rounds")
    print(f"{'':36} {'encrypt MiB/s':>14} {'decrypt MiB/s':>14} {'peak RSS MiB enc/dec':>22}")
    for label, r in rows.items():
        peaks = f"{r['enc_rss']:.0f} / {r['dec_rss']:.0f}"
        print(f"{label:36} {r['enc']:14.0f} {r['dec']:14.0f} {peaks:>22}")

    def ratio(a: str, b: str) -> tuple[float, float]:
        return rows[a]["enc"] / rows[b]["enc"], rows[a]["dec"] / rows[b]["dec"]

    checks: list[tuple[str, tuple[float, float], float]] = [
        ("kmskit 0478 / cp", ratio("kmskit 0478", "cp"), TARGET_CP),
        ("kmskit 0578 / kmskit 0478", ratio("kmskit 0578", "kmskit 0478"), TARGET_SIGNED),
    ]
    if ESDK in rows:
        checks.append(("kmskit 0478 / esdk default", ratio("kmskit 0478", ESDK), TARGET_ESDK))
        checks.append(("kmskit 0578 / esdk default (same suite)", ratio("kmskit 0578", ESDK), 0))
    checks.append(
        (
            "kmskit 0478 / openssl enc -aes-256-ctr",
            ratio("kmskit 0478", "openssl enc -aes-256-ctr"),
            0,
        )
    )
    checks.append(("kmskit 0478 / raw AESGCM loop", ratio("kmskit 0478", "raw AESGCM loop"), 0))
    checks.append(("kmskit 0578 / sha384 alone (its ceiling)", ratio("kmskit 0578", SHA384), 0))
    checks.append(("kmskit 0478 / dd bs=64K (no cipher)", ratio("kmskit 0478", "dd bs=64K"), 0))
    checks.append(("dd bs=64K / cp", ratio("dd bs=64K", "cp"), 0))
    if "kmskit 4D05" in rows:
        checks.append(("kmskit 4D05 / kmskit 0478", ratio("kmskit 4D05", "kmskit 0478"), 0))
    print()
    met = True
    for label, (enc_ratio, dec_ratio), target in checks:
        line = f"{label:42} encrypt {enc_ratio:6.2f}x   decrypt {dec_ratio:6.2f}x"
        if target:
            ok = enc_ratio >= target and dec_ratio >= target
            met = met and ok
            line += f"   target >= {target:g}x: {'met' if ok else 'MISSED'}"
        print(line)
    rss = max(max(rows[k]["enc_rss"], rows[k]["dec_rss"]) for k in rows if k.startswith("kmskit"))
    ok = rss < TARGET_RSS_MIB
    met = met and ok
    verdict = "met" if ok else "MISSED"
    print(f"{'kmskit peak RSS':42} {rss:.0f} MiB   target < {TARGET_RSS_MIB:.0f} MiB: {verdict}")
    return 0 if met or not strict else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1G", help="input size, e.g. 64M or 1G (default 1G)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, median kept (default 3)")
    parser.add_argument("--dir", default=None, help="scratch directory (default /dev/shm)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    parser.add_argument("--no-esdk", action="store_true", help="skip aws-encryption-sdk")
    parser.add_argument("--gm", action="store_true", help="also measure the SM2 suite 0x4D05")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        impl, mode, src, dst, suite = args.child
        child(impl, mode, Path(src), Path(dst), suite)
        return 0
    size = parse_size(args.size)
    shm = Path("/dev/shm")  # noqa: S108 - tmpfs on purpose: the disk must not set the pace
    base = Path(args.dir) if args.dir else (shm if shm.is_dir() else Path(tempfile.gettempdir()))
    work = Path(tempfile.mkdtemp(prefix="kmskit-bench-", dir=base))
    rounds = max(1, args.rounds)
    print(f"before: {_load()}")
    try:
        rows = run_all(work, size, rounds, runners(not args.no_esdk, args.gm))
    finally:
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
    print(f"after:  {_load()}")
    return report(rows, size, base, rounds, args.strict)


if __name__ == "__main__":
    sys.exit(main())
