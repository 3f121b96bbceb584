"""Command line: python -m analytics demo | import | export | summary | policies | report |
backup | restore | accounts | audit verify | evidence add | casefile (see analytics.cli).

The store is $DASHBOARD_DB (default data/dashboard.duckdb); terms come from $DASHBOARD_TERMS
(default data/terms.csv, else the default calendar).
"""

import sys

from analytics.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
