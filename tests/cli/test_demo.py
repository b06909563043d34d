"""`make demo` runs `kmskit demo`: it must pass end to end and leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_in_a_scratch_home(tmp_path: Path) -> None:
    env = {**os.environ, "KMSKIT_HOME": str(tmp_path / "must-not-be-used"), "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", "from kmskit.cli.main import run; run()", "demo"],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "demo finished: every step passed" in proc.stdout
    assert "Audit log OK" in proc.stdout
    # The test extra includes the server extra: the demo calls kmskit serve through botocore.
    assert "arn:aws:kms:eu-west-1:" in proc.stdout
    assert "graceful stop, exit 0" in proc.stdout
    # The Alibaba step: an Aliyun_SM4 key through the Alibaba API, a file in the Alibaba
    # format with id 9, decrypted.
    assert "KeyMetadata.Arn = acs:kms:cn-hangzhou:" in proc.stdout
    assert "KeyMetadata.KeySpec = SM4" in proc.stdout
    assert '"AlgorithmId": 9' in proc.stdout
    assert "report.csv and report.aliyun.csv are identical" in proc.stdout
    assert not (tmp_path / "must-not-be-used").exists()
    assert list(tmp_path.iterdir()) == []  # the scratch directory was removed
