"""The Linux pre-flight check names the missing xcb libraries and the apt-get line, before Qt can abort."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_desktop import app, preflight

X11_ENV = {"DISPLAY": ":0"}


@pytest.fixture
def missing_libs(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    missing: set[str] = set()
    monkeypatch.setattr(preflight, "find_library", lambda name: None if name in missing else f"lib{name}.so")
    return missing


def test_all_libraries_present_passes(missing_libs: set[str]) -> None:
    assert preflight.check(X11_ENV, platform="linux") is None


def test_missing_libraries_are_named_with_the_install_command(missing_libs: set[str]) -> None:
    missing_libs.update({"xcb-cursor", "EGL"})
    problem = preflight.check(X11_ENV, platform="linux")
    assert problem is not None
    assert problem.missing_packages == ("libxcb-cursor0", "libegl1")
    assert "sudo apt-get install libxcb-cursor0 libegl1" in problem.message


def test_no_display_at_all_is_explained(missing_libs: set[str]) -> None:
    problem = preflight.check({}, platform="linux")
    assert problem is not None
    assert "DISPLAY" in problem.message and "WAYLAND_DISPLAY" in problem.message


def test_xcb_requested_without_display(missing_libs: set[str]) -> None:
    problem = preflight.check({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, platform="linux")
    assert problem is not None and "DISPLAY is not set" in problem.message


@pytest.mark.parametrize("env", [
    {"QT_QPA_PLATFORM": "offscreen"},
    {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
    {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
])
def test_other_platforms_skip_the_xcb_check(missing_libs: set[str], env: dict[str, str]) -> None:
    missing_libs.add("xcb-cursor")
    assert preflight.check(env, platform="linux") is None


def test_not_linux_is_never_checked(missing_libs: set[str]) -> None:
    missing_libs.add("xcb-cursor")
    assert preflight.check({}, platform="win32") is None
    assert preflight.check({}, platform="darwin") is None


def test_main_prints_the_problem_and_exits_3(missing_libs: set[str], monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    missing_libs.add("xcb-icccm")
    monkeypatch.setattr(preflight.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert app.main([]) == preflight.PREFLIGHT_EXIT_CODE
    err = capsys.readouterr().err
    assert "libxcb-icccm4" in err
    assert "sudo apt-get install libxcb-icccm4" in err


def test_libraries_shipped_in_a_frozen_bundle_count_as_present(missing_libs: set[str], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    missing_libs.update({"xcb-cursor", "xcb-icccm"})
    (tmp_path / "PySide6" / "Qt" / "lib").mkdir(parents=True)
    (tmp_path / "PySide6" / "Qt" / "lib" / "libxcb-cursor.so.0").write_bytes(b"")
    monkeypatch.setattr(preflight.sys, "_MEIPASS", str(tmp_path), raising=False)
    problem = preflight.check(X11_ENV, platform="linux")
    assert problem is not None and problem.missing_packages == ("libxcb-icccm4",)
