"""Starting ``kmskit serve`` for a test: a real process on a free 127.0.0.1 port (``--port
0``; the port is read from its first line), stopped with SIGTERM at the end."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.config

REGION = "eu-west-1"
PRINCIPAL = "arn:aws:iam::111122223333:user/alice"
# A clean AWS environment: nothing can reach a real account or read a developer's config.
AWS_ENV = {
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}
_DROP = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_SESSION_TOKEN")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith("KMSKIT")}
    env.update(AWS_ENV)
    env.update(extra)
    return env


def kmskit_cli(*args: str, env: dict[str, str] | None = None) -> str:
    """Run the kmskit console script; return stdout (it must succeed)."""
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "kmskit"), *args],
        capture_output=True,
        text=True,
        env=env or clean_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    secret: str


def create_access_key(home: Path, principal: str = PRINCIPAL) -> AccessKey:
    created = json.loads(
        kmskit_cli("access-key", "create", "--home", str(home), "--principal", principal)
    )
    return AccessKey(created["AccessKeyId"], created["SecretAccessKey"])


class KmsServer:
    """A running ``kmskit serve --home HOME --port 0``."""

    def __init__(self, home: Path, *extra: str, ca: Path | None = None) -> None:
        self.home = home
        self.ca = ca  # the CA bundle of a TLS server
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "kmskit"),
                "serve",
                "--home",
                str(home),
                "--port",
                "0",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on " not in line:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"kmskit serve did not start: {line!r} {err!r}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = f"{self.url}/health"  # http://127.0.0.1:PORT, printed by the server
                context = ssl.create_default_context(cafile=self.ca) if self.ca else None
                with urllib.request.urlopen(health, timeout=5, context=context) as reply:  # noqa: S310
                    if json.load(reply) == {"Status": "OK"}:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("kmskit serve never became healthy")
            time.sleep(0.05)

    def client(self, key: AccessKey, region: str = REGION) -> Any:
        return boto3.session.Session().client(
            "kms",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret,
            config=botocore.config.Config(retries={"max_attempts": 1}),
            verify=str(self.ca) if self.ca else None,
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
        return code
