"""Entry point: ``python -m klgame`` and the ``klgame`` console script."""

from __future__ import annotations

import sys

from klgame.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
