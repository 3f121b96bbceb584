"""The governing body's policy register: review dates and status, approvals, what happened
since a policy was last approved, and the approved policy in its own words."""

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
from analytics.policies.wording import (
    POLICY_ACTION_WORDS,
    POLICY_CATEGORY_WORDS,
    POLICY_FIRST_STEP,
    POLICY_PARENT,
    describe_governing_policy,
)

__all__ = [
    "POLICY_ACTION_WORDS",
    "POLICY_CATEGORY_WORDS",
    "POLICY_FIRST_STEP",
    "POLICY_PARENT",
    "PolicyStatus",
    "build_review_pack",
    "describe_governing_policy",
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
