"""``kmskit serve`` under concurrent load, killed with SIGKILL mid-load, TLS.

- Many clients at once, and a ``kmskit kms`` process writing to the same home meanwhile:
  every request succeeds (no "database is locked" reaches a client).
- SIGKILL during a CreateKey/Encrypt load, then a restart: every CreateKey that got HTTP 200
  still exists, every ciphertext that got HTTP 200 still decrypts, and the audit log
  verifies (the response is sent only after the operation and its audit record commit).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.server._server import AccessKey, KmsServer, create_access_key, kmskit_cli


def test_concurrent_clients_and_a_cli_writer(
    server: KmsServer, access_key: AccessKey, server_home: Path
) -> None:
    key_id = server.client(access_key).create_key()["KeyMetadata"]["KeyId"]

    def worker(n: int) -> int:
        client = server.client(access_key)
        done = 0
        for i in range(15):
            plain = f"{n}-{i}".encode()
            blob = client.encrypt(KeyId=key_id, Plaintext=plain)["CiphertextBlob"]
            assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == plain
            done += 1
        return done

    stop = threading.Event()

    def cli_writer() -> int:
        count = 0
        while not stop.is_set():
            kmskit_cli("kms", "create-key", "--home", str(server_home))
            count += 1
        return count

    with ThreadPoolExecutor(max_workers=9) as pool:
        writer = pool.submit(cli_writer)
        results = list(pool.map(worker, range(8)))
        stop.set()
        assert writer.result() >= 1
    assert results == [15] * 8


@pytest.mark.slow
def test_sigkill_loses_nothing_that_was_acknowledged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = create_access_key(home)
    server = KmsServer(home)
    acknowledged_keys: list[str] = []
    acknowledged_blobs: list[tuple[bytes, bytes]] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        key_id = server.client(key).create_key()["KeyMetadata"]["KeyId"]
        acknowledged_keys.append(key_id)

        def load(n: int) -> None:
            client = server.client(key)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 3 == 0:
                        made = client.create_key()["KeyMetadata"]["KeyId"]
                        with lock:
                            acknowledged_keys.append(made)
                    else:
                        plain = f"{n}:{i}".encode()
                        blob = client.encrypt(KeyId=key_id, Plaintext=plain)["CiphertextBlob"]
                        with lock:
                            acknowledged_blobs.append((blob, plain))
                except (ClientError, BotoCoreError):
                    return  # the server is gone

        threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        stop.set()
        server.stop()
    assert len(acknowledged_blobs) > 10 and len(acknowledged_keys) > 3

    restarted = KmsServer(home)
    try:
        client = restarted.client(key)
        for made in acknowledged_keys:
            assert client.describe_key(KeyId=made)["KeyMetadata"]["KeyState"] == "Enabled"
        for blob, plain in acknowledged_blobs:
            assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == plain
    finally:
        assert restarted.stop() == 0
    assert "Audit log OK" in kmskit_cli("audit", "verify", "--home", str(home))


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(private, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls(tmp_path: Path) -> None:
    cert, private = _self_signed(tmp_path)
    home = tmp_path / "home"
    key = create_access_key(home)
    server = KmsServer(home, "--tls-cert", str(cert), "--tls-key", str(private), ca=cert)
    try:
        assert server.url.startswith("https://127.0.0.1:")
        client: Any = server.client(key)
        assert client.create_key()["KeyMetadata"]["KeyState"] == "Enabled"
    finally:
        assert server.stop() == 0
