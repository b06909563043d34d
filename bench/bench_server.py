"""kmskit serve against moto's server: Encrypt and GenerateDataKey at 1, 8 and 32 concurrent
connections, both servers started here on 127.0.0.1 in the same run.

The load comes from ``wrk`` (HTTP/1.1 keep-alive, as SDKs use), else ``ab`` (Debian's
apache2-utils; HTTP/1.0, a new connection per request), replaying one SigV4-signed request,
so the client is C and not the bottleneck; a signed request stays valid for 15 minutes, as
in AWS. Without either, the same requests are replayed by Python processes with
``http.client`` (one per connection, keep-alive), which tops out lower. Install one with
``apt-get install wrk`` (or apache2-utils). ``BENCH_SERVER_LOAD=wrk|ab|python`` forces a
generator, ``BENCH_SERVER_SECONDS`` sets the time per cell (default 5).

Every kmskit request is a full operation: authenticated, committed with its audit record
and fsynced before the answer (group commit, docs/server.md). Prints requests/s, p50 and
p99 latency, the server's peak RSS, and the ratio to moto.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
SECONDS = float(os.environ.get("BENCH_SERVER_SECONDS", "5"))
CONNECTIONS = (1, 8, 32)
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - our loopback URL
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error answer: it is up
                return
            time.sleep(0.1)
    raise SystemExit(f"{url} never answered")


def _peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


class Target:
    def __init__(self, name: str, process: subprocess.Popen[Any], url: str, key: tuple[str, str]):
        self.name, self.process, self.url, self.key = name, process, url, key
        self.client = boto3.client(
            "kms",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=key[0],
            aws_secret_access_key=key[1],
        )
        self.key_id = self.client.create_key()["KeyMetadata"]["KeyId"]

    def signed(self, operation: str, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        data = json.dumps(body).encode()
        request = AWSRequest(
            method="POST",
            url=self.url + "/",
            data=data,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"TrentService.{operation}",
            },
        )
        SigV4Auth(Credentials(*self.key), "kms", REGION).add_auth(request)
        return dict(request.headers.items()), data

    def stop(self) -> float:
        rss = _peak_rss_mib(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return rss


def start_kmskit(work: Path) -> Target:
    home = work / "home"
    created = subprocess.run(
        [str(BIN / "kmskit"), "access-key", "create", "--home", str(home), "--principal",
         "arn:aws:iam::111122223333:user/bench"],
        capture_output=True, text=True, check=True,
    )
    key = json.loads(created.stdout)
    process = subprocess.Popen(
        [str(BIN / "kmskit"), "serve", "--home", str(home), "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split("listening on ", 1)[1].split()[0]
    _wait(url + "/health", process)
    return Target("kmskit", process, url, (key["AccessKeyId"], key["SecretAccessKey"]))


def start_moto() -> Target:
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/moto-api/", process)
    return Target("moto", process, url, ("testing", "testing"))


# -- load ---------------------------------------------------------------------------------


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = io.open(os.getenv("BENCH_BODY"), "rb"):read("*a")
{headers}
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %f %f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def run_wrk(headers: dict[str, str], body: bytes, url: str, connections: int) -> dict[str, float]:
    lines = "\n".join(
        f'wrk.headers["{name}"] = "{value}"'
        for name, value in headers.items()
        if name.lower() != "content-length"
    )
    with tempfile.TemporaryDirectory() as tmp:
        script, body_file = Path(tmp) / "load.lua", Path(tmp) / "body.json"
        script.write_text(_WRK_SCRIPT.format(headers=lines))
        body_file.write_bytes(body)
        out = subprocess.run(
            ["wrk", "-t", str(min(connections, 2)), "-c", str(connections),
             "-d", f"{SECONDS:g}s", "-s", str(script), url + "/"],
            capture_output=True, text=True, check=False,
            env={**os.environ, "BENCH_BODY": str(body_file)},
        ).stdout
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out)
    if match is None:
        raise SystemExit(f"wrk gave no result:\n{out}")
    requests, errors, micros = int(match[1]), int(match[2]), int(match[3])
    return {"rps": requests / (micros / 1e6), "p50": float(match[4]), "p99": float(match[5]),
            "errors": errors}


def run_ab(headers: dict[str, str], body: bytes, url: str, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        f.write(body)
        f.flush()
        args = ["ab", "-q", "-k", "-c", str(connections), "-t", str(SECONDS), "-n", "10000000",
                "-p", f.name, "-T", headers["Content-Type"]]
        for name, value in headers.items():
            if name.lower() not in ("content-type", "content-length"):
                args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, url + "/"], capture_output=True, text=True, check=False).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    p50 = float(re.search(r"\n\s+50%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"\n\s+99%\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    errors = failed + (int(non2xx.group(1)) if non2xx else 0)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def _replay(args: tuple[str, int, dict[str, str], bytes, float]) -> list[float]:
    import http.client

    host, port, headers, body, until = args
    conn = http.client.HTTPConnection(host, port)
    latencies: list[float] = []
    while time.monotonic() < until:
        start = time.perf_counter()
        conn.request("POST", "/", body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            latencies.append(-1.0)
            continue
        latencies.append((time.perf_counter() - start) * 1000)
    conn.close()
    return latencies


def run_processes(
    headers: dict[str, str], body: bytes, url: str, connections: int
) -> dict[str, float]:
    host, port = url.removeprefix("http://").split(":")
    until = time.monotonic() + SECONDS
    with multiprocessing.Pool(connections) as pool:
        results = pool.map(_replay, [(host, int(port), headers, body, until)] * connections)
    all_ok = sorted(x for r in results for x in r if x >= 0)
    errors = sum(1 for r in results for x in r if x < 0)
    if not all_ok:
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": errors}
    return {
        "rps": len(all_ok) / SECONDS,
        "p50": all_ok[len(all_ok) // 2],
        "p99": all_ok[min(len(all_ok) - 1, int(len(all_ok) * 0.99))],
        "errors": errors,
    }


def main() -> int:
    forced = os.environ.get("BENCH_SERVER_LOAD")  # wrk, ab or python
    if forced not in (None, "wrk", "ab", "python"):
        raise SystemExit("BENCH_SERVER_LOAD must be wrk, ab or python")
    if forced == "wrk" or (forced is None and shutil.which("wrk")):
        load, name = run_wrk, "wrk (HTTP/1.1 keep-alive)"
    elif forced == "ab" or (forced is None and shutil.which("ab")):
        load, name = run_ab, "ab (HTTP/1.0, a connection per request)"
    else:
        load, name = run_processes, "Python processes (keep-alive)"
    print(f"load generator: {name}; {SECONDS:g} s per cell")
    results: dict[tuple[str, str, int], dict[str, float]] = {}
    rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for start in (lambda: start_kmskit(Path(tmp)), start_moto):
            target = start()
            try:
                for operation, body in (
                    ("Encrypt", {"KeyId": target.key_id,
                                 "Plaintext": base64.b64encode(os.urandom(32)).decode()}),
                    ("GenerateDataKey", {"KeyId": target.key_id, "KeySpec": "AES_256"}),
                ):
                    headers, data = target.signed(operation, body)
                    for n in CONNECTIONS:
                        results[(target.name, operation, n)] = load(headers, data, target.url, n)
            finally:
                rss[target.name] = target.stop()
    print(f"{'operation':<16}{'conns':>6}  {'kmskit req/s':>12} {'p50 ms':>7} {'p99 ms':>7}"
          f"  {'moto req/s':>10} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>6}")
    for operation in ("Encrypt", "GenerateDataKey"):
        for n in CONNECTIONS:
            k, m = results[("kmskit", operation, n)], results[("moto", operation, n)]
            ratio = k["rps"] / m["rps"] if m["rps"] else float("inf")
            print(f"{operation:<16}{n:>6}  {k['rps']:>12.0f} {k['p50']:>7.1f} {k['p99']:>7.1f}"
                  f"  {m['rps']:>10.0f} {m['p50']:>7.1f} {m['p99']:>7.1f}  {ratio:>5.1f}x"
                  + (f"  (errors: kmskit {k['errors']:.0f}, moto {m['errors']:.0f})"
                     if k["errors"] or m["errors"] else ""))
    print(f"peak RSS: kmskit serve {rss['kmskit']:.0f} MiB, moto_server {rss['moto']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
