"""Gemini Desktop: a desktop chat app that keeps one gemini-cli session alive per chat."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gemini-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed (e.g. frozen without metadata)
    __version__ = "0.1.0"

APP_NAME = "Gemini Desktop"
APP_ID = "io.github.gemini_desktop.GeminiDesktop"
ORG_NAME = "gemini-desktop"
