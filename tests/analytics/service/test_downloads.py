"""Every download made when asked for, for the account as it is, and audited."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.access.accounts import record_account
from analytics.access.roles import ACTIONS_BY_ROLE
from analytics.cases.interchange import import_cases_file
from analytics.reporting.report import MODE_AUDIENCE, gather_report_figures
from analytics.reporting.snapshots import freeze_report
from analytics.service.downloads import (
    ACTION_BY_MODE,
    DownloadRefused,
    download_url,
    make_download,
)
from analytics.terms import TermCalendar, parse_term
from tests.conftest import NOW, PINNED_NOW, SAMPLE_CSV

PASSWORD = "correct horse battery"
TODAY = date(2026, 3, 1)
CALENDAR = TermCalendar()


@pytest.fixture
def people(store):
    import_cases_file(store, SAMPLE_CSV, actor="seed", now=PINNED_NOW)
    return {
        role: record_account(
            store, role, f"A {role}", role, PASSWORD, actor="setup", now=PINNED_NOW
        )
        for role in ("headteacher", "staff", "governor")
    }


def download(store, account, kind, **params):
    listed = {name: value if isinstance(value, list) else [str(value)]
              for name, value in params.items()}  # fmt: skip
    return make_download(store, account, kind, listed, calendar=CALENDAR, now=NOW)


def actions(store) -> list[str]:
    return [row[0] for row in store.read_rows("SELECT action FROM audit_log ORDER BY id")]


def test_each_report_mode_needs_its_own_action():
    assert set(ACTION_BY_MODE) == set(MODE_AUDIENCE)


def test_the_report_is_made_for_the_account_and_audited(store, people):
    made = download(store, people["staff"], "report", term="Autumn 2025", mode="confidential",
                    format="pdf")  # fmt: skip
    assert made.content.startswith(b"%PDF")
    assert made.file_name == "termly-report-autumn-2025-confidential.pdf"
    assert actions(store)[-1] == "report downloaded"


def test_a_governor_gets_the_circulated_report_and_never_the_confidential_one(store, people):
    governor = people["governor"]
    made = download(store, governor, "report", term="Autumn 2025", mode="circulation",
                    format="csv")  # fmt: skip
    assert made.media_type == "text/csv"
    with pytest.raises(DownloadRefused):
        download(store, governor, "report", term="Autumn 2025", mode="confidential", format="csv")


def test_a_frozen_confidential_report_is_no_governors_to_find(store, people):
    figures = gather_report_figures(
        store, CALENDAR, parse_term("Autumn 2025"), school="S", today=TODAY
    )
    secret = freeze_report(
        store, figures, "confidential", 5, TODAY, actor="headteacher", now=PINNED_NOW
    )
    assert download(store, people["staff"], "snapshot", id=secret, format="pdf").content
    with pytest.raises(DownloadRefused) as refused:
        download(store, people["governor"], "snapshot", id=secret, format="pdf")
    # Answered as if it did not exist: which numbers are confidential reports stays unknown.
    assert refused.value.status == 404
    with pytest.raises(DownloadRefused) as missing:
        download(store, people["governor"], "snapshot", id=secret + 99, format="pdf")
    assert str(missing.value) == str(refused.value)


@pytest.mark.parametrize("kind", ["backup", "audit_trail"])
def test_only_the_headteacher_has_the_backup_and_the_audit_trail(store, people, kind):
    for role in ("staff", "governor"):
        before = actions(store)
        with pytest.raises(DownloadRefused):
            download(store, people[role], kind)
        assert actions(store) == before
    assert download(store, people["headteacher"], kind).content


def test_an_account_deactivated_since_it_was_loaded_may_download_nothing(store, people):
    from dataclasses import replace

    gone = replace(people["headteacher"], active=False)
    for kind in ("backup", "audit_trail"):
        with pytest.raises(DownloadRefused):
            download(store, gone, kind)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("report", {"term": "Autumn 2025", "mode": "confidential", "format": "exe"}),
        ("report", {"term": "Autumn 2025", "mode": "everything", "format": "pdf"}),
        ("report", {"term": "Winter 2025", "mode": "confidential", "format": "pdf"}),
        ("report", {"term": ["Autumn 2025", "Spring 2026"], "mode": "confidential",
                    "format": "pdf"}),
        ("snapshot", {"id": "1 OR 1=1", "format": "pdf"}),
        ("audit_trail", {"from": "yesterday"}),
        ("review_pack", {"policy": "-1"}),
        ("everything", {}),
    ],
)  # fmt: skip
def test_a_link_the_app_never_makes_is_refused_and_makes_nothing(store, people, kind, params):
    before = actions(store)
    with pytest.raises(DownloadRefused) as refused:
        download(store, people["headteacher"], kind, **params)
    assert refused.value.status in (400, 404)
    assert actions(store) == before


def test_a_download_url_leaves_out_empty_filters():
    assert download_url("audit_trail", actor=None, action=["signed in", "signed out"]) == (
        "/download/audit_trail?action=signed+in&action=signed+out"
    )
    assert download_url("backup") == "/download/backup"


def test_every_action_a_download_needs_is_declared_for_some_role():
    declared = set().union(*ACTIONS_BY_ROLE.values())
    assert set(ACTION_BY_MODE.values()) | {
        "download_review_pack", "download_audit_trail", "download_backup"
    } <= declared  # fmt: skip


def test_evidence_and_the_case_file_are_for_staff_and_the_headteacher_only(store, people):
    import io

    from PIL import Image

    from analytics.cases.evidence import record_evidence
    from analytics.cases.register import find_case_id

    incident_id = find_case_id(store, "2025-003")
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="PNG")
    evidence_id = record_evidence(
        store, incident_id, picture.getvalue(), "post.png", note=None, actor="staff", now=PINNED_NOW
    )
    for role in ("staff", "headteacher"):
        item = download(store, people[role], "evidence", id=evidence_id)
        assert item.content.startswith(b"\x89PNG") and item.media_type == "image/png"
        case_file = download(store, people[role], "casefile", case=incident_id)
        assert case_file.content.startswith(b"%PDF") and case_file.file_name.endswith(".pdf")
    before = actions(store)
    with pytest.raises(DownloadRefused):
        download(store, people["governor"], "evidence", id=evidence_id)
    with pytest.raises(DownloadRefused):
        download(store, people["governor"], "casefile", case=incident_id)
    assert actions(store) == before
    assert {"evidence downloaded", "case file made"} <= set(before)
    with pytest.raises(DownloadRefused) as missing:
        download(store, people["staff"], "evidence", id=evidence_id + 99)
    assert missing.value.status == 404
