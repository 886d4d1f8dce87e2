#!/bin/sh
# Wrap the PyInstaller app bundle in a compressed disk image with the usual drag-to-Applications layout.
# On macOS, after `python3 packaging/build.py` (which runs this itself there):
#   packaging/macos/make-dmg.sh 0.1.0
# Output: dist/gemini-desktop-<version>-macos-<arch>.dmg. Sign and notarize first for distribution (README.md).
set -eu

VERSION=${1:?usage: make-dmg.sh VERSION}
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
APP="$ROOT/dist/Gemini Desktop.app"
DMG="$ROOT/dist/gemini-desktop-$VERSION-macos-$(uname -m).dmg"

if [ ! -d "$APP" ]; then
    echo "error: $APP not found: run packaging/build.py first" >&2
    exit 1
fi
STAGING=$(mktemp -d)
trap 'rm -rf "$STAGING"' EXIT
cp -R "$APP" "$STAGING/"
ln -s /Applications "$STAGING/Applications"
rm -f "$DMG"
hdiutil create -volname "Gemini Desktop" -srcfolder "$STAGING" -fs HFS+ -format UDZO -ov "$DMG"
echo "$DMG"
