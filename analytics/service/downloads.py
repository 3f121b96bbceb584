"""Every file the app hands out, made at the moment it is asked for, for the account as the
store holds it then: the termly report and its frozen snapshots, the review pack, the audit
trail and a backup.

A page shows a link; the server's route (ui/routes.py) checks the session and calls
make_download. So a document is never made while a page is drawn, no link works once its
session has ended, and a deactivated or demoted account gets a refusal, not the file.
Every download is on the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from analytics.access import Account
from analytics.cases import (
    CaseNotFound,
    EvidenceNotFound,
    load_case,
    load_evidence_content,
)
from analytics.policies import (
    load_policy_statuses,
    review_pack_csv,
)
from analytics.problems import RulesBroken
from analytics.records import (
    SCHOOL_NAME,
    Store,
    load_audit_trail,
    load_setting,
    load_threshold,
    record_event,
)
from analytics.reporting import (
    FORMATS,
    REVIEW_PACK_FORMATS,
    audit_trail_csv,
    build_case_file,
    build_report,
    case_file_name,
    gather_report_figures,
    gather_review_pack,
    load_snapshot_document,
    render_document,
    render_review_pack,
    report_modes_for,
)
from analytics.service.backup import backup_bytes
from analytics.terms import TermCalendar, parse_term

DOWNLOAD_PATH = "/download"
CSV = "text/csv"
# Which action each report mode needs (analytics.access.accounts.ACTIONS_BY_ROLE says who may).
ACTION_BY_MODE = {"circulation": "download_report", "confidential": "download_confidential_report"}


class DownloadRefused(Exception):
    """The file is not for this account, or was asked for wrongly; the message is safe to
    show, and nothing was made."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Download:
    content: bytes
    file_name: str
    media_type: str


def download_url(kind: str, **params: str | int | list[str] | None) -> str:
    """The link a page shows for a file (empty parameters left out)."""
    kept = {name: value for name, value in params.items() if value not in (None, "", [])}
    query = urlencode(kept, doseq=True)
    return f"{DOWNLOAD_PATH}/{kind}" + (f"?{query}" if query else "")


def make_download(
    store: Store,
    account: Account,
    kind: str,
    params: Mapping[str, list[str]],
    *,
    calendar: TermCalendar,
    now: datetime,
) -> Download:
    """The file of this kind for the account, made at now and audited; DownloadRefused if
    the account may not have it or the request is not one the app makes."""
    maker = _MAKERS.get(kind)
    if maker is None:
        raise DownloadRefused("There is no such download.", 404)
    return maker(store, account, _Params(params), calendar, now)


class _Params:
    """A request's query parameters, each read by the rule it must follow."""

    def __init__(self, params: Mapping[str, list[str]]) -> None:
        self._params = params

    def one(self, name: str, allowed: list[str] | None = None, *, required=True) -> str | None:
        values = self._params.get(name) or []
        if not values:
            if required:
                raise DownloadRefused(f"The link lacks its {name}.", 400)
            return None
        if len(values) > 1 or (allowed is not None and values[0] not in allowed):
            raise DownloadRefused(f"The link's {name} is not one the app makes.", 400)
        return values[0]

    def number(self, name: str) -> int:
        value = self.one(name)
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise DownloadRefused(f"The link's {name} is not a number.", 400)
        return int(value)

    def all(self, name: str) -> list[str]:
        return list(self._params.get(name) or [])

    def day(self, name: str) -> date | None:
        value = self.one(name, required=False)
        try:
            return None if value is None else date.fromisoformat(value)
        except ValueError:
            raise DownloadRefused(f"The link's {name} is not a date.", 400) from None


def _require(account: Account, action: str) -> None:
    if not account.may(action):
        raise DownloadRefused("Your account may not download this. Ask the headteacher.")


def _report(store, account, params: _Params, calendar, now: datetime) -> Download:
    mode = params.one("mode", report_modes_for(account.audience))
    format_name = params.one("format", list(FORMATS))
    _require(account, ACTION_BY_MODE[mode])
    try:
        term = parse_term(params.one("term"))
    except ValueError:
        raise DownloadRefused("The link's term is not one the app makes.", 400) from None
    figures = gather_report_figures(
        store, calendar, term, school=load_setting(store, SCHOOL_NAME), today=now.date()
    )
    report = build_report(figures, mode, load_threshold(store))
    content = render_document(report, format_name)
    record_event(
        store, account.actor, "report downloaded", "report", report.term, now=now,
        detail=f"{format_name}, {report.mode}",
    )  # fmt: skip
    slug = report.term.replace(" ", "-").lower()
    return Download(content, f"termly-report-{slug}-{mode}.{format_name}", FORMATS[format_name])


def _snapshot(store, account, params: _Params, calendar, now: datetime) -> Download:
    snapshot_id = params.number("id")
    format_name = params.one("format", list(FORMATS))
    mode = store.read_value("SELECT mode FROM report_snapshots WHERE id = ?", [snapshot_id])
    # A snapshot this account may not see is answered as one that does not exist.
    if mode is None or mode not in report_modes_for(account.audience):
        raise DownloadRefused("There is no such frozen report.", 404)
    _require(account, ACTION_BY_MODE[mode])
    content = load_snapshot_document(store, snapshot_id, format_name)
    record_event(
        store, account.actor, "report downloaded", "snapshot", snapshot_id, now=now,
        detail=f"{format_name}, {mode} (frozen)",
    )  # fmt: skip
    return Download(content, f"report-snapshot-{snapshot_id}.{format_name}", FORMATS[format_name])


def _review_pack(store, account, params: _Params, calendar, now: datetime) -> Download:
    _require(account, "download_review_pack")
    today = now.date()
    policy_id = params.number("policy")
    format_name = params.one("format", list(REVIEW_PACK_FORMATS))
    policy = next(
        (p for p in load_policy_statuses(store, calendar, today) if p.policy_id == policy_id),
        None,
    )
    if policy is None or not policy.governs_incidents:
        raise DownloadRefused("That policy has no review pack.", 404)
    pack = gather_review_pack(
        store, policy, calendar, today=today, audience=account.audience,
        threshold=load_threshold(store),
    )  # fmt: skip
    content = (
        review_pack_csv(pack.table).encode("utf-8")
        if format_name == "csv"
        else render_review_pack(pack, format_name)
    )
    record_event(
        store, account.actor, "review pack downloaded", "policy", policy_id, now=now,
        detail=format_name,
    )  # fmt: skip
    return Download(
        content, f"review-pack-{today.isoformat()}.{format_name}", REVIEW_PACK_FORMATS[format_name]
    )


def _audit_trail(store, account, params: _Params, calendar, now: datetime) -> Download:
    _require(account, "download_audit_trail")
    case = params.one("case", required=False)
    trail = load_audit_trail(
        store,
        case_id=params.number("case") if case is not None else None,
        actor=params.one("actor", required=False),
        actions=params.all("action"),
        start=params.day("from"),
        end=params.day("to"),
    )
    record_event(
        store, account.actor, "audit trail downloaded", now=now, detail=f"{len(trail)} rows"
    )
    return Download(audit_trail_csv(trail).encode("utf-8"), "audit-trail.csv", CSV)


def _backup(store, account, params: _Params, calendar, now: datetime) -> Download:
    _require(account, "download_backup")
    # backup_bytes audits the backup itself.
    return Download(
        backup_bytes(store, actor=account.actor, now=now),
        f"dashboard-backup-{now.date().isoformat()}.duckdb",
        "application/octet-stream",
    )


def _evidence(store, account, params: _Params, calendar, now: datetime) -> Download:
    _require(account, "download_evidence")
    try:
        item, content = load_evidence_content(
            store, params.number("id"), actor=account.actor, now=now, purpose="download"
        )
    except EvidenceNotFound:
        raise DownloadRefused("There is no such evidence item.", 404) from None
    return Download(content, item.download_name, item.media_type)


def _case_file(store, account, params: _Params, calendar, now: datetime) -> Download:
    _require(account, "make_case_file")
    incident_id = params.number("case")
    try:
        reference = load_case(store, incident_id).reference
        content = build_case_file(store, incident_id, actor=account.actor, now=now)
    except CaseNotFound:
        raise DownloadRefused("There is no such case.", 404) from None
    except RulesBroken as refused:
        raise DownloadRefused(refused.problems[0].rule.capitalize() + ".", 409) from None
    return Download(content, case_file_name(reference, now.date()), "application/pdf")


_MAKERS: dict[str, Callable[..., Download]] = {
    "report": _report,
    "snapshot": _snapshot,
    "review_pack": _review_pack,
    "audit_trail": _audit_trail,
    "backup": _backup,
    "evidence": _evidence,
    "casefile": _case_file,
}
