"""``python -m chaosgym.baselines {train,evaluate,benchmark} ...``."""

import sys

from chaosgym.baselines.cli import main

sys.exit(main())
