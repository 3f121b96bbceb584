"""Everything made to be read: the termly report, its documents and frozen snapshots,
charts, the case file, the review pack, and the audit trail as people read it."""

from analytics.reporting.audit_trail import (
    audit_trail_csv,
    describe_audit_trail,
)
from analytics.reporting.casefile import (
    build_case_file,
    case_file_name,
)
from analytics.reporting.charts import (
    CHART_TITLES,
    build_action_chart,
    build_category_chart,
    build_platform_chart,
    build_stage_trend_chart,
    build_unclosed_age_chart,
    display_height,
)
from analytics.reporting.documents import (
    build_report_charts,
    charts_not_drawn,
    render_document,
    render_pdf,
    render_review_pack,
)
from analytics.reporting.report import (
    MODES,
    build_report,
    gather_report_figures,
    last_complete_term,
    report_modes_for,
)
from analytics.reporting.review_pack import (
    REVIEW_PACK_FORMATS,
    gather_review_pack,
)
from analytics.reporting.snapshots import (
    FORMATS,
    describe_snapshots,
    freeze_report,
    load_snapshot_document,
    load_snapshots,
)

__all__ = [
    "CHART_TITLES",
    "FORMATS",
    "MODES",
    "REVIEW_PACK_FORMATS",
    "audit_trail_csv",
    "build_action_chart",
    "build_case_file",
    "build_category_chart",
    "build_platform_chart",
    "build_report",
    "build_report_charts",
    "build_stage_trend_chart",
    "build_unclosed_age_chart",
    "case_file_name",
    "charts_not_drawn",
    "describe_audit_trail",
    "describe_snapshots",
    "display_height",
    "freeze_report",
    "gather_report_figures",
    "gather_review_pack",
    "last_complete_term",
    "load_snapshot_document",
    "load_snapshots",
    "render_document",
    "render_pdf",
    "render_review_pack",
    "report_modes_for",
]
