"""Translations: every UI string has a Simplified Chinese translation, and the app loads it (and Qt's)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLocale

from gemini_desktop import i18n

ROOT = Path(__file__).resolve().parent.parent
RERUN_HINT = "run `.venv/bin/python packaging/update_translations.py --export-unfinished todo.json`, translate, " \
             "then `--import todo.json`"


def load_pipeline() -> Any:
    spec = importlib.util.spec_from_file_location("update_translations",
                                                  ROOT / "packaging" / "update_translations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


pipeline = load_pipeline()
COMMITTED_TS = pipeline.ts_path("zh_CN")
COMMITTED_QM = COMMITTED_TS.with_suffix(".qm")


@pytest.fixture(scope="module")
def fresh_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lupdate over today's sources, merged into a copy of the committed catalogue."""
    target = tmp_path_factory.mktemp("ts") / COMMITTED_TS.name
    shutil.copy(COMMITTED_TS, target)
    pipeline.run_lupdate(target, "zh_CN")
    return target


@pytest.fixture
def restore_language(qapp: Any) -> Iterator[Any]:
    previous_default = QLocale()
    yield qapp
    i18n.install_translators(qapp, "en")  # other tests expect the English source strings
    QLocale.setDefault(previous_default)


def test_every_ui_string_is_translated(fresh_ts: Path) -> None:
    messages = pipeline.read_messages(fresh_ts)
    assert len(messages) > 10, "lupdate found almost nothing: is the extraction broken?"
    missing = [f"[{m.context}] {m.source!r}" for m in messages if not m.translated]
    assert not missing, f"{len(missing)} untranslated strings ({RERUN_HINT}):\n" + "\n".join(missing)


def test_every_string_has_a_context_lupdate_can_see(fresh_ts: Path) -> None:
    """A tr() wrapper hides the context from lupdate: its catalogue entry would never match at run time."""
    nameless = [m.source for m in pipeline.read_messages(fresh_ts) if not m.context]
    assert not nameless, ("call QCoreApplication.translate('Context', '...') or self.tr() directly for: "
                          + ", ".join(repr(s) for s in nameless))


def test_committed_qm_matches_committed_ts(tmp_path: Path) -> None:
    rebuilt = tmp_path / "rebuilt.qm"
    pipeline.run_lrelease(COMMITTED_TS, rebuilt)
    assert COMMITTED_QM.read_bytes() == rebuilt.read_bytes(), "run packaging/update_translations.py"


def test_chinese_is_installed_with_qt_own_strings(restore_language: Any) -> None:
    sample = next(m for m in pipeline.read_messages(COMMITTED_TS) if m.translated and m.context)

    assert i18n.install_translators(restore_language, "zh_CN") == "zh_CN"

    assert QCoreApplication.translate(sample.context, sample.source) == sample.translations[0]
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"  # from Qt's qtbase catalogue
    assert QLocale().name() == "zh_CN"


def test_switching_back_to_english_removes_translators(restore_language: Any) -> None:
    sample = next(m for m in pipeline.read_messages(COMMITTED_TS) if m.translated and m.context)
    i18n.install_translators(restore_language, "zh_CN")

    assert i18n.install_translators(restore_language, "en") == "en"

    assert QCoreApplication.translate(sample.context, sample.source) == sample.source
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_language_without_catalogue_stays_english(restore_language: Any) -> None:
    assert i18n.install_translators(restore_language, "de_DE") == "en"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_system_language_is_followed(tmp_path: Path) -> None:
    probe = ("import sys; from PySide6.QtCore import QCoreApplication; from gemini_desktop import i18n; "
             "app = QCoreApplication([]); print(i18n.install_translators(app, sys.argv[1]))")
    env = {key: value for key, value in os.environ.items() if not key.startswith("LC_")}
    env.update(LANG="zh_CN.UTF-8", LANGUAGE="zh_CN", LC_ALL="zh_CN.UTF-8")
    for setting, expected in (("system", "zh_CN"), (None, "zh_CN"), ("en", "en")):
        completed = subprocess.run([sys.executable, "-c", probe, setting or ""], env=env, cwd=ROOT,
                                   capture_output=True, text=True, timeout=60)
        assert completed.stdout.strip() == expected, completed.stderr
