"""History store benchmark: a 10,000-session / 300,000-message history, browsed, searched and imported into.

Run: `.venv/bin/python bench/bench_store.py` (prints a table; exit status 1 if a target is missed).
`main()` returns the rows for a bench runner.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rows import Row

from gemini_desktop.store import HistoryStore, import_cli_sessions

SESSIONS = 10_000
MESSAGES = 300_000
IMPORT_FILES = 1_000
SEED = 20261124

ENGLISH = (
    "the a to of and in is it that for you this with on be can use file function error value test build "
    "python code run project config session database query index table window widget signal thread "
    "process memory cache request response server client token model stream message history search "
    "import export format string number list dictionary class method return exception logging debug "
    "install package version update branch commit merge rebase deploy docker container network timeout "
    "retry async await loop event callback handler parser compiler linker kernel driver"
).split()
CHINESE = (
    "会话 恢复 数据库 搜索 索引 窗口 线程 进程 内存 缓存 请求 响应 服务器 客户端 模型 消息 历史 导出 "
    "格式 字符串 函数 错误 测试 构建 配置 项目 代码 运行 安装 更新 分支 提交 合并 部署 容器 网络 超时 "
    "重试 异步 事件 回调 解析 编译 内核 驱动 会话恢复 全文检索 性能优化 单元测试"
).split()
FOLDERS = [f"/home/dev/projects/{name}" for name in (
    "webshop", "compiler", "notes", "gemini-desktop", "ml-pipeline", "infra", "blog", "game", "bot", "cli")]
SYLLABLES = [consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aeiou"] + ["ch", "th", "x", "q"]
HANZI = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


def long_tail(rng: random.Random) -> list[str]:
    """What makes history search worth having: names (projects, functions, people, errors) and phrases that
    occur in only a few messages. 20,000 made-up names (some snake_case) and 5,000 Chinese compounds."""
    names = set()
    while len(names) < 20000:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 5)))
        names.add(name if rng.random() < 0.7 else f"{name}_{rng.choice(ENGLISH[20:])}")
    compounds = set()
    while len(compounds) < 5000:
        compounds.add("".join(rng.choice(HANZI) for _ in range(rng.randint(2, 4))))
    return sorted(names) + sorted(compounds)


LONG_TAIL = long_tail(random.Random(7))
MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview")


def sentence(rng: random.Random, words: int) -> str:
    pieces = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.25:
            pieces.append(rng.choice(CHINESE))
        elif roll < 0.28:
            pieces.append(rng.choice(LONG_TAIL))
        else:
            pieces.append(rng.choice(ENGLISH))
    return " ".join(pieces).capitalize() + "."


def build_history(path: Path, rng: random.Random) -> float:
    """Fill a fresh store with executemany in one transaction.

    The full-text index is built in one pass afterwards ('rebuild'), which is several times faster than
    row-by-row through the insert trigger; the trigger is put back exactly as the schema defined it.
    """
    HistoryStore.open(path).close()
    started = time.perf_counter()
    now = time.time()
    per_session = MESSAGES // SESSIONS
    sessions, messages = [], []
    message_id = 0
    for session_id in range(1, SESSIONS + 1):
        created = now - rng.uniform(0, 365 * 86400)
        sessions.append((session_id, f"g-{session_id:08d}", None, rng.choice(FOLDERS), rng.choice(MODELS),
                         created, created + per_session * 30, "app"))
        for turn in range(per_session):
            message_id += 1
            role = "user" if turn % 2 == 0 else "assistant"
            text = sentence(rng, rng.randint(6, 18) if role == "user" else rng.randint(20, 60))
            when = created + turn * 30
            messages.append((message_id, session_id, role, text, when, when))
    db = sqlite3.connect(path, isolation_level=None)
    [(trigger_sql,)] = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'"
                                  " AND sql LIKE '%AFTER INSERT%'").fetchall()
    db.execute("BEGIN")
    db.execute("DROP TRIGGER messages_fts_insert")
    db.executemany("INSERT INTO sessions (id, gemini_session_id, user_title, cwd, model, created, updated, source)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", sessions)
    db.executemany("INSERT INTO messages (id, session_id, role, text, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                   messages)
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    db.execute(trigger_sql)
    db.execute("COMMIT")
    db.execute("PRAGMA optimize")
    db.close()
    return time.perf_counter() - started


def time_panel_open(store: HistoryStore) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from gemini_desktop.ui.sidebar import Sidebar

    app = QApplication.instance() or QApplication([])
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        panel = Sidebar(store)
        panel.resize(1000, 800)
        panel.show()
        app.processEvents()
        assert panel.model.loaded_sessions > 0
        timings.append(time.perf_counter() - started)
        panel.close()
        panel.deleteLater()
        app.processEvents()
    return timings


def search_queries(rng: random.Random) -> list[str]:
    """What people look for in a history: specific names and phrases, words half typed, common words."""
    names, compounds = LONG_TAIL[:20000], [c for c in LONG_TAIL[20000:] if len(c) >= 3]
    specific = rng.sample(names, 12) + rng.sample(compounds, 4)
    typed = [name[: rng.randint(4, 6)] for name in rng.sample(names, 4)]
    common = ["timeout", "docker container", "会话恢复", "数据库", "async await", "parser"]
    short = ["会话", "恢复"]
    mixed = [f"{rng.choice(names)} {rng.choice(ENGLISH[20:])}" for _ in range(2)]
    queries = specific + typed + common + short + mixed
    rng.shuffle(queries)
    return queries


def time_each(function: Callable[[str], object], queries: list[str]) -> list[float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        timings.append(time.perf_counter() - started)
    return timings


def like_scan(path: Path) -> Callable[[str], object]:
    db = sqlite3.connect(path)

    def scan(query: str) -> object:
        sql = ("SELECT m.id, m.session_id, m.role, m.text FROM messages m JOIN sessions s ON s.id = m.session_id"
               " WHERE s.deleted_at IS NULL" + " AND m.text LIKE ?" * len(query.split())
               + " ORDER BY m.id DESC LIMIT 50")
        return db.execute(sql, [f"%{term}%" for term in query.split()]).fetchall()

    return scan


def write_cli_files(home: Path, rng: random.Random) -> None:
    projects = {folder: f"project-{index}" for index, folder in enumerate(FOLDERS)}
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "projects.json").write_text(json.dumps({"projects": projects}))
    for index in range(IMPORT_FILES):
        folder = rng.choice(FOLDERS)
        chats = home / ".gemini" / "tmp" / projects[folder] / "chats"
        chats.mkdir(parents=True, exist_ok=True)
        session_id = f"{index:08x}-cli0-4000-8000-{rng.randrange(16**12):012x}"
        stamp = f"2026-0{1 + index % 9}-1{index % 10}T10:{index % 60:02d}:00.000Z"
        records: list[dict] = [
            {"sessionId": session_id, "projectHash": "0" * 64, "startTime": stamp, "lastUpdated": stamp,
             "kind": "main"},
            {"$set": {"messages": [{"id": f"pre-{index}", "timestamp": stamp, "type": "user",
                                    "content": [{"text": "<session_context>\nsetup\n</session_context>"}]}]}},
        ]
        for turn in range(rng.randint(4, 16)):
            if turn % 2 == 0:
                records.append({"id": f"u-{index}-{turn}", "timestamp": stamp, "type": "user",
                                "content": [{"text": sentence(rng, 12)}]})
            else:
                records.append({"id": f"g-{index}-{turn}", "timestamp": stamp, "type": "gemini",
                                "content": sentence(rng, 40), "thoughts": [], "model": "gemini-2.5-flash",
                                "tokens": {"input": 100, "output": 50}})
            records.append({"$set": {"lastUpdated": stamp}})
        path = chats / f"session-{stamp[:16].replace(':', '-')}-{session_id[:8]}.jsonl"
        path.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> list[Row]:
    rng = random.Random(SEED)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as scratch:
        path = Path(scratch) / "history.sqlite3"
        built = build_history(path, rng)
        size_mb = path.stat().st_size / 1e6
        rows.append(Row(f"generate {SESSIONS:,} sessions / {MESSAGES:,} messages", f"{built:.1f} s "
                        f"({size_mb:.0f} MB)", "", None))

        store = HistoryStore.open(path)
        try:
            opened = time_panel_open(store)
            first_open = opened[0]
            rows.append(Row("history panel open, first page filled (first)", ms(first_open), "< 200 ms",
                            first_open < 0.2))
            rows.append(Row("history panel open, first page filled (median of 5)", ms(statistics.median(opened)),
                            "< 200 ms", statistics.median(opened) < 0.2))

            queries = search_queries(rng)
            store.search(queries[0])  # warm the page cache like an app that has been running
            fts = time_each(store.search, queries)
            hits = sum(1 for query in queries if store.search(query))
            rows.append(Row(f"search as you type, {len(queries)} queries (median)", ms(statistics.median(fts)),
                            "< 50 ms", statistics.median(fts) < 0.05))
            rows.append(Row("search as you type (p95)", ms(percentile(fts, 0.95)), "", None))
            rows.append(Row("queries with hits", f"{hits}/{len(queries)}", "", None))

            indexed = [query for query in queries if all(len(term) >= 3 for term in query.split())]
            fts_indexed = time_each(store.search, indexed)
            scan = like_scan(path)
            like = time_each(scan, indexed)
            ratio = statistics.median(like) / statistics.median(fts_indexed)
            rows.append(Row(f"FTS search, {len(indexed)} queries of 3+ chars (median)",
                            ms(statistics.median(fts_indexed)), "", None))
            rows.append(Row("plain LIKE '%q%' scan, same queries (median)", ms(statistics.median(like)), "", None))
            rows.append(Row("FTS speed-up over LIKE (median / median)", f"{ratio:.0f}x", ">= 20x", ratio >= 20))

            home = Path(scratch) / "cli-home"
            write_cli_files(home, rng)
            started = time.perf_counter()
            report = import_cli_sessions(store, home)
            imported = time.perf_counter() - started
            rows.append(Row(f"import {IMPORT_FILES:,} CLI session files ({report.sessions_added} sessions, "
                            f"{report.messages_added:,} messages)", f"{imported:.2f} s", "< 10 s",
                            imported < 10 and report.sessions_added == IMPORT_FILES and not report.errors))
            started = time.perf_counter()
            again = import_cli_sessions(store, home)
            rows.append(Row("re-import, nothing changed", f"{time.perf_counter() - started:.2f} s", "",
                            again.messages_added == 0 and again.sessions_added == 0))
        finally:
            store.close()
    print_table(rows)
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(row.metric) for row in rows)
    print(f"{'metric':<{width}}  {'value':>22}  {'target':>9}  result")
    print("-" * (width + 45))
    for row in rows:
        verdict = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(f"{row.metric:<{width}}  {row.value:>22}  {row.target:>9}  {verdict}")


if __name__ == "__main__":
    results = main()
    sys.exit(0 if all(row.passed is not False for row in results) else 1)
