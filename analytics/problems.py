"""A broken rule, named by its field and said in plain words, and the error that carries
them: every layer refuses bad input this way, before anything is written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analytics.vocabulary import FIELD_LABELS


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field (its import column name) and the rule in plain words."""

    field: str
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule}"

    def for_people(self) -> str:
        """The problem with the field's label, for a form."""
        return f"{FIELD_LABELS.get(self.field, self.field)}: {self.rule}"


class RulesBroken(ValueError):
    """Raised, before anything is written, when input breaks one or more rules."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
