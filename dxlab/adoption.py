"""Moved: kept so that scripts written against dxlab 0.1 keep working.

The general demographic methods are in :mod:`dxlab.demography` (align, overall_rate,
kitagawa, standardise_direct, standardise_indirect, cohort_table, carried_rates, project,
adopting_share, majority_year, majority_sensitivity, rates_from_counts); the My Number Card
table helpers in :mod:`dxlab.cards` (card_rates, rates_at, overall_check, band_rates);
``decimal_year`` in :mod:`dxlab.clean.dates`; ``bands_from`` is
:func:`dxlab.clean.band_labels`. Note that :func:`dxlab.cards.card_rates` and
:func:`dxlab.cards.band_rates` now name their rate columns ``issuance_rate`` (fraction) and
``issuance_rate_percent`` instead of ``rate`` and ``rate_percent``.
"""

from dxlab.cards import band_rates, card_rates, overall_check, rates_at
from dxlab.clean.dates import decimal_year
from dxlab.demography import (
    MAX_AGE,
    METHODS,
    IndirectStandardisation,
    adopting_share,
    align,
    bands_from,
    carried_rates,
    cohort_table,
    kitagawa,
    majority_sensitivity,
    majority_year,
    overall_rate,
    project,
    rates_from_counts,
    standardise_direct,
    standardise_indirect,
)

__all__ = [
    "MAX_AGE", "METHODS", "IndirectStandardisation", "adopting_share", "align", "band_rates",
    "bands_from", "card_rates", "carried_rates", "cohort_table", "decimal_year", "kitagawa",
    "majority_sensitivity", "majority_year", "overall_check", "overall_rate", "project",
    "rates_at", "rates_from_counts", "standardise_direct", "standardise_indirect",
]
