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

import numpy as np
import pandas as pd

from dxlab.clean.ages import reband
from dxlab.clean.dates import decimal_year
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


# --------------------------------------------------------------------------- adopters


def _one_date(rates: pd.DataFrame, date: str) -> pd.DataFrame:
    dates = sorted(rates["reference_date"].unique())
    if date not in dates:
        raise DataError(f"no My Number Card table for {date}",
                        expected=f"one of {', '.join(dates)}")
    return rates[rates["reference_date"] == date]


def adopters(cards: pd.DataFrame, date: str, *, top: int = 90,
             sexes: Sequence[str] = ("total", "male", "female")) -> pd.DataFrame:
    """Card holders and non-holders by age band on one date, in persons, for each sex.

    The adopter share is the overall rate written as Σ (population share × rate):
    with band populations P_i and cards C_i, w_i = P_i / ΣP and r_i = C_i / P_i, so
    Σ w_i r_i = ΣC_i / ΣP. ``adopters`` counts cards issued as persons (one card per
    person; cumulative issuance, so cards of people who have since died or returned their
    card are still counted — an upper bound on living holders, most so at old ages);
    ``non_adopters`` = population − adopters, the persons without a card.

    Args:
        cards: ``dxlab.load('mic_mynumber_card_age_sex', totals=True)``.
        date: a published reference date ('2022-12-31').
        top: collapse bands at and above this age (90 is the top band published from
            2022-05-01).
        sexes: which sexes ('total' = both sexes).
    Returns:
        Long frame, per sex the age bands then a row ``age_group='total'``: sex, age_group,
        age_lo, age_hi, population (persons, resident register of ``population_reference_date``),
        adopters (persons), non_adopters (persons), issuance_rate (fraction), population_share
        (fraction of the sex's population), contribution (population_share × issuance_rate;
        the total row's contribution is the adopter share) and non_adopter_share (fraction of
        the sex's non-adopters). ``attrs['adopter_share']`` maps sex → adopter share
        (fraction); ``attrs['population_reference_date']`` the register date.
    Raises:
        DataError: ``date`` is not a published reference date.
    """
    rates = _one_date(card_rates(cards, top=top, sexes=sexes), date)
    rows, share = [], {}
    for sex in sexes:
        part = rates[rates["sex"] == sex].sort_values("age_lo")
        out = part[["sex", "age_group", "age_lo", "age_hi", "population"]].copy()
        out["adopters"] = part["cards_issued"].to_numpy()
        out["non_adopters"] = out["population"] - out["adopters"]
        out["issuance_rate"] = part["issuance_rate"].to_numpy()
        out["population_share"] = out["population"] / out["population"].sum()
        out["contribution"] = out["population_share"] * out["issuance_rate"]
        out["non_adopter_share"] = out["non_adopters"] / out["non_adopters"].sum()
        share[sex] = float(out["contribution"].sum())
        total = pd.DataFrame([{
            "sex": sex, "age_group": "total", "age_lo": pd.NA, "age_hi": pd.NA,
            "population": out["population"].sum(), "adopters": out["adopters"].sum(),
            "non_adopters": out["non_adopters"].sum(), "issuance_rate": share[sex],
            "population_share": 1.0, "contribution": share[sex], "non_adopter_share": 1.0}])
        rows += [out, total]
    frame = pd.concat(rows, ignore_index=True)
    frame["age_lo"] = frame["age_lo"].astype("Int64")
    frame["age_hi"] = frame["age_hi"].astype("Int64")
    frame.attrs["adopter_share"] = share
    ref = (cards.loc[cards["reference_date"] == date, "population_reference_date"].unique()
           if "population_reference_date" in cards.columns else [])
    frame.attrs["population_reference_date"] = str(ref[0]) if len(ref) else None
    return frame


def adopter_share_check(cards: pd.DataFrame, *, sexes: Sequence[str] = ("total", "male",
                                                                         "female")
                        ) -> pd.DataFrame:
    """The adopter share Σ(population share × rate) against the published all-ages rate, on
    every date and for each sex, with the tolerance the publication allows.

    Tolerance, worked out: the published rate p is 全体 cards C ÷ 全体 population P rounded
    to one decimal, so |100 C/P − p| ≤ 0.05 points. The bands' cards sum to C on every
    date, but their populations sum to P − g (g = ``population_gap``, persons outside the
    bands: 55-72 persons, and −81,101 / −85,748 for men / women on 2019-09-16, SOURCES.md
    12a), so the band-based share is 100 C/(P − g) = 100 C/P × P/(P − g), which differs
    from 100 C/P by 100 C/P × |g|/(P − g) ≤ (p + 0.05) × |g| / (P − |g|). Hence
    ``tolerance_points`` = 0.05 + (p + 0.05) × |g| / (P − |g|).

    Returns:
        DataFrame indexed by (reference_date, sex): adopter_share_percent, published_percent,
        cards_gap (全体 − Σ band cards), population_gap (persons), difference_points
        (share − published), tolerance_points and within (bool).
    """
    rates = card_rates(cards, top=90, sexes=sexes)
    pop_sum = rates.groupby(["reference_date", "sex"])["population"].transform("sum")
    rates = rates.assign(contribution=rates["population"] / pop_sum * rates["issuance_rate"])
    grouped = rates.groupby(["reference_date", "sex"])
    out = pd.DataFrame({
        "adopter_share_percent": 100 * grouped["contribution"].sum(),
        "band_cards": grouped["cards_issued"].sum(),
        "band_population": grouped["population"].sum(),
    })
    tot = cards[(cards["age_group"] == "total") & cards["sex"].isin(list(sexes))].set_index(
        ["reference_date", "sex"])
    out["published_percent"] = tot["issuance_rate_percent"]
    out["cards_gap"] = tot["cards_issued"] - out["band_cards"]
    out["population_gap"] = tot["population"] - out["band_population"]
    out["difference_points"] = out["adopter_share_percent"] - out["published_percent"]
    gap = out["population_gap"].abs()
    out["tolerance_points"] = 0.05 + (out["published_percent"] + 0.05) * gap / (
        tot["population"] - gap)
    out["within"] = out["difference_points"].abs() <= out["tolerance_points"] + 1e-9
    return out.drop(columns=["band_cards", "band_population"])


# --------------------------------------------------------------------------- time alignment


def registers(cards: pd.DataFrame, *, top: int = 90,
              sexes: Sequence[str] = ("total", "male", "female")) -> pd.DataFrame:
    """The 1-January resident registers the card tables use as denominators, one per year.

    A register is reprinted on every count date until the next one replaces it; its values
    are taken from the last count date that prints it (on 2019-09-16 the male and female
    30-34 rows still carried the 2018 register, SOURCES.md 12a; later dates print the 2019
    values).

    Returns:
        Long frame: population_reference_date, sex, age_group, age_lo, age_hi, population
        (persons), first_count_date and last_count_date (the count dates that use it).
    """
    rates = card_rates(cards, top=top, sexes=sexes)
    ref = cards[["reference_date", "population_reference_date"]].drop_duplicates()
    rates = rates.merge(ref, on="reference_date", how="left")
    span = rates.groupby("population_reference_date")["reference_date"].agg(["min", "max"])
    last = rates[rates["reference_date"] == rates["population_reference_date"].map(span["max"])]
    out = last[["population_reference_date", "sex", "age_group", "age_lo", "age_hi",
                "population"]].copy()
    out["first_count_date"] = out["population_reference_date"].map(span["min"])
    out["last_count_date"] = out["population_reference_date"].map(span["max"])
    return out.sort_values(["population_reference_date", "sex", "age_lo"]).reset_index(
        drop=True)


def count_date_population(cards: pd.DataFrame, *, top: int = 90,
                          sexes: Sequence[str] = ("total", "male", "female")) -> pd.DataFrame:
    """Each count date's band populations carried from the register date to the count date.

    The tables divide cards counted on ``reference_date`` by the resident register of
    ``population_reference_date`` (1 January, 8-19 months earlier). Here the population on
    the count date d is interpolated linearly (in decimal years) between the two 1-January
    registers that bracket d; after the last register in the tables (2022-01-01) it is
    extrapolated with the last annual change: P(d) = P_R + (d − R) × (P_R − P_R−1)/(R − R−1).
    Bands are ages at the register dates; this assumes the cards' ages are ages on the count
    date, which the tables do not guarantee (see :func:`age_basis_changes`).

    Returns:
        Long frame: reference_date, sex, age_group, age_lo, age_hi, cards_issued,
        population_reference_date, lag_years (d − register date), population (as published),
        population_count_date (persons), denominator_method ('register' when d is a register
        date, 'interpolated' or 'extrapolated'), issuance_rate (published denominator) and
        issuance_rate_count_date (fractions).
    """
    regs = registers(cards, top=top, sexes=sexes)
    wide = regs.pivot_table(index=["sex", "age_group"], columns="population_reference_date",
                            values="population", aggfunc="first")
    reg_dates = sorted(wide.columns)
    reg_t = np.array([decimal_year(d) for d in reg_dates])
    rates = card_rates(cards, top=top, sexes=sexes)
    ref = cards[["reference_date", "population_reference_date"]].drop_duplicates()
    rates = rates.merge(ref, on="reference_date", how="left")
    t = decimal_year(rates["reference_date"]).to_numpy()
    rates["lag_years"] = t - decimal_year(rates["population_reference_date"]).to_numpy()
    values = wide.to_numpy(dtype=float)
    row_of = {key: i for i, key in enumerate(wide.index)}
    rows = np.array([row_of[(s, a)] for s, a in zip(rates["sex"], rates["age_group"],
                                                    strict=True)])
    j = np.clip(np.searchsorted(reg_t, t, side="right") - 1, 0, len(reg_t) - 2)
    frac = (t - reg_t[j]) / (reg_t[j + 1] - reg_t[j])
    lo_val, hi_val = values[rows, j], values[rows, j + 1]
    rates["population_count_date"] = lo_val + frac * (hi_val - lo_val)
    method = np.where(np.isclose(t, reg_t[j]) | np.isclose(t, reg_t[j + 1]), "register",
                      np.where(t > reg_t[-1], "extrapolated", "interpolated"))
    rates["denominator_method"] = method
    rates["issuance_rate_count_date"] = rates["cards_issued"] / rates["population_count_date"]
    cols = ["reference_date", "sex", "age_group", "age_lo", "age_hi", "cards_issued",
            "population_reference_date", "lag_years", "population", "population_count_date",
            "denominator_method", "issuance_rate", "issuance_rate_count_date"]
    return rates[cols]


def age_basis_changes(cards: pd.DataFrame, *, top: int = 90, sex: str = "total"
                      ) -> pd.DataFrame:
    """Where the tables' numerator or denominator changes its age basis between two dates.

    - *Denominator rebased*: ``population_reference_date`` changes (a new 1-January
      register; band populations jump).
    - *Numerator ages rolled over*: cumulative cards issued cannot fall for a fixed set of
      birth cohorts (deaths are not netted), so a band whose card count falls between two
      dates has had its members' ages recomputed — its oldest cohort moved up a band (0-4
      loses its oldest children with their cards and gains newborns without any). A roll-over
      hidden by fast growth in every band is not detected.

    Returns:
        One row per consecutive date pair with a change: reference_date, previous_date,
        denominator_rebased, register (the register in force from this date),
        numerator_rolled_over, bands_fallen (labels) and cards_fallen (sum of the falls).
    """
    rates = card_rates(cards, top=top, sexes=(sex,))
    wide = rates.pivot_table(index="reference_date", columns="age_lo", values="cards_issued")
    ref = cards[cards["sex"] == sex].drop_duplicates("reference_date").set_index(
        "reference_date")["population_reference_date"].reindex(wide.index)
    label = rates.drop_duplicates("age_lo").set_index("age_lo")["age_group"]
    diff = wide.diff()
    rows = []
    for i in range(1, len(wide)):
        date, prev = wide.index[i], wide.index[i - 1]
        fell = diff.iloc[i][diff.iloc[i] < 0]
        rebased = ref.iloc[i] != ref.iloc[i - 1]
        if rebased or len(fell):
            rows.append({"reference_date": date, "previous_date": prev,
                         "denominator_rebased": bool(rebased), "register": ref.iloc[i],
                         "numerator_rolled_over": bool(len(fell)),
                         "bands_fallen": ", ".join(label[a] for a in fell.index),
                         "cards_fallen": int(-fell.sum())})
    return pd.DataFrame(rows, columns=["reference_date", "previous_date", "denominator_rebased",
                                       "register", "numerator_rolled_over", "bands_fallen",
                                       "cards_fallen"])


def later_national_figures(adoption: pd.DataFrame) -> pd.DataFrame:
    """The national My Number Card figures after the official tables end (2022-12-31), as
    bundled from secondary reports: one row per figure with its definition.

    Two measures are published: 交付枚数率 (``issuance_rate_cumulative``: cumulative cards
    issued ÷ population, the measure of the MIC tables used everywhere else in dxlab) and,
    from 2023, 保有枚数率 (``holding_rate``: valid cards held ÷ population, net of cards of
    people who died, expired or returned cards). Only the first is comparable with the
    projections here; the gap between the two on the same date measures how much cumulative
    issuance overstates current holding.

    Args:
        adoption: ``dxlab.load('mic_digital_adoption_prefecture', totals=True)``.
    Returns:
        reference_date, measure ('issuance_rate_cumulative' or 'holding_rate'), definition,
        percent, source_quality, source_url — national (全国) rows only.
    """
    nat = adoption[(adoption["pref_code"] == "00")
                   & adoption["indicator"].str.startswith("mynumber_card_")]
    measure = nat["indicator"].str.removeprefix("mynumber_card_").replace(
        {"issuance_rate": "issuance_rate_cumulative"})
    definition = measure.map({
        "issuance_rate_cumulative": "交付枚数率: cumulative cards issued ÷ population",
        "holding_rate": "保有枚数率: valid cards held ÷ population"})
    out = pd.DataFrame({"reference_date": nat["reference_label"], "measure": measure,
                        "definition": definition, "percent": nat["value"],
                        "source_quality": nat["source_quality"],
                        "source_url": nat["source_url"]})
    return out.sort_values(["reference_date", "measure"]).reset_index(drop=True)
