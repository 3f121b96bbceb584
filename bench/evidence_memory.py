"""Benchmark: memory and time of attaching the worst image of each type, and the report's
8000 x 8000 PNG (python bench/evidence_memory.py); prints the table kept in
docs/benchmarks.md. Never a test: tests/analytics/cases/test_evidence_memory.py holds the
same images to 150 MB.

Each image is attached in a fresh process of its own, one at a time (so that the times are
each one's own), by the test's own measure: its high-water mark above its memory just before.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.cases import MAX_MEGAPIXELS
from analytics.records import open_store
from tests.analytics.cases.test_evidence_memory import (
    attach_all,
    the_reported_bomb,
    worst_images,
)

REPEATS = 3
WHAT = {
    "worst.jpg": f"JPEG, {MAX_MEGAPIXELS['image/jpeg']} MP, progressive 4:4:4, sideways",
    "worst.png": f"PNG, {MAX_MEGAPIXELS['image/png']} MP, with transparency and 50 MB of text, "
    "sideways",
    "worst.webp": f"WebP, {MAX_MEGAPIXELS['image/webp']} MP, noise in every channel, sideways",
    "bomb.png": "the report's PNG of 8000 × 8000 (refused)",
}


def main() -> None:
    images = worst_images() | {"bomb.png": the_reported_bomb()}
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.duckdb"
        open_store(template, now=datetime.now()).close()
        runs = []
        for repeat in range(REPEATS):
            for name, data in images.items():
                place = Path(folder) / f"{repeat}-{name}"
                place.mkdir()
                runs.append((name, attach_all(place, {name: data}, template)[name]))
    print("| image | file (KB) | peak above the process's own (MB) | time (s) | outcome |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, data in images.items():
        mine = [attached for run_name, attached in runs if run_name == name]
        peak = max(attached.peak_mb for attached in mine)
        seconds = sorted(attached.seconds for attached in mine)[len(mine) // 2]
        outcome = mine[0].outcome.split(":")[0]
        print(f"| {WHAT[name]} | {len(data) // 1024:,} | {peak} | {seconds:.2f} | {outcome} |")


if __name__ == "__main__":
    main()
