"""The French catalog is complete, compiled, and covers every string in the code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po"
MO = PO.with_suffix(".mo")


def test_every_french_entry_is_translated_and_not_fuzzy():
    catalog = polib.pofile(str(PO))
    missing = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert missing == [] and fuzzy == []


def test_the_catalog_keeps_no_obsolete_entry():
    # `make messages` marks strings gone from the code obsolete (#~): drop them.
    catalog = polib.pofile(str(PO))
    assert [e.msgid for e in catalog.obsolete_entries()] == []


def test_the_compiled_catalog_matches_the_source():
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO))}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    source.pop((None, ""), None)
    compiled.pop((None, ""), None)
    assert compiled == source, "run `make messages` to recompile locale/fr"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext (apt gettext)")
def test_no_string_in_the_code_is_missing_from_the_catalog(tmp_path):
    # makemessages rewrites the catalog it finds: run it on a copy of the sources.
    root = Path(settings.BASE_DIR)
    for name in ("config", "ecmp", "jinja2", "templates", "locale"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**os.environ, "ECMP_VAR_DIR": str(tmp_path / "var")},
    )
    catalog = polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    # Nothing the code no longer says stays in the catalog.
    assert [e.msgid for e in catalog.obsolete_entries()] == []
