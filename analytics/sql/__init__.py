"""Named queries, one per file, each read top to bottom as named WITH steps."""

from functools import cache
from importlib import resources


@cache
def load_query(name: str) -> str:
    """The text of analytics/sql/NAME.sql."""
    return resources.files(__name__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
