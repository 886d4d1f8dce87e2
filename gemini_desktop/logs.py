"""The app's log: a rotating file (a windowed app has no console to read), stderr when there is one, Qt's
own messages and uncaught exceptions, all with API keys masked so a log can be attached to a bug report."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from gemini_desktop.paths import log_dir, private_file

LOG_FILE_NAME = "gemini-desktop.log"
MAX_LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 5
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"
REDACTED = "[REDACTED]"

_GOOGLE_API_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{20,}")
_NAMED_SECRET = re.compile(
    r"""(?ix)
    (
      (?:gemini_api_key|google_api_key|x-goog-api-key|api[-_ ]?key|[?&]key)  # the field or variable name
      ["']?\s*[:=]\s*["']?                                                  # separator, optional quotes
    )
    [^\s"',;&}\]]+                                                          # the secret itself
    """
)

_BEARER_TOKEN = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_qt_logger = logging.getLogger("qt")


def redact(text: str) -> str:
    """Mask anything that looks like an API key or token: Google keys by shape, bearer tokens (the local API's)
    after their scheme, others by the name they are given."""
    text = _BEARER_TOKEN.sub(lambda match: match.group(1) + REDACTED, _GOOGLE_API_KEY.sub(REDACTED, text))
    return _NAMED_SECRET.sub(lambda match: match.group(1) + REDACTED, text)


class SecretRedactingFilter(logging.Filter):
    """Rewrites each record before any handler formats it, including arguments and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _OwnHandlerMixin:
    """Marks handlers installed here, so a second setup_logging replaces them instead of doubling them."""


class _OwnFileHandler(_OwnHandlerMixin, RotatingFileHandler):
    def _open(self) -> Any:
        """Every log file (rotated ones too) owner-only from its first byte: it holds conversations' details."""
        private_file(Path(self.baseFilename))
        return super()._open()


class _OwnStreamHandler(_OwnHandlerMixin, logging.StreamHandler):  # type: ignore[type-arg]
    pass


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    where = f" ({context.file}:{context.line})" if context.file else ""
    _qt_logger.log(_QT_LEVELS.get(mode, logging.WARNING), "%s%s", message, where)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], Any]


def _log_uncaught(previous: ExceptHook) -> ExceptHook:
    """A windowed app's crash would otherwise vanish: put it in the log, then let the old hook run."""

    def hook(kind: type[BaseException], value: BaseException, trace: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            logging.getLogger("gemini_desktop").critical("Uncaught exception", exc_info=(kind, value, trace))
        previous(kind, value, trace)

    hook.__gemini_desktop_hook__ = True  # type: ignore[attr-defined]
    return hook


def setup_logging(level: int = logging.INFO) -> Path:
    """Configure the root logger (a repeat call replaces the earlier setup); return the log file's path."""
    path = log_dir() / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OwnHandlerMixin)]:
        root.removeHandler(handler)
        handler.close()

    formatter = logging.Formatter(LOG_FORMAT)
    handlers: list[logging.Handler] = []
    no_log_file: OSError | None = None
    try:
        handlers.append(_OwnFileHandler(path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"))
    except OSError as exc:  # a read-only profile: the app still starts, logging to stderr only
        no_log_file = exc
    if sys.stderr is not None:  # None in a windowed (no console) executable on Windows
        handlers.append(_OwnStreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(SecretRedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    if no_log_file is not None:
        logging.getLogger(__name__).warning("no log file (%s): logging to the console only", no_log_file)

    qInstallMessageHandler(_qt_message)
    if not getattr(sys.excepthook, "__gemini_desktop_hook__", False):
        sys.excepthook = _log_uncaught(sys.excepthook)
    return path
