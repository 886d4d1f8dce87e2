"""`python -m gemini_desktop` runs the app."""

import sys

from gemini_desktop.app import main

sys.exit(main())
