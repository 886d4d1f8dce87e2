#!/bin/sh
# Install (or with --uninstall remove) Gemini Desktop for the current user, from an unpacked release tarball:
#   the bundle        -> $PREFIX/opt/gemini-desktop          (PREFIX defaults to ~/.local)
#   a launcher link   -> $PREFIX/bin/gemini-desktop
#   menu entry, AppStream metadata and icons -> $PREFIX/share/{applications,metainfo,icons/hicolor}
set -eu

APP_ID=io.github.gemini_desktop.GeminiDesktop
PREFIX=${PREFIX:-"$HOME/.local"}
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
BUNDLE_SOURCE="$HERE/gemini-desktop"
TARGET="$PREFIX/opt/gemini-desktop"
SHARE="$PREFIX/share"
ICONS="$SHARE/icons/hicolor"

refresh_caches() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$SHARE/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$ICONS" || true
    fi
}

uninstall() {
    rm -rf -- "$TARGET"
    rm -f -- "$PREFIX/bin/gemini-desktop" "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml"
    rm -f -- "$ICONS"/*/apps/"$APP_ID".png "$ICONS/scalable/apps/$APP_ID.svg"
    refresh_caches
    echo "Gemini Desktop removed from $PREFIX"
}

install_bundle() {
    if [ ! -x "$BUNDLE_SOURCE/gemini-desktop" ]; then
        echo "error: no bundle at $BUNDLE_SOURCE (run this script from the unpacked release)" >&2
        exit 1
    fi
    resources="$BUNDLE_SOURCE/_internal/resources"

    # Copy next to the old copy, then swap, so a failed copy never leaves a half-installed app behind.
    mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$SHARE/applications" "$SHARE/metainfo" "$ICONS/scalable/apps"
    rm -rf -- "$TARGET.new"
    cp -R -- "$BUNDLE_SOURCE" "$TARGET.new"
    rm -rf -- "$TARGET"
    mv -- "$TARGET.new" "$TARGET"
    ln -sf -- "$TARGET/gemini-desktop" "$PREFIX/bin/gemini-desktop"

    # The menu may not have $PREFIX/bin on its PATH: point Exec at the installed binary itself.
    sed "s|^Exec=gemini-desktop|Exec=\"$TARGET/gemini-desktop\"|" \
        "$resources/linux/$APP_ID.desktop" > "$SHARE/applications/$APP_ID.desktop"
    cp -- "$resources/linux/$APP_ID.metainfo.xml" "$SHARE/metainfo/$APP_ID.metainfo.xml"
    cp -- "$resources/icons/gemini-desktop.svg" "$ICONS/scalable/apps/$APP_ID.svg"
    for png in "$resources"/icons/png/gemini-desktop-*.png; do
        size=${png##*-}
        size=${size%.png}
        mkdir -p "$ICONS/${size}x${size}/apps"
        cp -- "$png" "$ICONS/${size}x${size}/apps/$APP_ID.png"
    done
    refresh_caches
    echo "Gemini Desktop installed in $TARGET"
    echo "Start it from the application menu, or run: $PREFIX/bin/gemini-desktop"
}

case "${1:-}" in
    --uninstall) uninstall ;;
    "") install_bundle ;;
    *) echo "usage: $0 [--uninstall]" >&2; exit 2 ;;
esac
