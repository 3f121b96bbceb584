"""Reports frozen for a meeting: the figures and documents as presented, never changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics.records import (
    Store,
    record_audit,
)
from analytics.reporting.documents import render_csv, render_docx, render_pdf
from analytics.reporting.report import Report, build_report, published_figures
from analytics.sql import load_query
from analytics.vocabulary import REPORT_MODES, as_day

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument"
           ".wordprocessingml.document", "csv": "text/csv"}  # fmt: skip


@dataclass(frozen=True)
class ReportDocuments:
    pdf: bytes
    docx: bytes
    csv: str


def render_documents(report: Report) -> ReportDocuments:
    return ReportDocuments(render_pdf(report), render_docx(report), render_csv(report))


def freeze_report(
    store: Store,
    figures: dict,
    mode: str,
    threshold: int,
    meeting_on: date,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Store the report as it will be presented on meeting_on; returns the snapshot's id.

    A circulated report keeps what it told its readers of each figure, so that later
    reports print these terms as this one did and are audited against it."""
    report = build_report(figures, mode, threshold)
    documents = render_documents(report)
    figures = figures | {"published": published_figures(report)}
    with store.transaction() as cursor:
        ((snapshot_id,),) = cursor.execute(
            load_query("insert_snapshot"),
            [
                meeting_on, figures["term"], mode, threshold, json.dumps(figures),
                documents.pdf, documents.docx, documents.csv, actor, now,
            ],
        ).fetchall()  # fmt: skip
        record_audit(
            cursor, actor, "report frozen", "report_snapshot", snapshot_id, now=now,
            detail=f"{figures['term']}, {mode}, meeting of {as_day(meeting_on)}",
        )  # fmt: skip
    return snapshot_id


def load_snapshots(store: Store, modes: list[str]) -> pd.DataFrame:
    """Every snapshot in one of the modes, newest meeting first, with a label; the documents
    stay in the store."""
    snapshots = store.read(load_query("snapshot_list"), {"modes": modes})
    snapshots["label"] = [
        f"Snapshot {row.id}: meeting of {as_day(row.meeting_on)}, {row.term}, "
        f"{REPORT_MODES[row.mode].lower()}"
        for row in snapshots.itertuples()
    ]
    return snapshots


def describe_snapshots(snapshots: pd.DataFrame) -> pd.DataFrame:
    """The frozen reports as people read them."""
    return pd.DataFrame(
        {
            "Snapshot": snapshots["id"],
            "Meeting": snapshots["meeting_on"].dt.date,
            "Term": snapshots["term"],
            "Version": snapshots["mode"].map(REPORT_MODES.get),
            "Counts hidden below": snapshots["threshold"],
            "Frozen": snapshots["frozen_at"],
            "By": snapshots["frozen_by"],
        }
    )


def load_snapshot_figures(store: Store, snapshot_id: int) -> dict:
    return json.loads(
        store.read_value("SELECT figures FROM report_snapshots WHERE id = ?", [snapshot_id])
    )


def load_snapshot_document(store: Store, snapshot_id: int, format_name: str) -> bytes:
    """A snapshot's document exactly as it was frozen."""
    if format_name not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    value = store.read_value(
        "SELECT CASE $format WHEN 'pdf' THEN pdf WHEN 'docx' THEN docx "
        "ELSE encode(csv) END FROM report_snapshots WHERE id = $id",
        {"format": format_name, "id": snapshot_id},
    )
    return bytes(value)
