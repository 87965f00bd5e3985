"""`scripts/ensure-venv.sh` (the install step of scripts/run and scripts/test): pip runs only when .venv is
missing, of another Python or folder, or setup.cfg / pyproject.toml changed; a failed install leaves no stamp.

Each test runs the real script on a copy of the checkout's three input files, with a real venv made
without pip and a stand-in `pip` module inside it that records its arguments (so no test reaches a
package index and nothing is installed).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUB_PIP = """import json, os, sys
with open(os.environ["STUB_PIP_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.exit(int(os.environ.get("STUB_PIP_EXIT", "0")))
"""


class Checkout:
    """A folder laid out like the repository root, as far as the script reads it."""

    def __init__(self, folder: Path):
        self.root = folder
        (folder / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "ensure-venv.sh", folder / "scripts" / "ensure-venv.sh")
        for name in ("setup.cfg", "pyproject.toml"):
            shutil.copy(ROOT / name, folder / name)
        self.log = folder / "pip-calls.jsonl"

    def make_venv(self) -> None:
        """A real venv of `python3` without pip, with the stand-in pip module in its site-packages."""
        subprocess.run(["python3", "-m", "venv", "--without-pip", str(self.root / ".venv")], check=True, timeout=120)
        purelib = subprocess.run([str(self.root / ".venv" / "bin" / "python"), "-c",
                                  "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        (Path(purelib) / "pip").mkdir()
        (Path(purelib) / "pip" / "__init__.py").write_text("")
        (Path(purelib) / "pip" / "__main__.py").write_text(STUB_PIP)

    def run(self, *args: str, pip_exit: int = 0) -> subprocess.CompletedProcess:
        env = {**os.environ, "STUB_PIP_LOG": str(self.log), "STUB_PIP_EXIT": str(pip_exit)}
        return subprocess.run(["bash", str(self.root / "scripts" / "ensure-venv.sh"), *args], cwd=self.root,
                              env=env, capture_output=True, text=True, timeout=120)

    def pip_calls(self) -> list[list[str]]:
        """The pip commands run so far; reading them clears the record."""
        if not self.log.exists():
            return []
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        self.log.unlink()
        return calls


@pytest.fixture
def checkout(tmp_path) -> Checkout:
    if shutil.which("python3") is None or shutil.which("sha256sum") is None:
        pytest.skip("needs python3 and sha256sum on PATH")
    return Checkout(tmp_path / "checkout")


def installs(calls: list[list[str]]) -> list[str]:
    """What each `pip install` installed, the upgrade of pip itself included."""
    return [" ".join(arg for arg in call[1:] if not arg.startswith("--")) for call in calls]


def test_without_a_venv_an_install_is_due(checkout):
    checked = checkout.run("--check")
    assert checked.returncode == 1 and "install needed: no .venv yet" in checked.stdout
    assert not (checkout.root / ".venv").exists()


def test_installs_once_and_then_only_when_setup_cfg_or_pyproject_changes(checkout):
    checkout.make_venv()
    assert "no record of a finished install" in checkout.run("--check").stdout

    first = checkout.run()
    assert first.returncode == 0, first.stderr
    assert installs(checkout.pip_calls()) == ["pip setuptools wheel", "-e ."]

    again = checkout.run()
    assert again.returncode == 0 and "up to date" in again.stdout
    assert checkout.pip_calls() == []
    assert checkout.run("--check").returncode == 0

    (checkout.root / "setup.cfg").touch()  # a new mtime with the same content is no change
    assert checkout.run().returncode == 0 and checkout.pip_calls() == []

    with open(checkout.root / "setup.cfg", "a") as setup_cfg:
        setup_cfg.write("\n# a new dependency would go here\n")
    changed = checkout.run()
    assert changed.returncode == 0 and "setup.cfg, pyproject.toml or scripts/ensure-venv.sh changed" in changed.stdout
    assert installs(checkout.pip_calls()) == ["pip setuptools wheel", "-e ."]

    with open(checkout.root / "pyproject.toml", "a") as pyproject:
        pyproject.write("\n# a build requirement would go here\n")
    assert checkout.run().returncode == 0
    assert installs(checkout.pip_calls()) == ["pip setuptools wheel", "-e ."]


def test_test_extras_are_installed_on_top_and_cover_the_app(checkout):
    checkout.make_venv()
    assert checkout.run().returncode == 0
    checkout.pip_calls()
    checked = checkout.run("--check", "test")
    assert checked.returncode == 1 and "the test extras are not installed yet" in checked.stdout
    assert checkout.run("test").returncode == 0
    assert installs(checkout.pip_calls()) == ["pip setuptools wheel", "-e .[test]"]
    assert checkout.run("test").returncode == 0 and checkout.run().returncode == 0
    assert checkout.pip_calls() == []


def test_a_failed_install_leaves_no_stamp_and_is_tried_again(checkout):
    checkout.make_venv()
    assert checkout.run().returncode == 0
    with open(checkout.root / "setup.cfg", "a") as setup_cfg:
        setup_cfg.write("\n# changed\n")
    failed = checkout.run(pip_exit=1)
    assert failed.returncode != 0
    assert not (checkout.root / ".venv" / "registry-install.stamp").exists()
    assert "no record of a finished install" in checkout.run("--check").stdout


def test_a_venv_of_another_python_or_folder_is_made_afresh(checkout, tmp_path):
    checkout.make_venv()
    assert checkout.run().returncode == 0

    moved = tmp_path / "moved"
    shutil.copytree(checkout.root, moved, symlinks=True)
    checked = subprocess.run(["bash", "scripts/ensure-venv.sh", "--check"], cwd=moved, capture_output=True,
                             text=True, timeout=120)
    assert checked.returncode == 1 and "was made for another folder" in checked.stdout

    python = checkout.root / ".venv" / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\necho 3.10.0 cpython-310 /opt/another-python\n")
    python.chmod(0o755)
    checked = checkout.run("--check")
    assert checked.returncode == 1 and "was made with another Python" in checked.stdout
