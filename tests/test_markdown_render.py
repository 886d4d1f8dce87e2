"""Markdown -> inert Qt rich text: what is rendered, what stays literal, and streaming settles blocks once."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from PySide6.QtGui import QTextDocument

from gemini_desktop.ui.code_highlight import CodeHighlighter, highlighted_code_html
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.markdown_stream import MarkdownStream
from gemini_desktop.ui.markdown_tables import grid_font
from gemini_desktop.ui.qt_safe_text import clean_text
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.untrusted_links import is_safe_link


@pytest.fixture
def renderer(qapp: object) -> MarkdownRenderer:
    return MarkdownRenderer(Theme.from_palette(qapp.palette()))  # type: ignore[attr-defined]


def plain(markup: str) -> str:
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def test_headings_lists_tables_quotes_emphasis_render(renderer: MarkdownRenderer) -> None:
    markup = renderer.render(
        "# Title\n\n*em* **strong** `code`\n\n- one\n- two\n\n> quoted\n\n| a | b |\n|---|--:|\n| 1 | 22 |\n"
    ).html
    assert "<h1>Title</h1>" in markup
    assert "<em>em</em>" in markup and "<strong>strong</strong>" in markup
    assert "<ul>" in markup and "<blockquote" in markup
    assert "┌" in markup and "│" in markup  # the table, drawn as a grid
    text = plain(markup)
    assert "1 │ 22" in text.replace("  ", " ")


def test_fenced_code_is_highlighted_with_a_copy_anchor(renderer: MarkdownRenderer) -> None:
    rendered = renderer.render("```python\ndef f():\n    return 1\n```\n", code_href=lambda i: f"copy:{i}")
    assert rendered.code_blocks == ["def f():\n    return 1"]
    assert rendered.code_languages == ["python"]
    assert 'style="color:#' in rendered.html  # Pygments colours as inline styles
    assert '<a href="copy:0" style="color:' in rendered.html
    assert "python" in plain(rendered.html)


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "<b>bold</b>", '<img src="http://example.com/x.png">',
                                 "<a href='https://x'>x</a>"])
def test_raw_html_is_shown_as_literal_text(renderer: MarkdownRenderer, raw: str) -> None:
    markup = renderer.render(f"before {raw} after").html
    assert "<script" not in markup and "<b>" not in markup and "<img" not in markup and "<a href='" not in markup
    assert raw in plain(markup)  # a URL inside it may be a link; the tag is text


@pytest.mark.parametrize("href", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "vbscript:x",
                                  "relative/path", "ftp://example.com"])
def test_unsafe_links_are_plain_text(renderer: MarkdownRenderer, href: str) -> None:
    markup = renderer.render(f"[x]({href})").html
    assert "<a " not in markup
    assert not is_safe_link(href)


@pytest.mark.parametrize("href", ["https://example.com", "http://example.com/a?b=c", "mailto:a@example.com"])
def test_safe_links_are_anchors(renderer: MarkdownRenderer, href: str) -> None:
    markup = renderer.render(f"[x]({href})").html
    assert f'<a href="{href.replace("&", "&amp;")}"' in markup


@pytest.mark.parametrize(("text", "href"), [
    ("see https://example.com/a?b=1.", "https://example.com/a?b=1"),
    ("(docs: https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("看这里https://example.com/路径，谢谢", "https://example.com/路径"),
    ("链接：https://example.com/x。下一句", "https://example.com/x"),
    ("「https://example.com/q」", "https://example.com/q"),
    ("**HTTP://EXAMPLE.COM/b**!", "HTTP://EXAMPLE.COM/b"),
    ("x https://a.example/\"onmouseover=alert(1)", "https://a.example/"),
])
def test_bare_urls_become_links_ending_where_the_sentence_resumes(
        renderer: MarkdownRenderer, text: str, href: str) -> None:
    markup = renderer.render(text).html
    assert markup.count("<a ") == 1
    assert f'<a href="{href}"' in markup
    assert plain(markup).strip() == text.replace("**", "")  # the text itself is unchanged


@pytest.mark.parametrize("text", ["javascript:alert(1)", "file:///etc/passwd", "https://", "xhttps://example.com",
                                  "`https://example.com` in code", "ftp://example.com"])
def test_only_real_bare_http_urls_become_links(renderer: MarkdownRenderer, text: str) -> None:
    assert "<a " not in renderer.render(text).html


def test_a_url_inside_a_link_is_not_linked_twice(renderer: MarkdownRenderer) -> None:
    markup = renderer.render("[https://example.com/shown](https://example.com/real) and https://example.com/bare").html
    assert markup.count("<a ") == 2 and markup.count("</a>") == 2
    assert '<a href="https://example.com/shown"' not in markup


def columns_of(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


WIDE_TABLE = ("| Option | 说明 |\n|---|---|\n"
              "| `--acp` | Runs **the agent over the Agent Client Protocol so that editors can drive it**, see "
              "https://example.com/docs/agent-client-protocol/overview/introduction for more |\n"
              "| 会话 | 这是一个很长的中文单元格，用来测试在没有空格的情况下表格能否正确换行而不是变得非常宽。 |\n")


def grid_lines(markup: str) -> list[tuple[str, list[float]]]:
    """Each line of the rendered grid with the x of its bars and junctions, as Qt lays it out."""
    document = QTextDocument()
    document.setHtml(markup)
    document.setTextWidth(10_000)
    document.documentLayout().documentSize()
    lines = []
    block = document.begin()
    while block.isValid():
        text = block.text()
        if text[:1] in "┌│├└":
            line = block.layout().lineAt(0)
            lines.append((text, [line.cursorToX(i)[0] for i, ch in enumerate(text) if ch in "┌┐│├┤┬┼┴└┘"]))
        block = block.next()
    return lines


def assert_bars_line_up(lines: list[tuple[str, list[float]]], tolerance: float) -> None:
    """Every bar within `tolerance` of the junction above it in the top rule (which is drawn exactly)."""
    rule = lines[0][1]
    for text, bars in lines:
        assert len(bars) == len(rule), text
        assert all(abs(x - expected) <= tolerance for x, expected in zip(bars, rule, strict=True)), (text, bars, rule)


def test_a_table_wider_than_the_view_wraps_its_cells_and_its_bars_line_up(renderer: MarkdownRenderer) -> None:
    renderer.table_width = 60
    markup = renderer.render(WIDE_TABLE).html
    lines = grid_lines(markup)
    assert len(lines) > 6, "the long cells should take several lines"
    space = grid_font().width(" ")
    assert max(bars[-1] for _, bars in lines) <= 62 * space, [text for text, _ in lines]
    half_space = space / 2 + 0.5
    assert len(lines[0][1]) == 3
    assert_bars_line_up(lines, half_space)
    words = " ".join(text.split("│")[2].strip() for text, _ in lines if text.startswith("│"))
    assert "Runs the agent over the Agent Client Protocol so that editors can drive it, see" in words
    assert "这是一个很长的中文单元格" in words.replace(" ", "")
    assert markup.count("<strong>") == markup.count("</strong>") > 1  # bold closed and reopened per line
    hrefs = set(re.findall(r'<a href="([^"]+)"', markup))
    assert hrefs == {"https://example.com/docs/agent-client-protocol/overview/introduction"}
    assert markup.count("<a href") > 1  # each piece of the cut URL opens the whole of it


def test_a_table_that_fits_keeps_one_line_per_row(renderer: MarkdownRenderer) -> None:
    renderer.table_width = 60
    lines = grid_lines(renderer.render("| a | bb |\n|:-:|--:|\n| 1 | 22 |\n| 中文 | 3 |\n").html)
    assert [text.replace("─", "").replace(" ", "") for text, _ in lines] == [
        "┌┬┐", "│a│bb│", "├┼┤", "│1│22│", "│中文│3│", "└┴┘"]
    assert_bars_line_up(lines, grid_font().width(" ") / 2 + 0.5)


def test_images_show_alt_text_and_are_never_loaded(renderer: MarkdownRenderer) -> None:
    markup = renderer.render("![a cat](https://example.com/cat.png)").html
    assert "<img" not in markup
    assert "a cat" in plain(markup)


@pytest.mark.parametrize("text", [
    "", "\x00\x00", "\ud800 lone surrogate \udfff", "a\r\nb\rc", ">" * 5000 + " deep", "[" * 20000,
    "*" * 20000, "- " * 3000 + "x", "```" * 1000, "|" * 5000 + "\n|-|\n", "x" * 1_000_000,
])
def test_hostile_input_never_crashes(renderer: MarkdownRenderer, text: str) -> None:
    started = time.perf_counter()
    markup = renderer.render(text).html
    assert isinstance(markup, str)
    plain(markup)  # and Qt accepts the result
    assert time.perf_counter() - started < 20


def test_clean_text_removes_what_qt_cannot_hold() -> None:
    assert clean_text("a\x00b\ud800c\r\n") == "a\ufffdb\ufffdc\n"


def test_stream_settles_each_block_once(renderer: MarkdownRenderer) -> None:
    text = "# Head\n\nFirst paragraph.\n\n```python\nx = 1\n```\n\n- a\n- b\n\nLast words"
    stream = MarkdownStream()
    settled_parts: list[str] = []
    for index in range(0, len(text), 3):
        stream.append(text[index:index + 3])
        settled, tail = renderer.render_stream(stream, final=False)
        settled_parts.append(settled.html)
    settled, tail = renderer.render_stream(stream, final=True)
    settled_parts.append(settled.html)
    assert tail.html == ""
    whole = "".join(settled_parts)
    assert whole.count("<h1>Head</h1>") == 1
    assert whole.count("First paragraph.") == 1
    assert plain(whole) == plain(renderer.render(text).html)


def test_growing_code_block_is_plain_until_it_settles(renderer: MarkdownRenderer) -> None:
    stream = MarkdownStream("Intro\n\n```python\ndef f():\n")
    settled, tail = renderer.render_stream(stream, final=False)
    assert "Intro" in settled.html
    assert "def f():" in tail.html and 'style="color:#' not in tail.html


def test_highlighter_works_in_slices(qapp: object) -> None:
    theme = Theme.from_palette(qapp.palette())  # type: ignore[attr-defined]
    code = "\n".join(f"def f{i}(x):\n    return x + {i}" for i in range(300))
    highlighter = CodeHighlighter(code, "python", theme)
    steps = 0
    while not highlighter.advance(0.0):
        steps += 1
    assert steps > 1
    assert highlighter.html() == highlighted_code_html(code, "python", theme)


def test_unknown_language_falls_back_to_plain(renderer: MarkdownRenderer) -> None:
    rendered = renderer.render("```no-such-language\n<tag> & stuff\n```")
    assert "&lt;tag&gt; &amp; stuff" in rendered.html


def test_render_count_counts_renders(renderer: MarkdownRenderer) -> None:
    before = renderer.render_count
    renderer.render("a")
    renderer.render("b")
    assert renderer.render_count == before + 2
