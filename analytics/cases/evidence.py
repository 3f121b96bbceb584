"""Evidence of a case: screenshots and documents of the post, kept safe in the store.

A file is judged by its first bytes, never by its name: PNG, JPEG or WebP images and PDF
documents, up to 10 MiB each. An image is decoded and saved again from its pixels alone,
turned upright first, so nothing else the file carried is kept: no EXIF (camera, GPS
position, times), no XMP, no ICC colour profile (colours are taken as sRGB), no comments
or text chunks. A PDF is kept exactly as received: its own metadata (author, software,
dates) is NOT removed, and the app never opens it, only hands it out as a download.

Each item keeps the SHA-256 of what is stored and of what was received (an image's differ,
as it is re-encoded), who added it and when. Adding, viewing and downloading an item are
on the audit trail; the thumbnails are shown with the case, whose opening is audited.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
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
# A 10 MiB file can hold a picture that decodes to gigabytes (a "decompression bomb"); this
# is 8000 x 8000, beyond any phone's screenshot or photograph, and about 256 MB decoded.
MAX_PIXELS = 64_000_000
THUMBNAIL_PIXELS = 240  # the long side of a thumbnail
JPEG_QUALITY = 92
WEBP_QUALITY = 90
MAX_FILE_NAME_LENGTH = 100

ADDED, VIEWED, DOWNLOADED = "evidence added", "evidence viewed", "evidence downloaded"
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
    the four (judged from its content), an image Pillow cannot decode or larger than
    MAX_PIXELS, a note too long, and a case that is missing or anonymised. The decoding
    and re-encoding happen before the write lock is taken.
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
    """The image saved again from its pixels alone, upright, and its thumbnail."""
    try:
        # Pillow's own cap on pixels warns before it refuses: both are refusals here.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[media_type]) as image:
                _ensure_still_and_small(image, media_type)
                image.load()
                pixels = _pixels_only(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except CaseInvalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # Pillow reports a damaged file by any of these, depending on where it breaks.
        raise _refusal("the image cannot be read: the file may be damaged") from None
    return _encode(pixels, media_type), _thumbnail(pixels)


def _ensure_still_and_small(image: Image.Image, media_type: str) -> None:
    """Refuse, before decoding, a picture of too many pixels or a moving one. A JPEG's
    extra frames (MPO: a phone's depth map or preview) are left behind, not refused."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(f" (this one is {width} x {height})")
    if media_type != JPEG and getattr(image, "is_animated", False):
        raise _refusal("moving images are not accepted: attach a still screenshot")


def _too_many_pixels(size: str = "") -> CaseInvalid:
    return _refusal(
        f"the image has too many pixels: at most {MAX_PIXELS // 1_000_000} million are "
        f"accepted{size}"
    )


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no info, EXIF, XMP, ICC profile or palette."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    converted = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encode(pixels: Image.Image, media_type: str) -> bytes:
    buffer = io.BytesIO()
    if media_type == PNG:
        pixels.save(buffer, "PNG")
    elif media_type == JPEG:
        _opaque(pixels).save(buffer, "JPEG", quality=JPEG_QUALITY)
    else:
        pixels.save(buffer, "WEBP", quality=WEBP_QUALITY)
    return buffer.getvalue()


def _thumbnail(pixels: Image.Image) -> bytes:
    small = _opaque(pixels)
    small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _opaque(pixels: Image.Image) -> Image.Image:
    """The image on white, for JPEG, which has no transparency."""
    if pixels.mode != "RGBA":
        return pixels.copy()
    background = Image.new("RGB", pixels.size, (255, 255, 255))
    background.paste(pixels, mask=pixels.getchannel("A"))
    return background


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
