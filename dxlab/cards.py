"""My Number Card tables (マイナンバーカード交付状況, MIC): issuance rates by age with one common
top band, rates on a date, coarser bands, and the check of the bands against the published
all-ages figure.

What the measure is: cumulative cards *issued* (交付枚数, not net of deaths, expiry or
returns) per resident-register population on 1 January — card uptake, not internet use and
not use of online services. Column names say so: ``issuance_rate`` (fraction 0-1) and
``issuance_rate_percent``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dxlab.clean.ages import reband
from dxlab.demography import rates_from_counts
from dxlab.errors import DataError


def band_rates(frame: pd.DataFrame, bands: str | Sequence[str], *, by: Sequence[str] = ()
               ) -> pd.DataFrame:
    """Issuance rates for coarser bands (e.g. 0-14 / 15-59 / 60+) from counts: cards and
    population summed by band (partial overlaps split uniformly), per ``by`` group.

    Returns:
        DataFrame with ``by``, ``age_group``, ``age_lo``, ``age_hi``, ``cards_issued``,
        ``population`` and ``issuance_rate`` (fraction 0-1).
    """
    counts = reband(frame, bands, value=["cards_issued", "population"], by=list(by))
    counts["issuance_rate"] = counts["cards_issued"] / counts["population"]
    return counts


def card_rates(cards: pd.DataFrame, *, top: int = 90, sexes: Sequence[str] = ("total",)
               ) -> pd.DataFrame:
    """My Number Card rates by reference date, sex and age band with one common top band.

    Args:
        cards: ``dxlab.load('mic_mynumber_card_age_sex', totals=True)``.
        top: collapse bands at and above this age (90: the top band published from
            2022-05-01; earlier dates publish 90-94, 95-99, 100+).
        sexes: which sex rows ('male', 'female', 'total').
    Returns:
        Long frame: reference_date, sex, age_group, age_lo, age_hi, cards_issued,
        population, issuance_rate (fraction 0-1), issuance_rate_percent.
    """
    rows = cards[(cards["age_group"] != "total") & cards["sex"].isin(list(sexes))]
    out = rates_from_counts(rows, top=top, by=["reference_date", "sex"], rate="issuance_rate")
    out["issuance_rate_percent"] = 100 * out["issuance_rate"]
    return out


def rates_at(rates: pd.DataFrame, date: str, *, sex: str = "total") -> pd.DataFrame:
    """Rows of a :func:`card_rates` frame for one date and sex, indexed by age band.

    Raises:
        DataError: the date is not a published reference date (listing those that are).
    """
    dates = sorted(rates["reference_date"].unique())
    if date not in dates:
        raise DataError(f"no My Number Card table for {date}",
                        expected=f"one of {', '.join(dates)}")
    sel = rates[(rates["reference_date"] == date) & (rates["sex"] == sex)]
    return sel.set_index("age_group")


def overall_check(cards: pd.DataFrame, *, sex: str = "total") -> pd.DataFrame:
    """Per reference date: the overall rate recomputed from the age bands against the
    published all-ages figure (全体).

    Returns:
        DataFrame indexed by reference_date: ``published_percent`` (as printed, 1 dp),
        ``total_recomputed_percent`` (全体 cards ÷ 全体 population), ``bands_percent``
        (Σ band cards ÷ Σ band population), ``population_gap`` (全体 − Σ bands, persons)
        and ``difference_points`` (bands − published, percentage points).
    """
    sel = cards[cards["sex"] == sex]
    tot = sel[sel["age_group"] == "total"].set_index("reference_date")
    bands = sel[sel["age_group"] != "total"].groupby("reference_date")[
        ["cards_issued", "population"]].sum()
    out = pd.DataFrame({
        "published_percent": tot["issuance_rate_percent"],
        "total_recomputed_percent": 100 * tot["cards_issued"] / tot["population"],
        "bands_percent": 100 * bands["cards_issued"] / bands["population"],
        "population_gap": tot["population"] - bands["population"],
    })
    out["difference_points"] = out["bands_percent"] - out["published_percent"]
    return out


def standardised_rates(cards: pd.DataFrame, standard: pd.DataFrame, *, top: int = 90,
                       sex: str = "total") -> pd.DataFrame:
    """The national issuance rate on every date, crude and directly standardised to a
    standard population (e.g. the 平成27年 model population): Σ r_i S_i / Σ S_i over bands
    with the card tables' top band collapsed at ``top`` (and the standard's bands above it
    summed to match). The difference is the part of the crude rate owed to the population's
    age structure on that date.

    Args:
        cards: ``dxlab.load('mic_mynumber_card_age_sex', totals=True)``.
        standard: one standard population with age_lo, age_hi, population (persons), e.g.
            the rows of one ``standard`` in ``model_population_japan``.
    Returns:
        Indexed by reference_date: crude_percent (Σ cards ÷ Σ population over the bands),
        standardised_percent, difference_points.
    """
    from dxlab.clean.ages import collapse_top_band
    from dxlab.demography import standardise_direct

    rates = card_rates(cards, top=top, sexes=(sex,))
    std = collapse_top_band(standard[["age_group", "age_lo", "age_hi", "population"]], top,
                            by=[])
    rows = {}
    for date, r in rates.groupby("reference_date"):
        r = r.set_index("age_group")
        crude = r["cards_issued"].sum() / r["population"].sum()
        rows[date] = {"crude_percent": 100 * crude,
                      "standardised_percent": 100 * standardise_direct(r["issuance_rate"], std)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "reference_date"
    out["difference_points"] = out["standardised_percent"] - out["crude_percent"]
    return out
