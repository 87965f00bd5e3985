"""The code's shape: every table in a models.py, the workers root holds only the standard rooms,
every domain has init_app, and the import contracts hold (and would catch a wrong import)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.app import DOMAINS
from registry.core.database import Base

ROOT = Path(__file__).resolve().parents[1]
# The standard rooms (docs/ARCHITECTURE.md) the workers root has; export.py collects the sub-packages' rows
# for a person's data export, as every domain's export room does; demo.py seeds the demo workers of every stage.
WORKERS_ROOT_MODULES = {"__init__.py", "models.py", "services.py", "schemas.py", "views.py", "cli.py", "messages.py", "export.py",
                        "demo.py"}


def test_every_table_is_defined_in_a_models_module():
    misplaced = sorted(f"{mapper.class_.__module__}.{mapper.class_.__name__}"
                       for mapper in Base.registry.mappers if not mapper.class_.__module__.endswith(".models"))
    assert not misplaced, f"tables outside a models.py: {misplaced}"


def test_workers_root_holds_only_the_standard_rooms():
    extra = sorted(p.name for p in (ROOT / "workers").glob("*.py") if p.name not in WORKERS_ROOT_MODULES)
    assert not extra, f"move these into a workers sub-package: {extra}"


def test_every_domain_has_init_app():
    assert all(callable(getattr(domain, "init_app", None)) for domain in DOMAINS)
    assert len({domain.__name__ for domain in DOMAINS}) == len(DOMAINS)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run([command, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": f"{cwd}:{cwd / 'nfc'}"})


def test_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_import_contracts_catch_a_lower_layer_importing_a_higher_one(tmp_path):
    copy = tmp_path / "tree"
    for name in ("registry", "workers", "consent", "consumers", "disputes", "visits", "readerstation", "certverify",
                 "nfc", "setup.cfg"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, copy / name)
    clock = copy / "registry" / "core" / "clock.py"
    clock.write_text(clock.read_text() + "\nfrom workers import services as _wrong  # noqa: E402\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "registry.core.clock -> workers.services" in result.stdout
