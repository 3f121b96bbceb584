"""The policy's vocabulary: every coded value, declared once, with its label.

The codes are the interface for imports and exports and must never change; the labels
are for people and may be reworded. The schema's CHECK constraints list the same codes,
and tests/analytics/test_vocabulary.py proves they agree (and that the status macro does).
"""

from datetime import date, datetime
from types import MappingProxyType

CATEGORIES = MappingProxyType(
    {
        "naming_children": "Naming or posting comments about children at the school",
        "allegations": "Allegations about staff or anyone connected with the school",
        "cyber_bullying": "Posts that could be deemed cyber-bullying",
        "complaints": "Complaints about the school or staff",
        "defamatory": "Defamatory statements about the school or staff",
        "offensive_comments": "Negative or offensive comments about staff or anyone connected",
        "racist": "Racist comments",
        "threats_of_violence": "Comments which threaten violence",
    }
)

# Short forms for chart axes, where the full labels would squeeze the bars.
CATEGORY_SHORT_LABELS = MappingProxyType(
    {
        "naming_children": "Naming children",
        "allegations": "Allegations",
        "cyber_bullying": "Cyber-bullying",
        "complaints": "Complaints",
        "defamatory": "Defamatory",
        "offensive_comments": "Offensive comments",
        "racist": "Racist",
        "threats_of_violence": "Threats of violence",
    }
)

PLATFORMS = MappingProxyType(
    {
        "facebook": "Facebook",
        "x_twitter": "X (Twitter)",
        "instagram": "Instagram",
        "tiktok": "TikTok",
        "whatsapp": "WhatsApp",
        "snapchat": "Snapchat",
        "youtube": "YouTube",
        "school_website_or_forum": "The school's own website or forum",
        "other": "Other",
    }
)

POSTED_BY = MappingProxyType(
    {
        "parent": "Parent",
        "carer": "Carer",
        "relative": "Relative",
        "other_associated": "Someone else associated with the school",
    }
)

ABOUT = MappingProxyType(
    {
        "pupil": "A pupil",
        "staff": "Staff",
        "school": "The school",
        "governor": "A governor",
        "other": "Someone else",
    }
)

DISCUSSION_OUTCOMES = MappingProxyType(
    {
        "removed": "Parent removed the content",
        "refused": "Parent refused to remove it",
        "no_response": "No response from the parent",
        "not_held": "No discussion held",
    }
)

ESCALATION_ACTIONS = MappingProxyType(
    {
        "written_warning": "Written warning requesting removal",
        "legal_advice": "Legal advice taken",
        "police": "Police contacted",
        "access_blocked": "Access to the school's website or forum blocked",
        "provider_removal_request": "Site host or provider asked to remove it",
        "legal_action": "Legal action",
    }
)

ACTION_SHORT_LABELS = MappingProxyType(
    {
        "written_warning": "Written warning",
        "legal_advice": "Legal advice",
        "police": "Police",
        "access_blocked": "Access blocked",
        "provider_removal_request": "Asked the provider",
        "legal_action": "Legal action",
    }
)

# The rule is analytics.cases.rules.stage_of; the register stores its answer with each case.
# Where a case stands (analytics.cases.rules.stage_of is the rule), in the order governors read
# them: settled at discussion, escalated, still open.
SETTLED, ESCALATED, OPEN = "settled_at_discussion", "escalated", "open"
STAGES = MappingProxyType({SETTLED: "Settled at discussion", ESCALATED: "Escalated", OPEN: "Open"})

# The governors' headline figures: every case, then each stage (a case is in exactly one).
ALL_CASES = "incidents"
HEADLINE = MappingProxyType({ALL_CASES: "Incidents", **STAGES})
# A case's status in words, as every list and case page shows it (the rule: the SQL macro
# case_status, migration 012, which tests/analytics/test_vocabulary.py pins to these codes).
OPEN_NOT_DISCUSSED, OPEN_DISCUSSED, OPEN_ESCALATED = (
    "open_not_discussed", "open_discussed", "open_escalated",
)  # fmt: skip
CLOSED_SETTLED, CLOSED_ESCALATED = "closed_settled", "closed_escalated"
STATUSES = MappingProxyType(
    {
        OPEN_NOT_DISCUSSED: "Open: discussion not held",
        OPEN_DISCUSSED: "Open: discussion held",
        OPEN_ESCALATED: "Open: escalated",
        CLOSED_SETTLED: "Closed: settled at discussion",
        CLOSED_ESCALATED: "Closed: escalated",
    }
)

# A case's platform may be left blank; figures by platform count those cases under this key.
PLATFORM_NOT_RECORDED = "not_recorded"
PLATFORM_NOT_RECORDED_LABEL = "Not recorded"
PLATFORMS_COUNTED = MappingProxyType(
    {**PLATFORMS, PLATFORM_NOT_RECORDED: PLATFORM_NOT_RECORDED_LABEL}
)

# How long a case not yet closed has run, as the figures group them (calendar days, then
# school days, each from the day it was reported); the SQL receives the same bounds.
UNCLOSED_AGES = MappingProxyType(
    {
        "under_2_weeks": "Under 2 weeks",
        "2_to_6_weeks": "2 to 6 weeks",
        "over_6_weeks": "Over 6 weeks",
    }
)

# Who a figure is shown to decides how: exactly, or protected so that no small count can be
# worked out (analytics.figures.disclosure). Each role's audience is in the table of roles
# (analytics.access.roles).
EXACT, PROTECTED = "exact", "protected"
AUDIENCES = MappingProxyType(
    {
        EXACT: "Exact figures (the headteacher and staff)",
        PROTECTED: "Protected figures (governors, and every output for circulation)",
    }
)

# Where a policy's review stands on a day (the rule: analytics.policies.review_status).
OVERDUE, DUE_SOON, IN_DATE = "overdue", "due_soon", "in_date"
POLICY_STATUSES = MappingProxyType({OVERDUE: "Overdue", DUE_SOON: "Due soon", IN_DATE: "In date"})

# The policy lets the school block access only where the comments were made on its own site.
BLOCKABLE_PLATFORM = "school_website_or_forum"
BLOCKING_ACTION = "access_blocked"

# A discussion outcome that means no discussion took place, so it carries no date.
NO_DISCUSSION = "not_held"

# Coded columns of the incidents table and the vocabulary each must match.
CODED_COLUMNS = MappingProxyType(
    {
        ("incidents", "platform"): PLATFORMS,
        ("incidents", "categories"): CATEGORIES,
        ("incidents", "posted_by"): POSTED_BY,
        ("incidents", "about"): ABOUT,
        ("incidents", "discussion_outcome"): DISCUSSION_OUTCOMES,
        ("escalation_actions", "action"): ESCALATION_ACTIONS,
    }
)


def label_of(vocabulary: MappingProxyType, code: str | None) -> str:
    """The label for a code, or the code itself when it is not in the vocabulary."""
    if code is None:
        return ""
    return vocabulary.get(code, code)


# The termly report's two versions.
REPORT_MODES = MappingProxyType(
    {"circulation": "For circulation", "confidential": "Confidential (closed item)"}
)
# The kinds of document the app makes.
DOCUMENT_FORMATS = MappingProxyType({"pdf": "PDF", "docx": "Word", "csv": "CSV"})


# The school writes a day as 25/11/2026 and a moment as 25/11/2026 14:05:09, on screens, in
# documents and in the audit trail; in a sentence or a heading, a day in words: 25 November
# 2026, or 25 Nov 2026 where space is short. (The CSV interchange keeps ISO dates, as
# documented.)
DAY_FORMAT = "%d/%m/%Y"
MOMENT_FORMAT = "%d/%m/%Y %H:%M:%S"


def as_day(day: date) -> str:
    """A day as the school writes it: 25/11/2026."""
    return format(day, DAY_FORMAT)


def as_long_day(day: date) -> str:
    """A day in words: 25 November 2026 (1 December 2026, no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def as_short_day(day: date) -> str:
    """A day in words, the month cut short: 25 Nov 2026 (1 Dec 2026, no leading zero)."""
    return f"{day.day} {day:%b %Y}"


def as_moment(moment: datetime) -> str:
    """A moment as the school writes it: 25/11/2026 14:05:09."""
    return format(moment, MOMENT_FORMAT)


# Every field a person fills in, as forms, problems and the audit trail name it.
FIELD_LABELS = {
    "evidence": "Evidence",
    # The settings', named on the audit trail and in their problems.
    "backup_folder": "Backup folder",
    "school_name": "School name",
    "suppression_threshold": "Hide counts below",
    "retention_years": "Retention period (years)",
    "reference": "Reference",
    "reported_on": "Reported on",
    "posted_on": "Posted on",
    "platform": "Platform",
    "categories": "Categories",
    "posted_by": "Posted by",
    "about": "About",
    "person_ref": "Person reference",
    "summary": "Summary",
    "evidence_url": "Evidence link",
    "discussion_on": "Discussion date",
    "discussion_outcome": "Discussion outcome",
    "content_removed_on": "Content removed on",
    "closed_on": "Closing date",
    "outcome": "Outcome",
    "rationale": "Rationale",
    "reason": "Reason for the change",
    "note": "Note",
    # The policy register's fields, whose problems are shown the same way.
    "title": "Title",
    "approved_on": "Approved on",
    "approved_by": "Approved by",
    "next_review_term": "Next review term",
    # And the accounts'.
    "username": "Username",
    "display_name": "Name",
    "email": "Email",
    "password": "Password",
    "current_password": "Current password",
    "setup_code": "Setup code",
    "role": "Role",
} | {f"{code}_on": f"{label} (date)" for code, label in ESCALATION_ACTIONS.items()}
