"""The distribution: one import package, ``kmskit``, and nothing else in site-packages.

The wheel is built from this checkout as a user would (``pip wheel --no-deps .``) and installed
into a fresh virtual environment. Its dependencies are not downloaded again: a ``.pth`` line
lends the test environment's site-packages directory, whose own ``.pth`` files (the editable
install of this checkout among them) are not processed, so only the wheel provides kmskit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("offline", "keystore", "envelope", "cli", "server", "vectors")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("kmskit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
         str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (Path(purelib) / "_kmskit_test_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    return env_dir


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env_dir / "bin" / "python"), *args],
        cwd=cwd,
        env={"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_wheel_holds_only_kmskit(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        top = {name.split("/", 1)[0] for name in zf.namelist()}
        names = set(zf.namelist())
    assert top == {"kmskit", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for layer in LAYERS:
        assert f"kmskit/{layer}/__init__.py" in names
        assert f"kmskit/{layer}/py.typed" in names
    assert {"kmskit/__init__.py", "kmskit/__main__.py", "kmskit/py.typed"} <= names
    # data the vectors layer reads at run time ships with it
    assert "kmskit/vectors/sets/ecdsa.json" in names


@pytest.mark.slow
def test_installed_wheel_imports_as_documented(installed: Path, tmp_path: Path) -> None:
    code = (
        "import kmskit\n"
        "from kmskit.offline import verify, load_public_key\n"
        "from kmskit.keystore import Keystore\n"
        "from kmskit.envelope import encrypt, decrypt, RawAesKeyring\n"
        "import kmskit.cli.main, kmskit.server, kmskit.vectors\n"
        "print(kmskit.__file__)\n"
    )
    proc = _run(installed, "-c", code, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(str(installed))


@pytest.mark.slow
@pytest.mark.parametrize("name", [*LAYERS, "facade"])
def test_no_layer_is_importable_on_its_own(installed: Path, tmp_path: Path, name: str) -> None:
    proc = _run(installed, "-c", f"import {name}", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"No module named '{name}'" in proc.stderr


@pytest.mark.slow
def test_python_dash_m_and_the_console_script_run_the_cli(installed: Path, tmp_path: Path) -> None:
    by_module = _run(installed, "-m", "kmskit", "--help", cwd=tmp_path)
    assert by_module.returncode == 0 and by_module.stdout.startswith("Usage: kmskit")
    script = subprocess.run(
        [str(installed / "bin" / "kmskit"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert script.returncode == 0 and script.stdout.startswith("kmskit, version ")


def test_every_package_folder_is_in_the_distribution() -> None:
    """A new subpackage that is not listed in pyproject.toml would be missing from the wheel
    (and from the strict editable install): every folder with an ``__init__.py`` under a
    layer must map to a listed ``kmskit.*`` package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    package_dir = config["package-dir"]
    expected = set()
    for package, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            expected.add(".".join([package, *relative.parts]) if relative.parts else package)
    assert expected == listed
    assert set(package_dir) == {"kmskit", *(f"kmskit.{layer}" for layer in LAYERS)}


def test_package_folders_in_the_makefile_match() -> None:
    """make reinstalls the strict editable install when one of these folders changes."""
    makefile = (ROOT / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("PACKAGE_DIRS :="))
    folders = set(line.split(":=", 1)[1].split())
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    expected = set()
    for folder in config["package-dir"].values():
        for init in (ROOT / folder).rglob("__init__.py"):
            expected.add(os.path.relpath(init.parent, ROOT))
    assert folders == expected
