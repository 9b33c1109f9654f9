"""`python -m localcloud up|down|status|env|reset|logs APP`."""

import sys

from localcloud.cli import main

sys.exit(main())
