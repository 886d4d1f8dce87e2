"""Interface language: our translation plus Qt's own (standard dialogs, context menus) for the chosen locale.

The setting "ui/language" is "system" (follow the OS), "en" (the source strings) or a locale like "zh_CN".
Catalogues: resources/translations/gemini_desktop_<locale>.qm, built by packaging/update_translations.py.
Qt's catalogue is only installed together with ours, so a locale we lack stays entirely English.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from gemini_desktop.paths import resources_dir

log = logging.getLogger(__name__)

SYSTEM_LANGUAGE = "system"
SOURCE_LANGUAGE = "en"
SUPPORTED_LANGUAGES = (SYSTEM_LANGUAGE, SOURCE_LANGUAGE, "zh_CN")
CATALOGUE_PREFIX = "gemini_desktop"

_installed: list[QTranslator] = []  # QCoreApplication does not own translators: keep them alive here


def translations_dir() -> str:
    return str(resources_dir() / "translations")


def resolve_locale(locale_override: str | None) -> QLocale:
    if not locale_override or locale_override == SYSTEM_LANGUAGE:
        return QLocale.system()
    return QLocale(locale_override)


def _load(locale: QLocale, catalogue: str, directory: str) -> QTranslator | None:
    translator = QTranslator()
    if translator.load(locale, catalogue, "_", directory):
        return translator
    return None


def install_translators(app: QCoreApplication, locale_override: str | None) -> str:
    """Install the translators (replacing earlier ones); return the interface language now in effect."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()

    locale = resolve_locale(locale_override)
    QLocale.setDefault(locale)
    if locale.language() in (QLocale.Language.English, QLocale.Language.C):
        return SOURCE_LANGUAGE

    ours = _load(locale, CATALOGUE_PREFIX, translations_dir())
    if ours is None:
        log.info("No Gemini Desktop translation for %s: showing English", locale.name())
        return SOURCE_LANGUAGE
    qt_base = _load(locale, "qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for translator in (qt_base, ours):
        if translator is not None:
            app.installTranslator(translator)
            _installed.append(translator)
    log.info("Interface language %s (Qt translations: %s)", locale.name(), "yes" if qt_base else "no")
    return locale.name()
