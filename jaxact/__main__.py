"""``python -m jaxact``: the ``jaxact`` command (see :mod:`jaxact.cli`)."""

import sys

from jaxact.cli import main

if __name__ == "__main__":
    sys.exit(main())
