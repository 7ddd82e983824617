"""Everything a person reads exists in Persian: no message in the code or templates lacks a translation,
none is marked fuzzy, and the compiled catalogues are the ones the .po files describe.

It needs GNU gettext (`make install` puts it on the machine), as `makemessages` itself does.
"""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", "config", "core", "crm", "dataset", "kpis", "support", "surveys", "webhooks", "templates",
           "locale"]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/fa/LC_MESSAGES/django.po") if ".venv" not in p.parts)
MAKEMESSAGES = ["makemessages", "--locale", "fa", "--no-obsolete", "--ignore", "tests/*", "--ignore", "bench/*"]


def _statistics(po: Path) -> str:
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{po.relative_to(ROOT)}: {result.stderr}"
    return result.stderr.strip().splitlines()[-1]


def _incomplete(po: Path) -> str | None:
    statistics = _statistics(po)
    return None if "fuzzy" not in statistics and "untranslated" not in statistics else statistics


def test_there_are_catalogues_for_every_app_and_the_templates():
    assert {p.relative_to(ROOT).parts[0] for p in CATALOGUES} == {
        "locale", "core", "crm", "kpis", "support", "surveys", "webhooks"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_of_a_catalogue_is_translated_and_none_is_fuzzy(po):
    assert _incomplete(po) is None, f"{po.relative_to(ROOT)}: {_statistics(po)}"


def test_every_message_in_the_code_and_templates_is_in_a_catalogue(tmp_path):
    """Extract the messages afresh from a copy of the sources: a new or changed string shows up as
    untranslated there, and the test names it."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    subprocess.run([sys.executable, "manage.py", *MAKEMESSAGES], cwd=tmp_path, check=True, capture_output=True,
                   env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    missing = []
    for po in sorted(tmp_path.glob("**/locale/fa/LC_MESSAGES/django.po")):
        if _incomplete(po):
            entries = [subprocess.run(["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
                                      capture_output=True, text=True, check=True).stdout
                       for flag in ("--untranslated", "--only-fuzzy")]
            missing.append(f"{po.relative_to(tmp_path)}: {_statistics(po)}\n" + "".join(entries)[:3000])
    assert not missing, "messages without a Persian translation (run `make messages`, then translate them):\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_is_the_translated_one(po, tmp_path):
    compiled = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed.relative_to(ROOT)} is missing: run `make messages`"
    with compiled.open("rb") as fresh, committed.open("rb") as shipped:
        assert gettext.GNUTranslations(shipped)._catalog == gettext.GNUTranslations(fresh)._catalog, \
            f"{committed.relative_to(ROOT)} is out of date: run `make messages`"
