"""`python -m wodlab.bench`: the benchmark run (wodlab.bench.run)."""

import sys

from wodlab.bench.run import main

sys.exit(main())
