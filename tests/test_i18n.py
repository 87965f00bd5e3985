"""The Chinese catalog is complete and its compiled form is current."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "registry" / "translations" / "zh" / "LC_MESSAGES"


def _po():
    with (CATALOG / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_compiled_catalog_matches_source():
    def key(value):  # plural messages come back as lists
        return tuple(value) if isinstance(value, list) else value

    with (CATALOG / "messages.mo").open("rb") as handle:
        compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
    source = {key(m.id): key(m.string) for m in _po() if m.id and m.string}
    assert compiled == source, "run: python scripts/i18n.py compile"


def test_every_ui_string_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), str(ROOT)],
                   check=True, cwd=ROOT)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    translated = {m.id for m in _po() if m.id and m.string}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run scripts/i18n.py update): {missing[:20]}"


def test_pages_follow_browser_language_and_switch(client):
    assert "家政服务信用信息平台" in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert "Household Services Credit Information Platform" in english
    client.get("/?lang=en")
    assert "News and policies" in client.get("/news", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_no_english_string_carries_chinese_text():
    """English is the second language: a msgid with Chinese in it ("Departed (离职)") leaks into the English UI."""
    leaking = [m.id for m in _po() if m.id and re.search(r"[\u4e00-\u9fff]", m.id if isinstance(m.id, str) else m.id[0])]
    assert not leaking, leaking
