"""``python -m jaxact.check``: the derivative checker's report (same as ``jaxact check``)."""

import sys

from jaxact.check.gradcheck import main

if __name__ == "__main__":
    sys.exit(main())
