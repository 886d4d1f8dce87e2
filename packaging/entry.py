"""PyInstaller's entry script: the frozen app starts exactly like the `gemini-desktop` console script."""

import sys

from gemini_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
