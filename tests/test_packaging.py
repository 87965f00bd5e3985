"""The repository layout keeps its promises: nfcpy is never shadowed, every
package is shipped, and the build ships every data file without a warning."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
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


# The top-level packages beside `idcard` (which lives in nfc/idcard).
TOP_PACKAGES = ("registry", "workers", "consumers", "consent", "disputes", "visits", "readerstation", "certverify")


def _package_dirs() -> set[str]:
    found = set()
    for top in TOP_PACKAGES:
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


# --- the build: no setuptools warning, every data file shipped ------------------

PACKAGE_FOLDERS = (*TOP_PACKAGES, "nfc")


def _data_files() -> set[str]:
    """Every non-Python file inside the packages, as the wheel names it (README.md files are for readers)."""
    found = set()
    for top in PACKAGE_FOLDERS:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc") and path.name != "README.md" \
                    and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT)
                parts = relative.parts[1:] if relative.parts[0] == "nfc" else relative.parts  # nfc/idcard ships as idcard
                found.add("/".join(parts))
    return found


def test_wheel_builds_without_setuptools_warnings_and_ships_every_data_file(tmp_path):
    """Build the wheel as pip does (setuptools' build_py, the step that warned about template and translation
    folders "absent from the packages configuration"), from a copy so no build/ lands in the checkout."""
    source = tmp_path / "source"
    for name in PACKAGE_FOLDERS:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "--wheel-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    output = built.stdout + built.stderr
    assert built.returncode == 0, output[-3000:]
    warnings = [line for line in output.splitlines() if "warn" in line.lower() or "deprecat" in line.lower()]
    assert not warnings, "\n".join(warnings[:20])
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if not name.endswith(".py") and ".dist-info/" not in name}
    assert shipped == _data_files()
