"""Inter-rater agreement between two extractors: percent agreement and Cohen's kappa.

Only cells where at least one extractor wrote something are compared: two blank cells say nothing
about agreement (most optional columns are blank in both copies and would inflate it). A value
against a blank is a disagreement, and for kappa "(blank)" is then one of the categories.

Cohen's kappa (Cohen 1960) corrects percent agreement for the agreement expected by chance from each
extractor's marginal frequencies: kappa = (p_o - p_e) / (1 - p_e). It is given for categorical
fields (a term from a vocabulary, or yes/no) and is undefined (None) when chance agreement is 1,
i.e. both extractors used one and the same category throughout.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Hashable, Iterable, Sequence

BLANK = "(blank)"


def percent_agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Share of pairs with equal values, in percent; None when there are no pairs."""
    if not pairs:
        return None
    return 100.0 * sum(1 for a, b in pairs if a == b) / len(pairs)


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters' categorical values (None = blank, a category of its own)."""
    n = len(pairs)
    if n == 0:
        return None
    pairs = [(BLANK if a is None else a, BLANK if b is None else b) for a, b in pairs]
    observed = sum(1 for a, b in pairs if a == b) / n
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    expected = sum(count_a[c] * count_b.get(c, 0) for c in count_a) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass
class Agreement:
    """Agreement over a set of compared cells (one field, or a whole sheet)."""
    sheet: str
    field: str
    compared: int
    agreed: int
    kappa: float | None = None
    categorical: bool = False

    @property
    def percent(self) -> float | None:
        return None if not self.compared else 100.0 * self.agreed / self.compared


def compared_pairs(pairs: Iterable[tuple[Hashable, Hashable]]) -> list[tuple[Hashable, Hashable]]:
    """Keep the pairs where at least one value is filled in."""
    return [(a, b) for a, b in pairs if not (a is None and b is None)]


def agreement(sheet: str, field: str, pairs: Iterable[tuple[Hashable, Hashable]], categorical: bool) -> Agreement:
    kept = compared_pairs(pairs)
    agreed = sum(1 for a, b in kept if a == b)
    kappa = cohen_kappa(kept) if categorical else None
    return Agreement(sheet, field, len(kept), agreed, kappa, categorical)


def format_percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def format_kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
