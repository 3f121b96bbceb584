"""Memory of cleaning an image: the worst image accepted of each type takes under 150 MB
above the process's own, and the report's 8000 x 8000 PNG (once 1.2 GB) is refused from
its header, taking next to nothing.

Each image is attached by a child process of its own, as the app would attach it
(record_evidence, into a real store). Pillow's and libwebp's memory is C memory, which
tracemalloc does not see: the child reads its own resident memory just before the attach
and its high-water mark just after (Linux's VmRSS and VmHWM, the mark first reset to the
memory in use, where the kernel allows it).
"""

from __future__ import annotations

import io
import random
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image, PngImagePlugin

from analytics.cases.evidence import JPEG, MAX_BYTES, MAX_MEGAPIXELS, PNG, WEBP
from tests.conftest import copy_store_files

PROJECT_ROOT = Path(__file__).resolve().parents[3]
BUDGET_MB = 150
GPS_IFD, ORIENTATION = 0x8825, 0x0112

# Attach one file to a case of a new store and print: MB above the process's own at the
# peak, seconds taken, then what became of the file.
ATTACH = """
import sys
import time
from datetime import datetime
from pathlib import Path

from analytics.cases.evidence import record_evidence
from analytics.cases.register import record_case
from analytics.records.opening import open_store
from tests.conftest import make_case

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB

folder, image = Path(sys.argv[1]), Path(sys.argv[2])
now = datetime(2026, 3, 15, 10)
store = open_store(folder / "store.duckdb", now=now)
case_id = record_case(store, make_case(), actor="head", now=now)
data = image.read_bytes()
try:
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark, from here on
except OSError:
    pass  # kept from the start: the figure can only come out larger
own, start = status("VmRSS"), time.perf_counter()
try:
    record_evidence(store, case_id, data, image.name, note=None, actor="head", now=now)
    outcome = "accepted"
except Exception as refused:
    outcome = f"refused: {refused}"
took = time.perf_counter() - start
print(round(status("VmHWM") - own), f"{took:.2f}", outcome, sep="\\n")
"""


class Attached(NamedTuple):
    peak_mb: int  # above the process's own memory before the attach
    seconds: float
    outcome: str  # "accepted", or "refused: " and why


def attach_all(folder: Path, images: dict[str, bytes], template: Path) -> dict[str, Attached]:
    """Attach each image in a fresh process of its own, all at once, each to a copy of the
    migrated store at template."""
    children = {}
    for name, data in images.items():
        place = folder / name.replace(".", "-")
        place.mkdir()
        copy_store_files(template, place / "store.duckdb")
        (place / name).write_bytes(data)
        children[name] = subprocess.Popen(
            [sys.executable, "-c", ATTACH, str(place), str(place / name)],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    results = {}
    for name, child in children.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        peak, seconds, outcome = out.strip().split("\n", 2)
        results[name] = Attached(int(peak), float(seconds), outcome)
    return results


def sideways_exif() -> Image.Exif:
    """A phone's EXIF: held sideways (so the picture is turned, two copies for a moment),
    and where it was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (51.0, 30.0, 12.5)
    return exif


def at_cap(media_type: str, width: int) -> tuple[int, int]:
    pixels = MAX_MEGAPIXELS[media_type] * 1_000_000
    assert pixels % width == 0
    return width, pixels // width


def noisy(mode: str, size: tuple[int, int], rows: int) -> Image.Image:
    """A flat picture whose first rows are noise, so its file is nearly as large as allowed
    and the encoders have as much to do as such a file can give them."""
    picture = Image.new(mode, size, (30, 60, 200, 255)[: len(mode)])
    noise = random.Random(rows).randbytes(len(mode) * size[0] * rows)
    picture.paste(Image.frombytes(mode, (size[0], rows), noise), (0, 0))
    return picture


def encoded(picture: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, exif=sideways_exif(), **options)
    data = buffer.getvalue()
    assert MAX_BYTES * 0.6 < len(data) <= MAX_BYTES, len(data)  # near the size limit
    return data


def worst_images() -> dict[str, bytes]:
    """The costliest image of each type: at its cap, sideways, the file near 10 MB.

    - JPEG: progressive with full colour detail (4:4:4), so libjpeg holds every
      coefficient, 6 bytes a pixel, while it decodes;
    - PNG: with transparency, and 50 MB of compressed text, which Pillow reads before the
      pixels (it allows 64 MB);
    - WebP: noise in every channel, transparency too, for libwebp's encoder.
    """
    text = PngImagePlugin.PngInfo()
    for number in range(50):
        text.add_text(f"note {number}", "x" * 1_000_000, zip=True)
    return {
        "worst.jpg": encoded(
            noisy("RGB", at_cap(JPEG, 5000), rows=680), "JPEG",
            quality=100, subsampling=0, progressive=True,
        ),
        "worst.png": encoded(
            noisy("RGBA", at_cap(PNG, 4000), rows=580), "PNG", pnginfo=text, compress_level=1
        ),
        "worst.webp": encoded(
            noisy("RGBA", size := at_cap(WEBP, 2000), rows=size[1]), "WEBP", quality=100
        ),
    }  # fmt: skip


def the_reported_bomb() -> bytes:
    """A black PNG of 8000 x 8000 pixels, as the report's (about 190 KB), compressed row by
    row so that making it does not take the memory it would take to decode."""
    width, height = 8000, 8000
    squeeze, row = zlib.compressobj(9), b"\x00" * (1 + 3 * width)  # filter byte, then RGB
    pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", png_chunk(b"IHDR", header), png_chunk(b"IDAT", pixels),
         png_chunk(b"IEND", b"")]
    )  # fmt: skip


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def plain_picture() -> bytes:
    """40 MB of pixels as Pillow keeps them (4 bytes a pixel), upright, in a small file."""
    buffer = io.BytesIO()
    Image.new("RGB", (5000, 2000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.long
def test_the_worst_image_of_each_type_takes_under_150_mb_and_the_bomb_next_to_none(
    tmp_path, migrated_template
):
    results = attach_all(
        tmp_path,
        worst_images() | {"bomb.png": the_reported_bomb(), "plain.png": plain_picture()},
        migrated_template,
    )
    print(results)  # the figures for docs/benchmarks.md (bench/evidence_memory.py)
    for name in ("worst.jpg", "worst.png", "worst.webp"):
        assert results[name].outcome == "accepted", (name, results[name])
        assert results[name].peak_mb < BUDGET_MB, results
    bomb = results["bomb.png"]
    assert bomb.outcome == (
        "refused: evidence: the image is 8,000 × 8,000 pixels; PNG images may be at most "
        f"{MAX_MEGAPIXELS[PNG]} megapixels"
    )
    assert bomb.peak_mb < 10, results  # its header alone: it once took 1,227 MB
    # The measure sees what an attach takes: a figure under the budget is not one of nothing.
    assert results["plain.png"].outcome == "accepted"
    assert results["plain.png"].peak_mb >= 40, results
