"""The approved policy in its own words, quoted beside the register's shorter labels.

The sentences are the policy's (data/policies/parental-social-networking-policy.txt; a test
holds each to it). Where the policy names the school, the quotation says "[the school]", as
a quotation marks what it adds.
"""

from __future__ import annotations

from types import MappingProxyType

from analytics.records import Store
from analytics.vocabulary import as_day

DEFAULT_POLICY_TITLE = "Policy on parental use of social networking and internet sites"

POLICY_CATEGORY_WORDS = MappingProxyType(
    {
        "naming_children": "Naming children or posting any comments about children who "
        "attend [the school]",
        "allegations": "Making allegations about staff or anyone else connected with the school",
        "cyber_bullying": "Making any posts that could be deemed to be cyber-bullying",
        "complaints": "Making complaints about the school or staff at the school",
        "defamatory": "Making defamatory statements about the school or staff at the school",
        "offensive_comments": "Posting negative or offensive comments about staff or any "
        "other individual connected to the school",
        "racist": "Posting racist comments",
        "threats_of_violence": "Posting comments which threaten violence",
    }
)
POLICY_ACTION_WORDS = MappingProxyType(
    {
        "written_warning": "Set out the school's concerns to you in writing, giving you a "
        "warning and requesting that the material in question is removed",
        "legal_advice": "Take legal advice and/or legal action where the information posted "
        "is defamatory in any way or if the circumstances warrant this",
        "police": "Contact the police where the school feels it appropriate – for example, "
        "if it considers a crime (such as harassment) has been committed or in cases where "
        "the posting has a racial element, is considered to be grossly obscene, grossly "
        "offensive or is threatening violence",
        "access_blocked": "If the inappropriate comments have been made on a school website "
        "or online forum, the school may take action to block or restrict that individual's "
        "access to that website or forum",
        "provider_removal_request": "Contact the host/provider of the social networking site "
        "to complain about the content of the site and ask for removal of the information",
        "legal_action": "Take other legal action against the individual",
    }
)
POLICY_FIRST_STEP = (
    "as a first step the school will usually discuss the matter with the parent to try and "
    "resolve it and to ask that the relevant information be removed from the social "
    "networking site in question"
)
POLICY_PARENT = (
    'Where there is reference to "parent" in this document this also include carers, '
    "relatives or anyone associated with the school"
)


def describe_governing_policy(store: Store) -> str:
    """The policy incidents are handled under, as a document names it: its title in quotes,
    and who approved it when (its latest approval); the policy's own title if the register
    has none."""
    rows = store.read_rows(
        """
        SELECT policies.title, reviews.approved_by, reviews.approved_on
        FROM policies
        JOIN policy_reviews AS reviews ON reviews.policy_id = policies.id
        WHERE policies.governs_incidents
        ORDER BY reviews.approved_on DESC, reviews.id DESC
        LIMIT 1
        """
    )
    if not rows:
        return f'"{DEFAULT_POLICY_TITLE}"'
    title, approved_by, approved_on = rows[0]
    return f'"{title}", approved by the {approved_by} on {as_day(approved_on)}'
