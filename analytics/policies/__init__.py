"""The governing body's policy register: review dates and status, approvals, and what
happened since a policy was last approved."""

from analytics.policies.register import (
    PolicyStatus,
    build_review_pack,
    describe_overdue,
    describe_policy_statuses,
    load_policy_statuses,
    load_policy_text,
    load_review_history,
    proposed_review_term,
    record_policy,
    record_review,
    review_pack_csv,
    seed_policies,
    unused_actions,
)

__all__ = [
    "PolicyStatus",
    "build_review_pack",
    "describe_overdue",
    "describe_policy_statuses",
    "load_policy_statuses",
    "load_policy_text",
    "load_review_history",
    "proposed_review_term",
    "record_policy",
    "record_review",
    "review_pack_csv",
    "seed_policies",
    "unused_actions",
]
