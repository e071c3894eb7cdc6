"""Start the Lookbook Studio desktop app (the same as the `lookbook-studio` command)."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
