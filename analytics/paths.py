"""Where the project's own files are: the committed seeds, and by default the store, under
data/ beside the package."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDER = PROJECT_ROOT / "data"
