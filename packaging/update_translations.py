#!/usr/bin/env python3
"""The translation pipeline: extract every tr()/translate() string, merge it into the .ts, compile the .qm.

    python3 packaging/update_translations.py              # lupdate + lrelease (commit both .ts and .qm)
    python3 packaging/update_translations.py --check      # also fail (exit 1) when a string is untranslated
    python3 packaging/update_translations.py --export-unfinished todo.json   # strings still to translate
    python3 packaging/update_translations.py --import done.json              # fill them in, then rebuild

The JSON exchanged by --export-unfinished/--import is a list of {"context", "source", "translation"}
(plus "plurals": [...] for numerus messages), so a translator never has to touch the XML.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "gemini_desktop"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)
UNFINISHED_TYPES = {"unfinished", "vanished", "obsolete"}


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"gemini_desktop_{language}.ts"


def tool(name: str) -> str:
    """A PySide6 tool from the running interpreter's environment, or from PATH."""
    scripts = Path(sys.executable).parent
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: install PySide6 in this environment")
    return found


def source_files() -> list[Path]:
    return sorted(SOURCES.rglob("*.py"))


def run_lupdate(ts_file: Path, language: str) -> None:
    """Merge the strings of every source file into `ts_file` (created if missing), dropping vanished ones."""
    relative = [str(path.relative_to(ROOT)) for path in source_files()]
    subprocess.run(
        [tool("pyside6-lupdate"), *relative, "-no-obsolete", "-locations", "none", "-silent",
         "-target-language", language, "-ts", str(ts_file)],
        cwd=ROOT, check=True,
    )


def run_lrelease(ts_file: Path, qm_file: Path) -> None:
    command = [tool("pyside6-lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)]
    subprocess.run(command, cwd=ROOT, check=True)


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translations: tuple[str, ...]  # one entry, or one per plural form
    finished: bool

    @property
    def translated(self) -> bool:
        return self.finished and bool(self.translations) and all(t.strip() for t in self.translations)


def _translation_texts(translation: ET.Element) -> tuple[str, ...]:
    forms = translation.findall("numerusform")
    if forms:
        return tuple(form.text or "" for form in forms)
    return (translation.text or "",)


def read_messages(ts_file: Path) -> list[Message]:
    messages: list[Message] = []
    for context in ET.parse(ts_file).getroot().iter("context"):
        context_name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None:
                messages.append(Message(context_name, message.findtext("source", ""), (), False))
                continue
            messages.append(Message(
                context_name,
                message.findtext("source", ""),
                _translation_texts(translation),
                translation.get("type") not in UNFINISHED_TYPES,
            ))
    return messages


def untranslated(ts_file: Path) -> list[Message]:
    return [message for message in read_messages(ts_file) if not message.translated]


def export_unfinished(ts_file: Path, target: Path) -> int:
    todo = [{"context": m.context, "source": m.source, "translation": ""} for m in untranslated(ts_file)]
    target.write_text(json.dumps(todo, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(todo)


def import_translations(ts_file: Path, entries: list[dict[str, object]]) -> int:
    """Write translations into the .ts by (context, source); entries with an empty translation are skipped."""
    wanted = {
        (str(entry["context"]), str(entry["source"])): entry
        for entry in entries
        if entry.get("translation") or entry.get("plurals")
    }
    tree = ET.parse(ts_file)
    filled = 0
    for context in tree.getroot().iter("context"):
        context_name = context.findtext("name", "")
        for message in context.iter("message"):
            entry = wanted.get((context_name, message.findtext("source", "")))
            if entry is None:
                continue
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            translation.attrib.pop("type", None)
            for form in list(translation):
                translation.remove(form)
            if message.get("numerus") == "yes":
                translation.text = None
                plurals = entry.get("plurals") or [entry["translation"]]
                for text in plurals:  # type: ignore[union-attr]
                    ET.SubElement(translation, "numerusform").text = str(text)
            else:
                translation.text = str(entry["translation"])
            filled += 1
    ET.indent(tree)
    tree.write(ts_file, encoding="utf-8", xml_declaration=True)
    with ts_file.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    return filled


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any string is untranslated")
    parser.add_argument("--export-unfinished", type=Path, metavar="JSON")
    parser.add_argument("--import", dest="import_file", type=Path, metavar="JSON")
    parser.add_argument("--language", choices=LANGUAGES, default=LANGUAGES[0])
    options = parser.parse_args()

    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    ts_file = ts_path(options.language)
    run_lupdate(ts_file, options.language)
    if options.import_file:
        entries = json.loads(options.import_file.read_text(encoding="utf-8"))
        print(f"imported {import_translations(ts_file, entries)} translations")
        run_lupdate(ts_file, options.language)  # lupdate re-normalises the file we rewrote
    run_lrelease(ts_file, ts_file.with_suffix(".qm"))

    messages = read_messages(ts_file)
    missing = [message for message in messages if not message.translated]
    print(f"{ts_file.relative_to(ROOT)}: {len(messages)} strings, {len(missing)} untranslated")
    if options.export_unfinished:
        count = export_unfinished(ts_file, options.export_unfinished)
        print(f"wrote {count} entries to {options.export_unfinished}")
    if options.check and missing:
        for message in missing:
            print(f"  untranslated [{message.context}] {message.source!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
