"""Evidence of a case: screenshots and documents of the post, kept safe in the store.

A file is judged by its first bytes, never by its name: PNG, JPEG or WebP images and PDF
documents, up to 10 MiB each. An image is decoded and saved again from its pixels alone,
turned upright first, so nothing else the file carried is kept: no EXIF (camera, GPS
position, times), no XMP, no ICC colour profile (colours are taken as sRGB), no comments
or text chunks. A PDF is kept exactly as received: its own metadata (author, software,
dates) is NOT removed, and the app never opens it, only hands it out as a download.

Each item keeps the SHA-256 of what is stored and of what was received (an image's differ,
as it is re-encoded), who added it and when. Adding, viewing and downloading an item are
on the audit trail, and so is each thumbnail the case page shows.

An image is refused from its header, before its pixels are decoded, when it has more pixels
than its type's cap (MAX_MEGAPIXELS), so that the worst image accepted takes under 150 MB of
memory to clean.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import duckdb
from PIL import Image, ImageOps, UnidentifiedImageError

from analytics.cases.rules import (
    MAX_TEXT_LENGTH,
    CaseInvalid,
)
from analytics.problems import Problem
from analytics.records import (
    CASE_RECORD_TYPE,
    Store,
    record_audit,
)
from analytics.sql import load_query
from analytics.text import FREE_TEXT_CONTROL_CHARACTERS, clean_text

PNG, JPEG, WEBP, PDF = "image/png", "image/jpeg", "image/webp", "application/pdf"
# What each accepted type is called on screen and in the case file.
MEDIA_TYPES = MappingProxyType(
    {PNG: "PNG image", JPEG: "JPEG image", WEBP: "WebP image", PDF: "PDF document"}
)
EXTENSIONS = MappingProxyType({PNG: "png", JPEG: "jpg", WEBP: "webp", PDF: "pdf"})
_PILLOW_FORMATS = MappingProxyType({PNG: ("PNG",), JPEG: ("JPEG", "MPO"), WEBP: ("WEBP",)})

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB, the most a received file may be
# Re-encoding a well-compressed image can make it a little larger; never this much.
MAX_STORED_BYTES = 2 * MAX_BYTES
# A 10 MiB file can hold a picture that decodes to gigabytes (a "decompression bomb": 8000 x
# 8000 pixels in 265 KB took 1.2 GB), so an image's pixels are capped, judged from its header
# before any is decoded. Each type's cap keeps the worst image of that type under 150 MB of
# memory above the process's own while it is cleaned (tests/analytics/cases/
# test_evidence_memory.py; figures in docs/benchmarks.md). At 13 megapixels: a progressive
# JPEG holds all its coefficients while it decodes (about 125 MB), a PNG turned upright is
# two copies for a moment (100 MB). WebP costs far more a pixel: Pillow's reader keeps
# libwebp's two canvases and a copy of the frame, and libwebp's encoder takes up to 40 bytes
# a pixel for a noisy picture (a 3-megapixel one, 125 MB). 13 megapixels takes a phone's
# 12-megapixel photograph and a 4K screenshot; 3 a phone's screenshot.
MAX_MEGAPIXELS = MappingProxyType({PNG: 13, JPEG: 13, WEBP: 3})
THUMBNAIL_PIXELS = 240  # the long side of a thumbnail
JPEG_QUALITY = 92
WEBP_QUALITY = 90
MAX_FILE_NAME_LENGTH = 100

ADDED, VIEWED, DOWNLOADED = "evidence added", "evidence viewed", "evidence downloaded"
THUMBNAIL_VIEWED = "evidence thumbnail viewed"
_READ_ACTIONS = MappingProxyType({"view": VIEWED, "download": DOWNLOADED})

_LIST_COLUMNS = (
    "id, incident_id, media_type, file_name, sha256, original_sha256, size_bytes, "
    "original_size_bytes, note, added_by, added_at, thumbnail"
)
_UNSAFE_NAME_CHARACTERS = re.compile(r"[^\w .()+,'’-]")


class EvidenceNotFound(LookupError):
    """No evidence item has the id asked for (or it was erased with its case)."""


@dataclass(frozen=True)
class EvidenceItem:
    """One item as listed on a case: everything but its content."""

    id: int
    incident_id: int
    media_type: str
    file_name: str
    sha256: str
    original_sha256: str
    size_bytes: int
    original_size_bytes: int
    note: str | None
    added_by: str
    added_at: datetime
    # A small JPEG of an image, for the case page; None for a PDF.
    thumbnail: bytes | None

    @property
    def is_image(self) -> bool:
        return self.media_type != PDF

    @property
    def type_label(self) -> str:
        return MEDIA_TYPES[self.media_type]

    @property
    def download_name(self) -> str:
        """A file name for a download: plain ASCII, safe in a Content-Disposition header,
        e.g. "evidence-12-Capture-d-ecran.png"."""
        stem = self.file_name.rsplit(".", 1)[0]
        ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-")[:60]
        return f"evidence-{self.id}{'-' + slug if slug else ''}.{EXTENSIONS[self.media_type]}"

    @property
    def differs_from_received(self) -> bool:
        """Whether cleaning changed the file (a PDF never; an image with metadata, always)."""
        return self.sha256 != self.original_sha256


@dataclass(frozen=True)
class _Prepared:
    """A received file as it will be stored."""

    media_type: str
    content: bytes
    thumbnail: bytes | None


def describe_upload_limits() -> str:
    """What the evidence form accepts, as it says above the file picker, e.g. "... images:
    PNG and JPEG up to 13 megapixels, WebP up to 3 ..."."""
    caps = []
    for cap in sorted(set(MAX_MEGAPIXELS.values()), reverse=True):
        names = [MEDIA_TYPES[kind].removesuffix(" image") for kind, most in MAX_MEGAPIXELS.items()
                 if most == cap]  # fmt: skip
        caps.append(f"{' and '.join(names)} up to {cap}{' megapixels' if not caps else ''}")
    return (
        f"One file at a time: a PNG, JPEG or WebP image or a PDF document, up to "
        f"{MAX_BYTES // (1024 * 1024)} MB; images: {', '.join(caps)}. Images are saved again "
        "without their hidden details, such as where they were taken."
    )


# ---------------------------------------------------------------------------- writes


def record_evidence(
    store: Store,
    incident_id: int,
    data: bytes,
    file_name: str,
    *,
    note: str | None,
    actor: str,
    now: datetime,
) -> int:
    """Attach one file to a case and return the new item's id.

    Refuses with CaseInvalid, writing nothing, a file over MAX_BYTES, of a type other than
    the four (judged from its content), an image Pillow cannot decode, an image of more
    pixels than its type's MAX_MEGAPIXELS (judged from its header, before decoding), a CMYK
    JPEG, a note too long, and a case that is missing or anonymised. The decoding and
    re-encoding happen before the write lock is taken.
    """
    data, note = bytes(data), clean_text(note)
    problems = list(_note_problems(note))
    prepared = None
    try:
        prepared = _prepare(data)
    except CaseInvalid as refused:
        problems = refused.problems + problems
    if problems:
        raise CaseInvalid(problems)
    added_at = now.replace(microsecond=0)
    with store.transaction() as cursor:
        _ensure_open_to_evidence(cursor, incident_id)
        sha256 = _sha256(prepared.content)
        (evidence_id,) = cursor.execute(
            load_query("insert_evidence"),
            [
                incident_id,
                prepared.media_type,
                clean_file_name(file_name, prepared.media_type),
                prepared.content,
                prepared.thumbnail,
                sha256,
                _sha256(data),
                len(prepared.content),
                len(data),
                note,
                actor,
                added_at,
            ],
        ).fetchall()[0]
        # The trail names the item and its digest, never the file name (it may name someone).
        record_audit(
            cursor, actor, ADDED, CASE_RECORD_TYPE, incident_id, now=now,
            detail=f"evidence {evidence_id}, sha256 {sha256}",
        )  # fmt: skip
    return evidence_id


def record_evidence_file(
    store: Store, incident_id: int, path: Path, *, note: str | None, actor: str, now: datetime
) -> int:
    """Attach a file from disk (the command line), reading no more than the limit allows:
    a larger file is refused without being read whole."""
    path = Path(path)
    with path.open("rb") as file:
        data = file.read(MAX_BYTES + 1)
    return record_evidence(store, incident_id, data, path.name, note=note, actor=actor, now=now)


def erase_case_evidence(cursor: duckdb.DuckDBPyConnection, incident_id: int) -> int:
    """Delete every evidence item of one case inside the caller's transaction (disposal);
    returns how many. The bytes leave the store file only when it is rewritten
    (Store.rewrite), as DuckDB does not overwrite the blocks it frees."""
    (erased,) = cursor.execute(
        "DELETE FROM evidence WHERE incident_id = ?", [incident_id]
    ).fetchall()[0]
    return int(erased)


def erase_demo_evidence(cursor: duckdb.DuckDBPyConnection) -> int:
    """Delete the evidence of every demonstration case inside the caller's transaction,
    before the cases themselves go; returns how many items."""
    (erased,) = cursor.execute(
        "DELETE FROM evidence WHERE incident_id IN (SELECT id FROM incidents WHERE is_demo)"
    ).fetchall()[0]
    return int(erased)


# ----------------------------------------------------------------------------- reads


def load_evidence_list(store: Store, incident_id: int) -> list[EvidenceItem]:
    """Every item of a case, oldest first, with thumbnails but without content."""
    rows = store.read_rows(
        f"SELECT {_LIST_COLUMNS} FROM evidence WHERE incident_id = ? ORDER BY added_at, id",
        [incident_id],
    )
    return [_item(row) for row in rows]


def load_evidence_content(
    store: Store,
    evidence_id: int,
    *,
    actor: str,
    now: datetime,
    purpose: Literal["view", "download"] = "view",
) -> tuple[EvidenceItem, bytes]:
    """One item and its content, for the person named; the trail records it as viewed or
    downloaded before anything is returned. EvidenceNotFound if there is no such item."""
    action = _READ_ACTIONS.get(purpose)
    if action is None:
        raise ValueError("purpose must be 'view' or 'download'")
    # Read and audited in one transaction: what is returned is what the trail records.
    with store.transaction() as cursor:
        rows = cursor.execute(
            f"SELECT {_LIST_COLUMNS}, content FROM evidence WHERE id = ?", [evidence_id]
        ).fetchall()
        if not rows:
            raise EvidenceNotFound(f"no evidence item with id {evidence_id}")
        item, content = _item(rows[0][:-1]), rows[0][-1]
        record_audit(
            cursor, actor, action, CASE_RECORD_TYPE, item.incident_id, now=now,
            detail=f"evidence {item.id}",
        )  # fmt: skip
    return item, bytes(content)


def record_thumbnails_viewed(
    store: Store, incident_id: int, evidence_ids: Sequence[int], *, actor: str, now: datetime
) -> None:
    """Who saw which pictures: one audit row for each item whose thumbnail is shown, in one
    transaction, before the page shows them. The page calls it once per item each time a
    case is opened, not at every rerun while it stays open."""
    if not evidence_ids:
        return
    with store.transaction() as cursor:
        for evidence_id in evidence_ids:
            record_audit(
                cursor, actor, THUMBNAIL_VIEWED, CASE_RECORD_TYPE, incident_id, now=now,
                detail=f"evidence {evidence_id}",
            )  # fmt: skip


def count_case_evidence(store: Store, incident_id: int) -> int:
    return int(
        store.read_value("SELECT count(*) FROM evidence WHERE incident_id = ?", [incident_id])
    )


# ------------------------------------------------------------------ judging a file


def judge_media_type(data: bytes) -> str | None:
    """The type a file's first bytes show, or None if it is none of the four."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def clean_file_name(file_name: str, media_type: str) -> str:
    """A name to show: no folders, no control or odd characters, at most 100 characters,
    ending in the extension of the type found (a PDF named .png shows as .pdf)."""
    name = unicodedata.normalize("NFC", file_name or "")
    name = re.split(r"[\\/]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE_NAME_CHARACTERS.sub("_", stem)
    stem = " ".join(stem.split()).strip(" ._") or "evidence"
    extension = EXTENSIONS[media_type]
    return f"{stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1]}.{extension}"


def _prepare(data: bytes) -> _Prepared:
    """The file as it will be stored, or CaseInvalid naming why it cannot be."""
    if not data:
        raise _refusal("the file is empty")
    if len(data) > MAX_BYTES:
        raise _refusal(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB "
            f"({len(data) / (1024 * 1024):.1f} MB)"
        )
    media_type = judge_media_type(data)
    if media_type is None:
        raise _refusal(
            "the file is not a PNG, JPEG or WebP image or a PDF document (judged by its "
            "content, not its name)"
        )
    if media_type == PDF:
        return _Prepared(PDF, bytes(data), None)
    content, thumbnail = _re_encode(data, media_type)
    if len(content) > MAX_STORED_BYTES:
        raise _refusal("the image is too large once cleaned of its metadata; send a smaller one")
    return _Prepared(media_type, content, thumbnail)


def _re_encode(data: bytes, media_type: str) -> tuple[bytes, bytes]:
    """The image saved again from its pixels alone, upright, and its thumbnail.

    Its size is judged from its header, before any pixel is decoded. The pixels are then
    decoded once, and everything after reads that one copy as it is (the encoder, the
    thumbnail; no conversion). Only turning a picture upright makes another, for a moment:
    Pillow transposes into a new image and frees the old one.
    """
    try:
        # Pillow's own cap (89 million pixels) is far above ours, which is checked as soon as
        # the header is read: its warning says nothing new. Above twice its cap Pillow
        # refuses to open the file at all, and that is a refusal here too.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if media_type == WEBP:
                # Pillow's WebP reader takes memory for the whole picture as it opens it.
                _ensure_few_enough_pixels(_webp_size(data), media_type)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[media_type]) as image:
                _ensure_still_and_small(image, media_type)
                image.load()
                _drop_all_but_pixels(image)
                ImageOps.exif_transpose(image, in_place=True)
                return _encode(image, media_type), _thumbnail(image)
    except Image.DecompressionBombError:
        raise _too_many_pixels(media_type) from None
    except CaseInvalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports a damaged file by any of these, depending on where it breaks.
        raise _refusal("the image cannot be read: the file may be damaged") from None


def _ensure_still_and_small(image: Image.Image, media_type: str) -> None:
    """Refuse, before decoding, a picture of too many pixels, a moving one, or a JPEG in
    print colours (CMYK: four channels take a third more memory to decode than a screen's
    three, and no screenshot or phone photo has them). A JPEG's extra frames (MPO: a
    phone's depth map or preview) are left behind, not refused."""
    _ensure_few_enough_pixels(image.size, media_type)
    if media_type != JPEG and getattr(image, "is_animated", False):
        raise _refusal("moving images are not accepted: attach a still screenshot")
    if image.mode == "CMYK":
        raise _refusal(
            "the JPEG is in print colours (CMYK): save it again for screens (RGB), or as a PNG"
        )


def _ensure_few_enough_pixels(size: tuple[int, int] | None, media_type: str) -> None:
    if size is None:
        raise _refusal("the image cannot be read: the file may be damaged")
    width, height = size
    if width * height > MAX_MEGAPIXELS[media_type] * 1_000_000:
        raise _too_many_pixels(media_type, f"{width:,} × {height:,} pixels")


def _too_many_pixels(media_type: str, size: str | None = None) -> CaseInvalid:
    """The refusal of an image over its cap, e.g. "the image is 8,000 × 8,000 pixels; PNG
    images may be at most 13 megapixels"."""
    this_one = f"the image is {size}" if size else "the image has too many pixels"
    return _refusal(
        f"{this_one}; {MEDIA_TYPES[media_type]}s may be at most "
        f"{MAX_MEGAPIXELS[media_type]} megapixels"
    )


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """A WebP's canvas, width and height, from its header (RIFF, then a VP8, VP8L or VP8X
    chunk, as libwebp reads it); None if the header is not one of the three."""
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return (
            int.from_bytes(data[26:28], "little") & 0x3FFF,
            int.from_bytes(data[28:30], "little") & 0x3FFF,
        )
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _drop_all_but_pixels(image: Image.Image) -> None:
    """Once the pixels are decoded, let go of everything else the file carried (EXIF, XMP,
    ICC profile, comments, text) before the picture is turned upright, so that none of it
    is written again nor held while a second copy is made. Its orientation is read first;
    a palette and its transparent colour are the picture's own."""
    image.getexif()  # read now, and kept by the image for exif_transpose
    transparency = image.info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    # What Pillow's readers keep beside the pixels until the image is closed, with no public
    # way to let go of it: a PNG's text (up to 64 MB) and unknown chunks, a JPEG's APP
    # segments, and the WebP reader's libwebp canvas and a copy of the frame's bytes, each
    # as large as the pixels. test_evidence_memory.py sees it if a new Pillow keeps more.
    for name, empty in _READER_BUFFERS:
        if hasattr(image, name):
            setattr(image, name, empty)


_READER_BUFFERS = (("_text", None), ("private_chunks", []), ("applist", []), ("_decoder", None))


def _encode(image: Image.Image, media_type: str) -> bytes:
    buffer = io.BytesIO()
    if media_type == PNG:
        image.save(buffer, "PNG")
    elif media_type == JPEG:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    else:
        image.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A small JPEG on white. Pillow resamples an image with transparency only after
    copying it whole, so a large one is first sampled down (every nth pixel) to four
    times the thumbnail's size, a small image, and that is resampled properly."""
    sample = image
    if max(image.size) > 4 * THUMBNAIL_PIXELS:
        scale = 4 * THUMBNAIL_PIXELS / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        sample = image.resize(size, Image.Resampling.NEAREST)
    small = _opaque(sample)
    small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _opaque(image: Image.Image) -> Image.Image:
    """A new RGB image of a small one, on white where it was transparent."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        with_alpha = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(with_alpha, mask=with_alpha.getchannel("A"))
        return background
    if image.mode.startswith("I"):
        # 16- and 32-bit grey: Pillow converts these to RGB only by way of 8-bit grey.
        return image.point(lambda value: value / 256).convert("L").convert("RGB")
    return image.convert("RGB")


def _note_problems(note: str | None):
    if note is None:
        return
    if len(note) > MAX_TEXT_LENGTH:
        yield Problem(
            "note", f"must be at most {MAX_TEXT_LENGTH:,} characters (it has {len(note):,})"
        )
    if FREE_TEXT_CONTROL_CHARACTERS.search(note):
        yield Problem("note", "must not contain control characters (line breaks are fine)")


def _ensure_open_to_evidence(cursor: duckdb.DuckDBPyConnection, incident_id: int) -> None:
    rows = cursor.execute(
        "SELECT anonymised_at FROM incidents WHERE id = ?", [incident_id]
    ).fetchall()
    if not rows:
        raise _refusal("there is no such case")
    if rows[0][0] is not None:
        raise _refusal("the case was anonymised: no evidence can be added to it")


def _refusal(rule: str) -> CaseInvalid:
    return CaseInvalid([Problem("evidence", rule)])


def _item(row: tuple) -> EvidenceItem:
    values = list(row)
    values[-1] = None if values[-1] is None else bytes(values[-1])
    return EvidenceItem(*values)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
