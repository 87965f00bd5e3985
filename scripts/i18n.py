"""Keep the Chinese catalog in step with the code.

    python scripts/i18n.py update   # extract msgids, merge into the zh catalog, report untranslated
    python scripts/i18n.py compile  # write the .mo files the app loads

The .po file is the source of the translations; the .mo is committed too and
a test checks that it matches.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "registry" / "translations"
POT = ROOT / ".cache" / "messages.pot"
LOCALES = ["zh"]
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def extract() -> None:
    POT.parent.mkdir(exist_ok=True)
    subprocess.run(PYBABEL + ["extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                              "--no-location", "--sort-output", "--omit-header", "-o", str(POT), str(ROOT)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def update() -> int:
    extract()
    for locale in LOCALES:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        args = ["-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale]
        if command == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        subprocess.run(PYBABEL + [command] + args, check=True, cwd=ROOT)
    return report()


def report() -> int:
    from babel.messages.pofile import read_po

    missing = 0
    for locale in LOCALES:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and not message.string:
                missing += 1
                print(f"untranslated [{locale}]: {message.id}")
    return 1 if missing else 0


def compile_catalogs() -> None:
    subprocess.run(PYBABEL + ["compile", "-d", str(TRANSLATIONS), "--use-fuzzy"], check=True, cwd=ROOT)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "update"
    if action == "update":
        sys.exit(update())
    if action == "compile":
        compile_catalogs()
        sys.exit(0)
    print(__doc__)
    sys.exit(2)
