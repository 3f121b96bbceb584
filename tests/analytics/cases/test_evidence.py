"""Evidence: judged by content, cleaned of metadata, kept with its digests, audited, erased."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import zlib
from datetime import date, datetime

import duckdb
import pytest
from fpdf import FPDF
from PIL import Image, ImageCms, ImageFile, PngImagePlugin, WebPImagePlugin

from analytics.cases.evidence import (
    EXTENSIONS,
    JPEG,
    MAX_BYTES,
    MAX_MEGAPIXELS,
    MEDIA_TYPES,
    PDF,
    PNG,
    THUMBNAIL_PIXELS,
    THUMBNAIL_VIEWED,
    WEBP,
    EvidenceNotFound,
    clean_file_name,
    count_case_evidence,
    describe_upload_limits,
    erase_case_evidence,
    erase_demo_evidence,
    judge_media_type,
    load_evidence_content,
    load_evidence_list,
    record_evidence,
    record_evidence_file,
    record_thumbnails_viewed,
)
from analytics.cases.register import record_case, record_cases
from analytics.cases.retention import anonymise_cases
from analytics.cases.rules import CaseInvalid
from analytics.records import record_audit
from analytics.records.keys import key_path
from analytics.records.opening import open_store
from analytics.service.backup import restore_backup, write_backup
from tests.conftest import NOW, PINNED_NOW, make_case

ADDED_AT = datetime(2026, 2, 3, 9, 30)
GPS_IFD = 0x8825
# Degrees, minutes, seconds of a place near the school: what must not survive.
LATITUDE = (51.0, 30.0, 12.5)
MAKE, MODEL = "PhoneMaker", "PhoneModel X9"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def camera_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = MAKE, MODEL
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", LATITUDE, "W", (0.0, 7.0, 39.0)
    return exif


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_gps(size=(40, 20), orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        buffer, "JPEG", exif=camera_exif(orientation), comment=b"taken outside the gate",
        xmp=b"<x:xmpmeta>GPSLatitude 51,30.2N</x:xmpmeta>", icc_profile=srgb_profile(),
    )  # fmt: skip
    return buffer.getvalue()


def png_with_text(size=(30, 30), mode="RGB") -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Mrs Example")
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200)).save(
        buffer, "PNG", pnginfo=text, exif=camera_exif(), icc_profile=srgb_profile()
    )
    return buffer.getvalue()


def webp_with_exif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 160, 60)).save(buffer, "WEBP", exif=camera_exif())
    return buffer.getvalue()


def pdf_document() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "A letter about the post")
    return bytes(pdf.output())


@pytest.fixture
def case_id(store):
    return record_case(store, make_case(), actor="head", now=NOW)


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    """One store with one case, shared by the tests of refusals, which write nothing (each
    checks so): a store per test would cost more than the tests themselves."""
    shared = open_store(tmp_path_factory.mktemp("refusals") / "store.duckdb", now=PINNED_NOW)
    case_id = record_case(shared, make_case(), actor="head", now=NOW)
    yield shared, case_id
    shared.close()


def add(store, case_id, data, name="screenshot.jpg", **kwargs):
    kwargs.setdefault("note", None)
    kwargs.setdefault("actor", "staff1")
    return record_evidence(store, case_id, data, name, now=ADDED_AT, **kwargs)


def counts(store) -> tuple[int, int]:
    return (
        store.read_value("SELECT count(*) FROM evidence"),
        store.read_value("SELECT count(*) FROM audit_log"),
    )


def audit_rows(store, action: str) -> list[tuple]:
    return store.read_rows(
        "SELECT actor, record_type, record_id, detail FROM audit_log WHERE action = ? ORDER BY id",
        [action],
    )


# ---------------------------------------------------------------------------- metadata


def test_a_jpeg_comes_back_without_exif_gps_xmp_or_comment(store, case_id):
    original = jpeg_with_gps()
    assert MODEL.encode() in original and b"xmpmeta" in original  # the test's own premise
    evidence_id = add(store, case_id, original)
    _, content = load_evidence_content(store, evidence_id, actor="head", now=PINNED_NOW)
    stored = Image.open(io.BytesIO(content))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)
    for trace in (b"Exif", MODEL.encode(), MAKE.encode(), b"xmpmeta", b"outside the gate"):
        assert trace not in content


def test_a_cleaned_image_keeps_the_digest_of_the_file_received_beside_its_own(store, case_id):
    original = jpeg_with_gps()
    item, content = load_evidence_content(
        store, add(store, case_id, original), actor="head", now=PINNED_NOW
    )
    assert item.sha256 == sha256(content)
    assert item.original_sha256 == sha256(original)
    assert item.sha256 != item.original_sha256
    assert (item.size_bytes, item.original_size_bytes) == (len(content), len(original))
    assert item.media_type == JPEG


def test_an_image_is_turned_upright_before_its_orientation_tag_goes(store, case_id):
    # Orientation 6: the camera held sideways; the picture is shown turned a quarter.
    sideways = jpeg_with_gps(size=(40, 20), orientation=6)
    _, content = load_evidence_content(
        store, add(store, case_id, sideways), actor="head", now=PINNED_NOW
    )
    assert Image.open(io.BytesIO(content)).size == (20, 40)


def test_a_png_loses_its_text_exif_and_colour_profile(store, case_id):
    original = png_with_text()
    assert b"Mrs Example" in original and b"eXIf" in original
    _, content = load_evidence_content(
        store, add(store, case_id, original, "a.png"), actor="h", now=PINNED_NOW
    )
    stored = Image.open(io.BytesIO(content))
    assert stored.format == "PNG"
    assert not {"Author", "exif", "icc_profile"} & set(stored.info)
    for trace in (b"Mrs Example", b"eXIf", b"iCCP", MODEL.encode()):
        assert trace not in content


def test_a_png_keeps_its_transparency(store, case_id):
    original = png_with_text(mode="RGBA")
    _, content = load_evidence_content(
        store, add(store, case_id, original, "a.png"), actor="h", now=PINNED_NOW
    )
    assert Image.open(io.BytesIO(content)).mode == "RGBA"


def test_a_webp_stays_webp_without_its_exif(store, case_id):
    original = webp_with_exif()
    assert MODEL.encode() in original
    item, content = load_evidence_content(
        store, add(store, case_id, original, "a.webp"), actor="h", now=PINNED_NOW
    )
    assert item.media_type == WEBP
    assert Image.open(io.BytesIO(content)).format == "WEBP"
    assert MODEL.encode() not in content and b"EXIF" not in content


# ---------------------------------------------------------------------------- judging


def test_a_pdf_named_png_is_judged_a_pdf_and_kept_as_received(store, case_id):
    document = pdf_document()
    evidence_id = add(store, case_id, document, "post.png")
    item, content = load_evidence_content(store, evidence_id, actor="head", now=PINNED_NOW)
    assert item.media_type == PDF
    assert item.file_name == "post.pdf"
    assert content == document
    assert item.sha256 == item.original_sha256 == sha256(document)
    assert item.thumbnail is None


def test_a_jpeg_named_pdf_is_judged_a_jpeg(store, case_id):
    item, _ = load_evidence_content(
        store, add(store, case_id, jpeg_with_gps(), "letter.pdf"), actor="head", now=PINNED_NOW
    )
    assert (item.media_type, item.file_name) == (JPEG, "letter.jpg")


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\n....", PNG),
        (b"\xff\xd8\xff\xe0....", JPEG),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", WEBP),
        (b"%PDF-1.7\n", PDF),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a....", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"PDF-1.7 %PDF-", None),
        (b"", None),
    ],
)
def test_the_type_is_judged_from_the_first_bytes(data, media_type):
    assert judge_media_type(data) == media_type


REFUSED = {
    "text named .jpg": (b"This is not a picture at all.\n", "post.jpg", "not a PNG, JPEG"),
    "svg named .png": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "p.png", "not a PNG"),
    "empty": (b"", "post.png", "empty"),
    "damaged png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "post.png", "cannot be read"),
    "damaged jpeg": (b"\xff\xd8\xff\xe0" + b"junk" * 16, "post.jpg", "cannot be read"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_that_is_not_one_of_the_four_is_refused_and_nothing_written(refusing, name):
    store, case_id = refusing
    data, file_name, rule = REFUSED[name]
    before = counts(store)
    with pytest.raises(CaseInvalid) as refused:
        add(store, case_id, data, file_name)
    assert [problem.field for problem in refused.value.problems] == ["evidence"]
    assert rule in str(refused.value)
    assert counts(store) == before


def test_a_file_of_10_mb_is_taken_and_one_byte_more_refused(store, case_id):
    padding = b"%PDF-1.4\n%" + b"0" * MAX_BYTES
    before = counts(store)
    with pytest.raises(CaseInvalid, match="larger than 10 MB"):
        add(store, case_id, padding[: MAX_BYTES + 1], "big.pdf")
    assert counts(store) == before
    evidence_id = add(store, case_id, padding[:MAX_BYTES], "big.pdf")
    assert load_evidence_list(store, case_id)[0].id == evidence_id
    assert load_evidence_list(store, case_id)[0].size_bytes == MAX_BYTES


def never_decoded(monkeypatch) -> None:
    """Make any decoding of pixels fail the test: a refusal from the header decodes none."""

    def decode(image, *args, **kwargs):
        raise AssertionError(f"{image.format} pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "load", decode)


def blank_png(size, mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_reported_8000_by_8000_png_is_refused_from_its_header_naming_the_cap(
    refusing, monkeypatch
):
    """The report's bomb: a small PNG of 8000 x 8000 pixels, once accepted (1.2 GB)."""
    store, case_id = refusing
    bomb = blank_png((8000, 8000))
    assert len(bomb) < 300 * 1024  # the test's own premise: 265 KB in the report
    never_decoded(monkeypatch)
    before = counts(store)
    with pytest.raises(CaseInvalid) as refused:
        add(store, case_id, bomb, "bomb.png")
    assert [(problem.field, problem.rule) for problem in refused.value.problems] == [
        ("evidence", "the image is 8,000 × 8,000 pixels; PNG images may be at most 13 megapixels")
    ]
    assert counts(store) == before


@pytest.mark.parametrize(
    ("media_type", "size"),
    [(PNG, (4000, 3250)), (JPEG, (5000, 2600)), (WEBP, (2000, 1500))],
)
def test_an_image_at_its_types_cap_is_taken_and_one_row_more_refused(
    store, case_id, monkeypatch, media_type, size
):
    assert size[0] * size[1] == MAX_MEGAPIXELS[media_type] * 1_000_000
    name = f"a.{EXTENSIONS[media_type]}"
    fmt = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}[media_type]

    def image(width, height) -> bytes:
        buffer = io.BytesIO()
        Image.new("L" if media_type != WEBP else "RGB", (width, height)).save(buffer, fmt)
        return buffer.getvalue()

    taken = add(store, case_id, image(*size), name)
    assert load_evidence_content(store, taken, actor="h", now=PINNED_NOW)[0].media_type == (
        media_type
    )
    before = counts(store)
    never_decoded(monkeypatch)
    label = MEDIA_TYPES[media_type]
    with pytest.raises(CaseInvalid, match=f"{label}s may be at most "):
        add(store, case_id, image(size[0], size[1] + 1), name)
    assert counts(store) == before


def test_a_webp_is_refused_before_pillows_reader_takes_memory_for_its_canvas(refusing, monkeypatch):
    """Pillow's WebP reader allocates the whole canvas as it opens the file: the header is
    read by the app before the reader is given the file."""
    store, case_id = refusing
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 4000)).save(buffer, "WEBP", lossless=True)

    def opened(*args, **kwargs):
        raise AssertionError("the WebP reader was opened")

    monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "_open", opened)
    with pytest.raises(CaseInvalid, match="the image is 4,000 × 4,000 pixels; WebP images"):
        add(store, case_id, buffer.getvalue(), "big.webp")
    assert counts(store)[0] == 0


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_header_beyond_pillows_own_cap_is_refused_naming_the_apps(refusing):
    """20000 x 20000 pixels: Pillow itself refuses to open it, as a decompression bomb."""
    store, case_id = refusing
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    huge = b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            png_chunk(b"IHDR", header),
            png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)),
            png_chunk(b"IEND", b""),
        ]
    )
    with pytest.raises(CaseInvalid) as refused:
        add(store, case_id, huge, "huge.png")
    assert str(refused.value) == (
        "evidence: the image has too many pixels; PNG images may be at most 13 megapixels"
    )
    assert counts(store)[0] == 0


def test_a_jpeg_in_print_colours_is_refused_before_decoding(refusing, monkeypatch):
    store, case_id = refusing
    buffer = io.BytesIO()
    Image.new("CMYK", (20, 20)).save(buffer, "JPEG")
    never_decoded(monkeypatch)
    with pytest.raises(CaseInvalid, match="print colours"):
        add(store, case_id, buffer.getvalue(), "print.jpg")
    assert counts(store)[0] == 0


def test_a_decompression_bomb_is_refused(refusing, monkeypatch):
    store, case_id = refusing
    # 10,000 x 10,000 one-bit pixels compress to a few kilobytes and would decode to 100 MP.
    bomb = blank_png((10_000, 10_000), mode="1")
    assert len(bomb) < MAX_BYTES
    never_decoded(monkeypatch)
    with pytest.raises(CaseInvalid, match="10,000 × 10,000 pixels; PNG images may be at most"):
        add(store, case_id, bomb, "bomb.png")
    assert counts(store)[0] == 0


def test_a_palette_png_keeps_its_palette_and_transparency_and_its_thumbnail_is_on_white(
    store, case_id
):
    picture = Image.new("P", (1200, 600))
    picture.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    picture.paste(1, (600, 0, 1200, 600))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=0)
    evidence_id = add(store, case_id, buffer.getvalue(), "palette.png")
    item, content = load_evidence_content(store, evidence_id, actor="h", now=PINNED_NOW)
    stored = Image.open(io.BytesIO(content))
    assert (stored.mode, stored.info.get("transparency")) == ("P", 0)
    assert stored.convert("RGBA").getpixel((900, 300)) == (0, 0, 255, 255)
    thumbnail = Image.open(io.BytesIO(item.thumbnail)).convert("RGB")
    assert thumbnail.size == (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS // 2)
    assert all(value > 245 for value in thumbnail.getpixel((30, 60)))  # transparent: white
    assert thumbnail.getpixel((200, 60))[2] > 200  # blue stays blue


def test_a_16_bit_grey_png_is_kept_and_given_a_thumbnail(store, case_id):
    grey = Image.new("I;16", (1000, 1000), 40_000)
    buffer = io.BytesIO()
    grey.save(buffer, "PNG")
    item, content = load_evidence_content(
        store, add(store, case_id, buffer.getvalue(), "grey.png"), actor="h", now=PINNED_NOW
    )
    assert Image.open(io.BytesIO(content)).getpixel((500, 500)) == 40_000
    thumbnail = Image.open(io.BytesIO(item.thumbnail))
    assert abs(thumbnail.convert("L").getpixel((100, 100)) - 40_000 // 256) <= 2


def test_the_form_states_the_limits_the_rules_apply():
    limits = describe_upload_limits()
    assert "One file at a time" in limits
    assert f"up to {MAX_BYTES // (1024 * 1024)} MB" in limits
    assert (
        f"PNG and JPEG up to {MAX_MEGAPIXELS[PNG]} megapixels, WebP up to "
        f"{MAX_MEGAPIXELS[WEBP]}" in limits
    )
    assert MAX_MEGAPIXELS[PNG] == MAX_MEGAPIXELS[JPEG]  # the sentence names them together


def test_a_moving_image_is_refused(refusing):
    store, case_id = refusing
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    before = counts(store)
    with pytest.raises(CaseInvalid, match="moving images"):
        add(store, case_id, buffer.getvalue(), "moving.png")
    assert counts(store) == before


def test_evidence_is_refused_for_a_case_that_does_not_exist(store):
    before = counts(store)
    with pytest.raises(CaseInvalid, match="no such case"):
        add(store, 999, jpeg_with_gps())
    assert counts(store) == before


def test_evidence_is_refused_for_an_anonymised_case(store):
    closed = make_case(closed_on=date(2026, 1, 20), outcome="Removed", rationale="Done")
    case_id = record_case(store, closed, actor="head", now=NOW)
    assert anonymise_cases(store, [case_id], actor="head", now=datetime(2033, 1, 1, 10)) == 1
    before = counts(store)
    with pytest.raises(CaseInvalid, match="anonymised"):
        add(store, case_id, jpeg_with_gps())
    assert counts(store) == before


@pytest.mark.parametrize(
    ("note", "rule"),
    [("x" * 2001, "at most 2,000 characters"), ("a\x00b", "control characters")],
)
def test_a_note_that_breaks_a_rule_is_refused_with_the_file(refusing, note, rule):
    store, case_id = refusing
    before = counts(store)
    with pytest.raises(CaseInvalid) as refused:
        add(store, case_id, b"not a picture", "x.png", note=note)
    assert {problem.field for problem in refused.value.problems} == {"evidence", "note"}
    assert rule in str(refused.value)
    assert counts(store) == before


def test_a_note_is_kept_trimmed_with_who_added_the_item_and_when(store, case_id):
    add(store, case_id, jpeg_with_gps(), note="  Screenshot sent by a parent.\n", actor="deputy")
    (item,) = load_evidence_list(store, case_id)
    assert (item.note, item.added_by, item.added_at) == (
        "Screenshot sent by a parent.",
        "deputy",
        ADDED_AT,
    )


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\office\\Capture d’écran 2026.PNG", "Capture d’écran 2026.png"),
        ("<img onerror=alert(1)>.png", "img onerror_alert(1).png"),
        ("a/b/<script>.png", "script.png"),
        ("line\nbreak.png", "line_break.png"),
        (".png", "evidence.png"),
        ("", "evidence.png"),
        ("no extension", "no extension.png"),
        ("x" * 300 + ".png", "x" * 96 + ".png"),
    ],
)
def test_a_file_name_is_cleaned_for_display(given, shown):
    assert clean_file_name(given, PNG) == shown


def test_the_download_name_is_plain_ascii_with_the_item_and_its_type(store, case_id):
    evidence_id = add(store, case_id, pdf_document(), 'Capture d’écran "1".png')
    (item,) = load_evidence_list(store, case_id)
    assert item.file_name == "Capture d’écran _1.pdf"
    assert item.download_name == f"evidence-{evidence_id}-Capture-decran-_1.pdf"
    assert item.download_name.isascii()


# ------------------------------------------------------------------- reading, audit


def test_adding_is_audited_with_the_item_and_its_digest_not_the_file_name(store, case_id):
    evidence_id = add(store, case_id, jpeg_with_gps(), "Mrs Example's post.jpg")
    (item,) = load_evidence_list(store, case_id)
    ((actor, record_type, record_id, detail),) = audit_rows(store, "evidence added")
    assert (actor, record_type, record_id) == ("staff1", "incident", str(case_id))
    assert detail == f"evidence {evidence_id}, sha256 {item.sha256}"
    assert "Example" not in detail


@pytest.mark.parametrize(
    ("purpose", "action"), [("view", "evidence viewed"), ("download", "evidence downloaded")]
)
def test_each_view_and_download_is_audited(store, case_id, purpose, action):
    evidence_id = add(store, case_id, jpeg_with_gps())
    for _ in range(2):
        load_evidence_content(store, evidence_id, actor="head", purpose=purpose, now=PINNED_NOW)
    audited = ("head", "incident", str(case_id), f"evidence {evidence_id}")
    assert audit_rows(store, action) == [audited, audited]


def test_asking_for_an_item_that_is_not_there_audits_nothing(store, case_id):
    before = counts(store)
    with pytest.raises(EvidenceNotFound):
        load_evidence_content(store, 42, actor="head", now=PINNED_NOW)
    with pytest.raises(ValueError, match="purpose"):
        load_evidence_content(store, 42, actor="head", purpose="print", now=PINNED_NOW)
    assert counts(store) == before


def test_the_list_carries_small_thumbnails_of_images_and_none_of_content(store, case_id):
    wide = io.BytesIO()
    Image.new("RGB", (1000, 500), (1, 2, 3)).save(wide, "PNG")
    add(store, case_id, wide.getvalue(), "wide.png")
    add(store, case_id, pdf_document(), "letter.pdf")
    image_item, pdf_item = load_evidence_list(store, case_id)
    thumbnail = Image.open(io.BytesIO(image_item.thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS // 2)
    assert pdf_item.thumbnail is None
    assert not hasattr(image_item, "content")
    assert [item.type_label for item in (image_item, pdf_item)] == [
        MEDIA_TYPES[PNG],
        MEDIA_TYPES[PDF],
    ]
    assert count_case_evidence(store, case_id) == 2


def test_a_file_from_disk_is_attached_under_its_own_name(store, case_id, tmp_path):
    path = tmp_path / "from phone.jpg"
    path.write_bytes(jpeg_with_gps())
    evidence_id = record_evidence_file(
        store, case_id, path, note="CLI", actor="os:office", now=PINNED_NOW
    )
    (item,) = load_evidence_list(store, case_id)
    assert (item.id, item.file_name, item.added_by) == (evidence_id, "from phone.jpg", "os:office")


def test_a_file_on_disk_over_the_limit_is_refused(store, case_id, tmp_path):
    path = tmp_path / "huge.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"0" * MAX_BYTES)
    with pytest.raises(CaseInvalid, match="larger than 10 MB"):
        record_evidence_file(store, case_id, path, note=None, actor="os:office", now=PINNED_NOW)


# ---------------------------------------------------------------------------- erasing


def test_erasing_a_cases_evidence_removes_its_items_and_no_other(store, case_id):
    other = record_case(store, make_case(reference="2026-002"), actor="head", now=NOW)
    add(store, case_id, jpeg_with_gps())
    add(store, case_id, pdf_document(), "b.pdf")
    kept = add(store, other, pdf_document(), "c.pdf")
    with store.transaction() as cursor:
        assert erase_case_evidence(cursor, case_id) == 2
    assert load_evidence_list(store, case_id) == []
    assert [item.id for item in load_evidence_list(store, other)] == [kept]


def test_erasing_is_undone_with_the_transaction_it_is_part_of(store, case_id):
    add(store, case_id, jpeg_with_gps())
    with pytest.raises(RuntimeError), store.transaction() as cursor:
        erase_case_evidence(cursor, case_id)
        raise RuntimeError("disposal failed later on")
    assert count_case_evidence(store, case_id) == 1


def test_the_evidence_of_demonstration_cases_can_be_erased_before_them(store, case_id):
    with store.transaction() as cursor:
        record_cases(cursor, [make_case(reference="DEMO-1")], is_demo=True)
        record_audit(cursor, "head", "demo data loaded", now=PINNED_NOW, detail="1 case")
    demo_id = store.read_value("SELECT id FROM incidents WHERE reference = 'DEMO-1'")
    add(store, demo_id, pdf_document(), "demo.pdf")
    kept = add(store, case_id, pdf_document(), "real.pdf")
    with store.transaction() as cursor:
        assert erase_demo_evidence(cursor) == 1
    assert [row[0] for row in store.read_rows("SELECT id FROM evidence")] == [kept]


# ----------------------------------------------------------------------------- schema


def test_the_schema_lists_exactly_the_four_media_types(store):
    (expression,) = store.read_rows(
        """
        SELECT expression FROM duckdb_constraints()
        WHERE constraint_type = 'CHECK' AND table_name = 'evidence'
            AND constraint_column_names = ['media_type']
        """
    )[0]
    assert set(re.findall(r"'([a-z/]+)'", expression)) == set(MEDIA_TYPES)


def test_the_schema_refuses_an_image_without_a_thumbnail(store, case_id):
    with pytest.raises(duckdb.ConstraintException), store.transaction() as cursor:
        cursor.execute(
            """
            INSERT INTO evidence (incident_id, media_type, file_name, content, sha256,
                original_sha256, size_bytes, original_size_bytes, added_by)
            VALUES (?, 'image/png', 'a.png', '\\x89PNG'::BLOB, ?, ?, 4, 4, 'x')
            """,
            [case_id, "0" * 64, "0" * 64],
        )


# ---------------------------------------------------------------------------- backups


def test_evidence_goes_with_a_backup_and_comes_back_whole_on_restore(store, case_id, tmp_path):
    photo = add(store, case_id, jpeg_with_gps())
    letter = add(store, case_id, pdf_document(), "letter.pdf")
    kept = {
        evidence_id: load_evidence_content(store, evidence_id, actor="head", now=PINNED_NOW)
        for evidence_id in (photo, letter)
    }
    written = write_backup(store, tmp_path / "backups", actor="head", now=PINNED_NOW)
    target = tmp_path / "restored.duckdb"
    shutil.copy(key_path(store.path), key_path(target))  # kept apart, as an operator would
    assert restore_backup(written, target, actor="os:test", now=PINNED_NOW)["evidence"] == 2
    restored = open_store(target, now=PINNED_NOW)
    try:
        for evidence_id, (item, content) in kept.items():
            again, restored_content = load_evidence_content(
                restored, evidence_id, actor="head", now=PINNED_NOW
            )
            assert (again, restored_content) == (item, content)
            assert sha256(restored_content) == item.sha256
        # New items continue the numbering rather than colliding with restored ones.
        assert add(restored, case_id, pdf_document(), "later.pdf") == letter + 1
    finally:
        restored.close()


# ------------------------------------------------------------------------- thumbnails


def test_each_thumbnail_shown_is_on_the_trail_with_its_item(store, case_id):
    first, second = add(store, case_id, jpeg_with_gps()), add(store, case_id, png_with_text())
    record_thumbnails_viewed(store, case_id, [first, second], actor="gov", now=PINNED_NOW)
    assert audit_rows(store, THUMBNAIL_VIEWED) == [
        ("gov", "incident", str(case_id), f"evidence {first}"),
        ("gov", "incident", str(case_id), f"evidence {second}"),
    ]


def test_no_thumbnail_shown_writes_nothing(store, case_id):
    before = counts(store)
    record_thumbnails_viewed(store, case_id, [], actor="gov", now=PINNED_NOW)
    assert counts(store) == before
