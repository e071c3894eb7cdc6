"""Allow ``python -m lookbook.cli``."""

import sys

from lookbook.cli import main

sys.exit(main())
