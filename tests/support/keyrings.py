"""Keyring backends for tests: one in memory, and one in a JSON file that a child process can load by name
(`PYTHON_KEYRING_BACKEND=tests.support.keyrings.FileKeyring`, file named by TEST_KEYRING_FILE)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
from keyring.backend import KeyringBackend

FILE_VARIABLE = "TEST_KEYRING_FILE"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username))


class FileKeyring(MemoryKeyring):
    """The secrets of a whole test, shared by the processes it starts (never used outside tests)."""

    @property
    def _path(self) -> Path:
        return Path(os.environ[FILE_VARIABLE])

    def _load(self) -> None:
        try:
            self.secrets = {tuple(k.split("\n", 1)): v for k, v in json.loads(self._path.read_text()).items()}  # type: ignore[misc]
        except FileNotFoundError:
            self.secrets = {}

    def _save(self) -> None:
        self._path.write_text(json.dumps({"\n".join(k): v for k, v in self.secrets.items()}))

    def get_password(self, service: str, username: str) -> str | None:
        self._load()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._load()
        super().set_password(service, username, password)
        self._save()

    def delete_password(self, service: str, username: str) -> None:
        self._load()
        super().delete_password(service, username)
        self._save()


def keyring_in_use(backend: KeyringBackend) -> Iterator[Any]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
