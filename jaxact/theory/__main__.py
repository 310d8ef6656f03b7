"""``python -m jaxact.theory``: rebuild the shipped table of the catalog's edges of chaos."""

import sys

from jaxact.theory.meanfield import CARD_TABLE, rebuild_card_table

if __name__ == "__main__":
    table = rebuild_card_table(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"{len(table)} activations written to jaxact/{CARD_TABLE}")
