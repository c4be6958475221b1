"""`python -m wodlab.cli`: the wodlab command."""

import sys

from wodlab.cli import main

sys.exit(main())
