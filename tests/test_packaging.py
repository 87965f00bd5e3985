"""The repository layout keeps its promises: nfcpy is never shadowed and every
package is shipped."""
from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_nfc_gives_nfcpy_from_repository_root():
    out = subprocess.run([sys.executable, "-c", "import nfc, idcard; print(nfc.__file__); print(nfc.__version__)"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert "site-packages" in out[0] and out[0].endswith("nfc/__init__.py")
    assert out[1] == "1.0.4"
    assert not (ROOT / "nfc" / "__init__.py").exists()


def _listed_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {line.strip() for line in parser["options"]["packages"].splitlines() if line.strip()}


def _package_dirs() -> set[str]:
    found = set()
    for top in ("registry", "workers", "consumers", "consent", "disputes"):
        for init in (ROOT / top).rglob("__init__.py") if (ROOT / top).exists() else []:
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    idcard_root = ROOT / "nfc" / "idcard"
    for init in idcard_root.rglob("__init__.py"):
        found.add(".".join(("idcard",) + init.parent.relative_to(idcard_root).parts))
    return found


def test_every_package_is_listed_in_setup_cfg():
    missing = _package_dirs() - _listed_packages()
    assert not missing, f"add these to [options] packages in setup.cfg: {sorted(missing)}"


def test_setup_cfg_lists_no_phantom_packages():
    phantom = _listed_packages() - _package_dirs()
    assert not phantom, f"setup.cfg lists packages that do not exist: {sorted(phantom)}"
