"""The table of roles: what each may open and do, its audience, whether it needs a second factor.

The app, the command line and the store's queries (as a bound parameter) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from analytics.vocabulary import EXACT, PROTECTED


@dataclass(frozen=True)
class Role:
    """One role: its label, the views it may open, the actions it may take (every write,
    download and document is checked against them, and against the account as the store
    holds it at that moment), the audience its figures are shown as, and whether it must
    sign in with a second factor."""

    code: str
    label: str
    pages: frozenset[str]
    actions: frozenset[str]
    audience: str
    second_factor_required: bool


HEADTEACHER, STAFF, GOVERNOR = "headteacher", "staff", "governor"

ROLE_TABLE = MappingProxyType(
    {
        role.code: role
        for role in (
            Role(
                HEADTEACHER,
                "Headteacher",
                pages=frozenset({
                    "overview", "incidents", "log_incident", "termly_report", "policies",
                    "accounts", "audit", "retention",
                }),
                actions=frozenset({
                    "log_case", "record_step", "place_legal_hold", "download_cases",
                    "download_evidence", "make_case_file",
                    "download_report", "download_confidential_report", "freeze_report",
                    "change_settings", "record_review", "add_policy", "download_review_pack",
                    "manage_accounts", "download_audit_trail", "manage_retention",
                    "download_backup", "manage_demo_data", "read_server_metrics",
                }),
                audience=EXACT,
                # Every role that can read cases signs in with one, as the DfE's cyber
                # security standards for schools ask.
                second_factor_required=True,
            ),
            Role(
                STAFF,
                "Staff",
                pages=frozenset(
                    {"overview", "incidents", "log_incident", "termly_report", "policies"}
                ),
                actions=frozenset({
                    "log_case", "record_step", "download_cases", "download_report",
                    "download_evidence", "make_case_file",
                    "download_confidential_report", "download_review_pack",
                }),
                audience=EXACT,
                second_factor_required=True,
            ),
            # A governor sees figures, never a case, and may choose a second factor.
            Role(
                GOVERNOR,
                "Governor",
                pages=frozenset({"overview", "termly_report", "policies"}),
                actions=frozenset({"download_report", "download_review_pack"}),
                audience=PROTECTED,
                second_factor_required=False,
            ),
        )
    }
)  # fmt: skip

# The table's columns, one lookup each, for callers that ask one question of a role.
ROLES = MappingProxyType({code: role.label for code, role in ROLE_TABLE.items()})
PAGES_BY_ROLE = MappingProxyType({code: role.pages for code, role in ROLE_TABLE.items()})
ACTIONS_BY_ROLE = MappingProxyType({code: role.actions for code, role in ROLE_TABLE.items()})
# The figures each role is shown (analytics.figures.disclosure decides every cell).
AUDIENCE_BY_ROLE = MappingProxyType({code: role.audience for code, role in ROLE_TABLE.items()})
