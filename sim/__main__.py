"""``python -m sim``: the same as ``csc-sim``."""

from sim.cli import main

raise SystemExit(main())
