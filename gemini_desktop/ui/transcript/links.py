"""Links in model output: a link opens only on a click, and one whose text or host could lie about where it
goes opens only after the user saw its real target."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox, QWidget

from gemini_desktop.ui.untrusted_links import link_host
from gemini_desktop.untrusted_text import visible_controls


def link_target_text(url: QUrl) -> str:
    """Where a link really goes, as plain text that cannot pass for another place: the host in punycode
    when it is not plain ASCII, user info and port kept, invisible and bidi characters written out."""
    if url.scheme().lower() not in ("http", "https"):
        return visible_controls(url.toDisplayString())
    host = url.host(QUrl.ComponentFormattingOption.FullyEncoded)
    authority = f"[{host}]" if ":" in host else host
    if url.userInfo():
        authority = f"{url.userInfo()}@{authority}"
    if url.port() != -1:
        authority += f":{url.port()}"
    query = f"?{url.query()}" if url.hasQuery() else ""
    fragment = f"#{url.fragment()}" if url.hasFragment() else ""
    return visible_controls(f"{url.scheme()}://{authority}{url.path()}{query}{fragment}")


def link_may_deceive(document: QTextDocument, url: QUrl) -> bool:
    """True when the link's host is not plain ASCII, or a link to it shows a text other than its target
    (a wrapped URL's pieces together count as its own text)."""
    href, shown = anchor_texts(document, url)
    if not (url.host().isascii() and link_host(href).isascii()):
        return True
    return not shown or (any(text != href for text in shown) and "".join(shown) != href)


def anchor_texts(document: QTextDocument, url: QUrl) -> tuple[str, list[str]]:
    """(the href as written, the text of each run of anchors going to `url`) in the document."""
    href = ""
    runs: list[str] = []
    run_end = -1
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            anchor = fragment.charFormat().anchorHref()
            if anchor and QUrl(anchor) == url:
                href = anchor
                text = fragment.text().replace("\u200b", "")
                if fragment.position() == run_end:
                    runs[-1] += text
                else:
                    runs.append(text)
                run_end = fragment.position() + fragment.length()
            iterator += 1
        block = block.next()
    return href, runs


def first_anchor_position(document: QTextDocument, href: str) -> int | None:
    """Document position inside the first anchor with this href."""
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().anchorHref() == href:
                return fragment.position() + min(1, fragment.length() - 1)
            iterator += 1
        block = block.next()
    return None


def confirm_link(parent: QWidget, url: QUrl) -> bool:
    """Ask before opening a link that may deceive, showing where it really goes."""
    box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("TranscriptView", "Open this link?"),
                      QCoreApplication.translate("TranscriptView",
                                                 "This link may not go where its text says. It really opens:")
                      + "\n\n" + link_target_text(url), parent=parent)
    box.setObjectName("confirmLink")
    box.setTextFormat(Qt.TextFormat.PlainText)
    opening = box.addButton(QCoreApplication.translate("TranscriptView", "Open link"),
                            QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is opening
