"""General demographic methods: population aligned to rate bands, overall rates, Kitagawa
decomposition, direct and indirect standardisation, birth-cohort tables, and projections of an
age-specific rate on projected pyramids.

Conventions. An *age-specific rate* is a fraction (0-1) per age band, a pandas Series indexed
by band labels ('0-4', '85+', '90+'; anything :func:`dxlab.clean.parse_age_band` reads). A
*population* is persons per band, either such a Series or a tidy frame with ``age_lo``,
``age_hi`` and ``population``. Where the two use different band systems the population is
rebanded onto the rate bands with :func:`dxlab.clean.reband` (uniform within a band; an open
top band must fall wholly inside an open rate band: collapse top bands first).

Nothing here knows which rate it is given: My Number Card issuance (:mod:`dxlab.cards`), an
internet-use rate by age, or any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dxlab.clean.ages import (
    AgeBand,
    age_label,
    band_labels,
    collapse_top_band,
    parse_age_band,
    reband,
)
from dxlab.clean.dates import decimal_year
from dxlab.errors import DataError

MAX_AGE = 110  # single-year expansion stops here; open top bands cover MAX_AGE - lo + 1 years


# --------------------------------------------------------------------------- alignment


def _bands_of(index: Sequence[str]) -> list[AgeBand]:
    bands = []
    for label in index:
        band = parse_age_band(str(label))
        if band is None:
            raise DataError("rates need age bands, not 'age unknown'", value=label)
        bands.append(band)
    return bands


def _pop_frame(pop: pd.Series | pd.DataFrame) -> pd.DataFrame:
    if isinstance(pop, pd.DataFrame):
        need = {"age_lo", "age_hi", "population"} - set(pop.columns)
        if need:
            raise DataError(f"population frame lacks {sorted(need)}")
        keys = ["age_lo", "age_hi"]
        return pop.groupby(keys, dropna=False)["population"].sum().reset_index()
    bands = _bands_of(pop.index)
    return pd.DataFrame({
        "age_lo": pd.array([b[0] for b in bands], dtype="Int64"),
        "age_hi": pd.array([b[1] for b in bands], dtype="Int64"),
        "population": pop.to_numpy(dtype=float),
    })


def align(pop: pd.Series | pd.DataFrame, rates: pd.Series) -> pd.DataFrame:
    """Population rebanded onto the rates' bands, side by side.

    Returns:
        DataFrame indexed like ``rates`` with ``population`` (persons) and ``rate``;
        ``attrs['outside']`` is the population outside every rate band (e.g. ages 0-5 when
        the rates start at 6), which the overall rate leaves out.
    """
    bands = _bands_of(rates.index)
    out = reband(_pop_frame(pop), [age_label(*b) for b in bands])
    by_label = out.set_index("age_group")["population"]
    labels = [age_label(*b) for b in bands]
    frame = pd.DataFrame({"population": by_label.reindex(labels).fillna(0).to_numpy(),
                          "rate": rates.to_numpy(dtype=float)}, index=rates.index)
    frame.attrs["outside"] = out.attrs["unallocated"]["population"]["outside_target_bands"]
    return frame


# --------------------------------------------------------------------------- rates


def rates_from_counts(frame: pd.DataFrame, *, numerator: str = "cards_issued",
                      denominator: str = "population", top: int | None = None,
                      by: Sequence[str] = (), rate: str = "rate") -> pd.DataFrame:
    """Age-specific rates from counts, optionally collapsing bands at and above ``top``.

    Rates cannot be averaged across bands, but counts can be summed: the 90+ rate is
    Σnumerator(90-94, 95-99, 100+) / Σdenominator(…) (:func:`dxlab.clean.collapse_top_band`).
    Use this to give two dates the same top band. Rows without an age (totals) are left out.

    Returns:
        DataFrame with ``by`` columns, ``age_group``, ``age_lo``, ``age_hi``, the two counts
        and ``rate`` (a fraction 0-1; named by the ``rate`` argument).
    Raises:
        ParseError: a band straddles ``top``.
    """
    keys = list(by)
    data = frame.loc[frame["age_lo"].notna(), [*keys, "age_group", "age_lo", "age_hi",
                                                 numerator, denominator]]
    if top is not None:
        data = collapse_top_band(data, top, value=[numerator, denominator], by=keys)
    out = data.sort_values([*keys, "age_lo"], kind="stable").reset_index(drop=True)
    out[rate] = out[numerator] / out[denominator]
    return out


def overall_rate(pop: pd.Series | pd.DataFrame, rates: pd.Series) -> float:
    """Population-weighted overall rate: R = Σ P_i r_i / Σ P_i over the rate bands.

    Args:
        pop: persons by age band (any band system; rebanded onto the rates' bands).
        rates: age-specific rates (fraction) indexed by band.
    Returns:
        The overall rate (fraction) of the population covered by the rate bands.
    """
    a = align(pop, rates)
    if a["population"].sum() <= 0:
        raise DataError("no population in the rate bands")
    return float((a["population"] * a["rate"]).sum() / a["population"].sum())


def kitagawa(pop_a: pd.Series | pd.DataFrame, rates_a: pd.Series,
             pop_b: pd.Series | pd.DataFrame, rates_b: pd.Series) -> pd.DataFrame:
    """Split the change in an overall rate into composition (pyramid) and rate effects.

    Kitagawa, E. M. (1955), "Components of a difference between two rates", JASA 50:1168-94.
    With age shares w and age-specific rates r:
    composition_i = (w_b,i − w_a,i) × (r_a,i + r_b,i) / 2;
    rate_i = (r_b,i − r_a,i) × (w_a,i + w_b,i) / 2;
    Σ composition + Σ rate = R_b − R_a exactly.

    Args:
        pop_a, pop_b: persons by band at the two dates (rebanded onto the rate bands).
        rates_a, rates_b: rates (fraction) by band, the same bands at both dates.
    Returns:
        DataFrame indexed by band with ``share_a``, ``share_b``, ``rate_a``, ``rate_b``,
        ``composition`` and ``rate`` (effects, in rate units). ``attrs['total']`` holds
        'composition', 'rate', 'change', 'overall_a', 'overall_b'.
    Raises:
        DataError: the two dates use different bands.
    """
    if list(rates_a.index) != list(rates_b.index):
        raise DataError("the two dates have different age bands",
                        value=f"{list(rates_a.index)} vs {list(rates_b.index)}",
                        expected="the same bands (collapse top bands with rates_from_counts)")
    a, b = align(pop_a, rates_a), align(pop_b, rates_b)
    wa = a["population"] / a["population"].sum()
    wb = b["population"] / b["population"].sum()
    ra, rb = a["rate"], b["rate"]
    out = pd.DataFrame({
        "share_a": wa, "share_b": wb, "rate_a": ra, "rate_b": rb,
        "composition": (wb - wa) * (ra + rb) / 2,
        "rate": (rb - ra) * (wa + wb) / 2,
    })
    overall_a, overall_b = float((wa * ra).sum()), float((wb * rb).sum())
    out.attrs["total"] = {
        "composition": float(out["composition"].sum()),
        "rate": float(out["rate"].sum()),
        "change": overall_b - overall_a,
        "overall_a": overall_a,
        "overall_b": overall_b,
    }
    return out


def standardise_direct(rates: pd.Series, standard_pop: pd.Series | pd.DataFrame) -> float:
    """Directly standardised rate: Σ r_i S_i / Σ S_i — the overall rate the population would
    have with the standard population's age structure S (e.g. the 2020 census).

    Standardising with the population's own structure returns its crude rate."""
    return overall_rate(standard_pop, rates)


@dataclass(frozen=True)
class IndirectStandardisation:
    """Result of :func:`standardise_indirect`.

    Attributes:
        observed: observed count (e.g. cards issued).
        expected: Σ P_i R_i, the count expected with the reference rates.
        ratio: observed / expected (1 = as the reference rates predict).
    """

    observed: float
    expected: float
    ratio: float


def standardise_indirect(pop: pd.Series | pd.DataFrame, reference_rates: pd.Series,
                         observed_total: float) -> IndirectStandardisation:
    """Indirect standardisation: compare an observed total with the count the population
    would have at reference age-specific rates (observed/expected, as an SMR).

    Use where only a population's age structure and its total are known (a municipality's
    pyramid and its card count), with national rates as the reference."""
    a = align(pop, reference_rates)
    expected = float((a["population"] * a["rate"]).sum())
    if expected <= 0:
        raise DataError("expected count is zero; the reference rates or population are empty")
    return IndirectStandardisation(float(observed_total), expected,
                                   float(observed_total) / expected)


# --------------------------------------------------------------------------- cohorts


def cohort_table(rates: pd.DataFrame, *, date: str = "reference_date", width: int = 5
                 ) -> pd.DataFrame:
    """Rates re-indexed by birth cohort, to follow a cohort across reference dates.

    Each (date, band) row is placed at the mid birth year of the band: date − (lo + hi + 1)/2
    (decimal years); rows are grouped into ``width``-year birth cohorts by that mid year
    ('1950-1954'). Reference dates that are not whole multiples of ``width`` years apart put
    a band in the neighbouring cohort, so lines are approximate within ±width/2 years and
    jump (saw-tooth) whenever a band passes from one cohort bin to the next: kept for old
    scripts; use :func:`cohort_lexis`. Open top bands (90+) have no mid age and are left out.

    Args:
        rates: long frame with ``date``, ``age_lo``, ``age_hi`` and ``rate``.
    Returns:
        The closed-band rows with ``mid_birth_year``, ``birth_cohort`` (label) and
        ``cohort_start`` (first birth year).
    """
    closed = rates[rates["age_hi"].notna()].copy()
    when = decimal_year(closed[date])
    mid_age = (closed["age_lo"].astype(float) + closed["age_hi"].astype(float) + 1) / 2
    closed["mid_birth_year"] = when - mid_age
    start = (np.floor(closed["mid_birth_year"] / width) * width).astype(int)
    closed["cohort_start"] = start
    closed["birth_cohort"] = start.astype(str) + "-" + (start + width - 1).astype(str)
    return closed


def cohort_lexis(rates: pd.DataFrame, *, date: str = "reference_date", value: str = "rate",
                 population: str | None = "population", width: int = 5) -> pd.DataFrame:
    """Birth-cohort rates built on the Lexis diagram: each cohort's rate on each date is the
    population-weighted mean of the rates of the ages it occupies on that date.

    A cohort born in [c, c + w) (decimal years, c a multiple of ``width``) is aged
    (t − c − w, t − c] at time t. Band b = [lo, hi] covers exact ages [lo, hi + 1) and holds
    P_b persons, spread evenly over its ages (density P_b / (hi + 1 − lo)). The cohort's
    overlap with b is L_b = max(0, min(t − c, hi + 1) − max(t − c − w, lo)) years, so

        rate_c(t) = Σ_b L_b (P_b / width_b) r_b / Σ_b L_b (P_b / width_b).

    Unlike :func:`cohort_table`, which puts a whole band into the cohort holding its mid
    birth year, every person-age is attributed by birth date, so a cohort's membership moves
    continuously with t and no saw-tooth appears when a band changes cohort. If the rate is
    constant within every birth cohort and linear in birth year and the population is even
    across ages, the lines are exactly flat (the test works this out). Cohorts reaching into
    an open top band (90+) or below the youngest band are left out.

    Args:
        rates: long frame with ``date``, ``age_lo``, ``age_hi``, ``value`` and, unless
            ``population`` is None (then ages are weighted evenly), the band populations.
        width: cohort width in years (5: '1950-1954').
    Returns:
        One row per date and cohort: ``date``, cohort_start, birth_cohort ('1950-1954'),
        age_from, age_to (the cohort's exact ages on that date), ``value`` and bands (the
        labels it overlaps).
    """
    closed = rates[rates["age_hi"].notna()]
    rows = []
    for when, part in closed.groupby(date, sort=True):
        t = float(decimal_year(str(when)))
        lo = part["age_lo"].to_numpy(dtype=float)
        hi = part["age_hi"].to_numpy(dtype=float) + 1
        r = part[value].to_numpy(dtype=float)
        dens = (part[population].to_numpy(dtype=float) / (hi - lo) if population
                else np.ones(len(part)))
        labels = part["age_group"].to_numpy() if "age_group" in part else lo.astype(int)
        a_min, a_max = lo.min(), hi.max()
        first = int(np.ceil((t - a_max) / width) * width)
        last = int(np.floor((t - a_min - width) / width) * width)
        for c in range(first, last + 1, width):
            young, old = t - c - width, t - c
            overlap = np.clip(np.minimum(old, hi) - np.maximum(young, lo), 0, None)
            w = overlap * dens
            if w.sum() <= 0:
                continue
            rows.append({date: when, "cohort_start": c, "birth_cohort": f"{c}-{c + width - 1}",
                         "age_from": young, "age_to": old,
                         value: float((w * r).sum() / w.sum()),
                         "bands": ", ".join(str(x) for x in labels[overlap > 0])})
    return pd.DataFrame(rows, columns=[date, "cohort_start", "birth_cohort", "age_from",
                                       "age_to", value, "bands"])


# --------------------------------------------------------------------------- thresholds


def share_at_or_above(pop: pd.Series | pd.DataFrame, rates: pd.Series,
                      thresholds: Sequence[float]) -> pd.Series:
    """Share of the population (persons covered by the rate bands) living at ages whose rate
    is at least each threshold — the 'adopting ages' share as a curve over thresholds.

    The curve is a step function that falls at each band's rate; on a flat age profile it
    drops from near 1 to near 0 over a few points of threshold, so any single threshold
    gives an unstable yes/no answer. Prefer the overall rate (:func:`overall_rate`).

    Returns:
        Series indexed by threshold (fraction) with the share (fraction).
    """
    a = align(pop, rates)
    total = a["population"].sum()
    if total <= 0:
        raise DataError("no population in the rate bands")
    r, p = a["rate"].to_numpy(dtype=float), a["population"].to_numpy(dtype=float)
    out = [float(p[r >= t].sum() / total) for t in thresholds]
    return pd.Series(out, index=pd.Index(list(thresholds), name="threshold"),
                     name="share_at_or_above")


def threshold_for_share(pop: pd.Series | pd.DataFrame, rates: pd.Series, share: float = 0.5
                        ) -> float:
    """The highest threshold at which the ages with a rate at least that high still hold
    more than ``share`` of the population (a band rate; the curve of
    :func:`share_at_or_above` drops to ``share`` or below just above it).

    Bands sorted by rate from the highest: the answer is the rate of the band whose
    population carries the cumulative share past ``share``.
    """
    a = align(pop, rates).sort_values("rate", ascending=False)
    cum = a["population"].cumsum() / a["population"].sum()
    return float(a["rate"][cum > share].iloc[0])


# --------------------------------------------------------------------------- projection


def _single_year_rates(rates: pd.Series) -> np.ndarray:
    """Rates by single year of age 0..MAX_AGE (uniform within a band; NaN where no band)."""
    out = np.full(MAX_AGE + 1, np.nan)
    for (lo, hi), r in zip(_bands_of(rates.index), rates.to_numpy(dtype=float), strict=True):
        out[lo:(MAX_AGE if hi is None else hi) + 1] = r
    return out


def _single_year_pop(pop: pd.DataFrame) -> np.ndarray:
    """Persons by single year of age 0..MAX_AGE, spread uniformly within each band; an open
    band is spread over lo..MAX_AGE (only sums over whole bands are used downstream)."""
    out = np.zeros(MAX_AGE + 1)
    for lo, hi, n in pop[["age_lo", "age_hi", "population"]].itertuples(index=False):
        if pd.isna(lo):
            continue
        top = MAX_AGE if pd.isna(hi) else int(hi)
        out[int(lo):top + 1] += n / (top - int(lo) + 1)
    return out


def single_year_rates(rates: pd.Series) -> np.ndarray:
    """Rates by single year of age 0..MAX_AGE from band rates (uniform within a band; NaN at
    ages no band covers)."""
    return _single_year_rates(rates)


def single_year_population(pop: pd.DataFrame) -> np.ndarray:
    """Persons by single year of age 0..MAX_AGE from a band frame (``age_lo``, ``age_hi``,
    ``population``), spread evenly within each band; an open band over lo..MAX_AGE."""
    return _single_year_pop(pop)


def carried_rates(rates: pd.Series, years_ahead: float, *, cap: float = 1.0) -> np.ndarray:
    """Single-year rates after ``years_ahead`` years if each birth cohort keeps its latest rate.

    Age a in the target year was age a − k at the rates' date (k = years_ahead, rounded to
    whole years). Cohorts not yet born then (a − k < youngest rated age) take today's
    age-specific rate for their age. Carried rates are capped at ``cap`` (default 1.0): a
    cohort's rate cannot exceed 100% (no published card rate does; the highest, 98.7% for
    men 100+ in early 2022, is itself implausible — cumulative issuance is not netted for
    deaths).
    """
    base = _single_year_rates(rates)
    k = int(np.rint(years_ahead))
    ages = np.arange(MAX_AGE + 1)
    source = ages - k
    carried = np.where(source >= 0, base[np.clip(source, 0, MAX_AGE)], base)
    carried = np.where(np.isnan(carried), base, carried)
    return np.minimum(carried, cap)


METHODS = ("constant", "cohort")


def project(pop_projection: pd.DataFrame, rates: pd.Series, rates_year: float, *,
            method: str | Sequence[str] = METHODS, cap: float = 1.0) -> pd.DataFrame:
    """Overall adoption on projected pyramids.

    Methods:
        'constant': age-specific rates held at their latest values (only the pyramid moves).
        'cohort': each birth cohort carries its latest rate as it ages
            (:func:`carried_rates`, capped at ``cap``); new cohorts take today's rate for
            their age.
    Both use single years of age (uniform within bands) so shifts need not be multiples of 5.

    Args:
        pop_projection: tidy frame with ``year``, ``age_lo``, ``age_hi``, ``population``
            (sexes are summed).
        rates: latest rates (fraction) by band; ``rates_year``: their date as a decimal year.
    Returns:
        DataFrame indexed by ``year`` (projection years from ``rates_year`` on; earlier years
        are left out, a cohort cannot carry a rate backwards) with one column per method
        (fractions) — the range a reader should see.
    """
    methods = [method] if isinstance(method, str) else list(method)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {m!r}")
    base = _single_year_rates(rates)
    covered = ~np.isnan(base)
    rows = {}
    for year, group in pop_projection.groupby("year"):
        if year < rates_year:
            continue
        persons = _single_year_pop(group)[covered]
        row = {}
        for m in methods:
            r = (base if m == "constant"
                 else carried_rates(rates, year - rates_year, cap=cap))[covered]
            row[m] = float((persons * np.minimum(r, cap)).sum() / persons.sum())
        rows[year] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "year"
    return out


def adopting_share(pop: pd.DataFrame, rates: pd.Series, rates_year: float, year: float, *,
                   threshold: float, method: str = "cohort", cap: float = 1.0) -> float:
    """Share of the population (persons covered by the rate bands) living at ages whose
    adoption rate in ``year`` is at least ``threshold``."""
    covered = ~np.isnan(_single_year_rates(rates))
    r = (_single_year_rates(rates) if method == "constant"
         else carried_rates(rates, year - rates_year, cap=cap))
    persons = _single_year_pop(pop)
    return float(persons[covered & (r >= threshold)].sum() / persons[covered].sum())


def majority_year(pop_projection: pd.DataFrame, rates: pd.Series, rates_year: float, *,
                  threshold: float = 0.6, share: float = 0.5, method: str = "cohort",
                  cap: float = 1.0) -> int | None:
    """First projected year (not before the rates' date) in which the population at ages
    whose adoption is at least ``threshold`` is more than ``share`` of the population.

    Returns:
        The year, or None when no projected year qualifies.
    """
    for year, group in pop_projection.groupby("year"):
        if year < rates_year:
            continue
        if adopting_share(group, rates, rates_year, year, threshold=threshold,
                          method=method, cap=cap) > share:
            return int(year)
    return None


def majority_sensitivity(pop_projection: pd.DataFrame, rates: pd.Series, rates_year: float,
                         *, thresholds: Sequence[float], shares: Sequence[float],
                         method: str = "cohort") -> pd.DataFrame:
    """:func:`majority_year` over a grid: rows thresholds, columns shares (None = never)."""
    table = {s: [majority_year(pop_projection, rates, rates_year, threshold=t, share=s,
                               method=method) for t in thresholds] for s in shares}
    out = pd.DataFrame({s: pd.array(v, dtype="Int64") for s, v in table.items()},
                       index=pd.Index(thresholds, name="threshold"))
    out.columns.name = "share"
    return out


def bands_from(labels: Sequence[str]) -> list[str]:
    """Canonical band labels (kept for old scripts; see :func:`dxlab.clean.band_labels`)."""
    return band_labels(list(labels))


# --------------------------------------------------------------------------- many areas
# Indirect standardisation of many areas at once: observed ÷ expected with exact Poisson
# intervals, overdispersion and funnel limits.


def expected_rates(shares: pd.DataFrame, rates: pd.DataFrame, *, area: str | Sequence[str],
                   on: Sequence[str] = ("sex", "age_group"), share: str = "share",
                   rate: str = "rate") -> pd.Series:
    """Expected rate of each area under reference rates (indirect standardisation).

    E_rate(area) = Σ_g w(area, g) × R(g), where g runs over the groups ``on`` (sex × age band),
    w is the area's population share in g (Σ_g w = 1) and R the reference (e.g. national)
    rate in g. Breslow & Day (1987), *Statistical Methods in Cancer Research* II, ch. 2;
    the expected count is E_rate × the area's population.

    Args:
        shares: one row per area × group with ``share`` (fraction); shares of an area that
            cannot be computed (no population) are NaN and give NaN.
        rates: one row per group (and per any extra key such as ``reference_date``) with
            ``rate`` (fraction 0-1).
        area: column(s) naming the area.
        on: the group columns shared by both frames.
    Returns:
        Series of expected rates (fraction) indexed by area (and the extra keys of ``rates``).
    Raises:
        DataError: a group of ``shares`` with no rate in ``rates``.
    """
    area = [area] if isinstance(area, str) else list(area)
    on = list(on)
    extra = [c for c in rates.columns if c not in (*on, rate) and c in ("reference_date",)]
    # areas × groups (shares) @ groups × dates (rates): one matrix product
    w = shares.set_index([*area, *on])[share].unstack(on)
    r = (rates.set_index([*extra, *on])[rate].unstack(on) if extra
         else rates.set_index(on)[rate].to_frame().T)
    r = r.reindex(columns=w.columns)
    if r.isna().any().any():
        group = r.columns[r.isna().any()][0]
        raise DataError("no reference rate for a group of the area structure",
                        value=dict(zip(on, group if isinstance(group, tuple) else (group,),
                                       strict=True)),
                        expected="a rate for every group")
    product = w.fillna(0).to_numpy() @ r.to_numpy().T
    product[w.isna().any(axis=1).to_numpy()] = np.nan  # an area without a structure
    out = pd.DataFrame(product, index=w.index, columns=r.index if extra else [0])
    if not extra:
        return out[0].rename("expected_rate")
    long = out.stack(future_stack=True).rename("expected_rate")
    return long.reorder_levels([*extra, *area]) if extra else long


def poisson_ratio_ci(observed: np.ndarray | pd.Series | float,
                     expected: np.ndarray | pd.Series | float, level: float = 0.95
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson confidence interval of observed ÷ expected (the SMR interval).

    With O observed events treated as Poisson and E fixed: lower = χ²(α/2; 2O) / (2E),
    upper = χ²(1 − α/2; 2(O + 1)) / (2E) (Ulm 1990, Am J Epidemiol 131:373-5; Breslow & Day
    1987). For O = 0 the lower limit is 0.

    Returns:
        (lower, upper) arrays; NaN where E is missing or not positive.
    """
    from scipy.stats import chi2

    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(o > 0, chi2.ppf(alpha / 2, 2 * o) / 2, 0.0) / e
        hi = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2 / e
    bad = ~(e > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def overdispersion(oe: np.ndarray | pd.Series, expected: np.ndarray | pd.Series, *,
                   winsor: float = 0.1) -> dict[str, float]:
    """Overdispersion of O/E ratios around 1 (Spiegelhalter 2005, Stat Med 24:1185-1202).

    z_i = (y_i − 1) / s_i with y = O/E and s_i = √(1/E_i) (Poisson); the z are winsorised at
    ``winsor`` in each tail; φ = mean(z²). If nφ > n − 1, the additive random-effects
    variance is τ² = (nφ − (n − 1)) / (Σ w_i − Σ w_i² / Σ w_i) with w_i = 1/s_i² = E_i.

    Returns:
        {'phi': φ, 'tau2': τ² (0 when not overdispersed), 'n': n}.
    """
    y = np.asarray(oe, dtype=float)
    e = np.asarray(expected, dtype=float)
    keep = np.isfinite(y) & (e > 0)
    y, e = y[keep], e[keep]
    z = (y - 1) * np.sqrt(e)
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    n = len(z)
    tau2 = 0.0
    if n * phi > (n - 1) * (1 + 1e-9):  # equality (up to rounding) means no overdispersion
        tau2 = float((n * phi - (n - 1)) / (e.sum() - (e ** 2).sum() / e.sum()))
    return {"phi": phi, "tau2": tau2, "n": float(n)}


def funnel_limits(expected: np.ndarray | pd.Series, level: float, *, tau2: float = 0.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Funnel-plot control limits for O/E at expected count E (Spiegelhalter 2005).

    Without overdispersion (``tau2`` = 0): the interval O/E would fall in with probability
    ``level`` if O were Poisson with mean E, i.e. the p = α/2 and 1 − α/2 quantiles of
    Poisson(E) divided by E, interpolated between integers as in Spiegelhalter (2005),
    Appendix A.1.1: with r_p the smallest r such that F(r) ≥ p,
    y_p = (r_p − (F(r_p) − p) / (F(r_p) − F(r_p − 1))) / E.
    With an additive random-effects variance τ² (:func:`overdispersion`):
    1 ± z_(1−α/2) √(1/E + τ²).

    Returns:
        (lower, upper) arrays.
    """
    from scipy.special import ndtri, pdtr

    if not 0 < level < 1:
        raise ValueError(f"funnel level must be between 0 and 1 (exclusive), got {level!r}")
    e = np.asarray(expected, dtype=float)
    alpha = 1 - level
    if tau2 > 0:
        half = ndtri(1 - alpha / 2) * np.sqrt(1 / e + tau2)
        return 1 - half, 1 + half

    def limit(p: float) -> np.ndarray:
        r = poisson_quantile(p, e)
        f_r = pdtr(r, e)  # the Poisson CDF
        f_below = np.where(r > 0, pdtr(np.maximum(r - 1, 0), e), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        return np.maximum(r - step, 0.0) / e  # O/E cannot be below 0

    return limit(alpha / 2), limit(1 - alpha / 2)


def poisson_quantile(p: float, mean: np.ndarray | pd.Series, *, max_steps: int = 50
                     ) -> np.ndarray:
    """The p-quantile of Poisson(``mean``): the smallest integer r with F(r) ≥ p, elementwise.

    The same numbers as ``scipy.stats.poisson.ppf`` for 0 < p < 1 and means up to 10⁷
    (tested; beyond, at extreme p, scipy can be one too high), about ten times faster: start
    from the Cornish-Fisher approximation mean + z√mean + (z² − 1)/6 (z the standard normal
    p-quantile), then step by one until F(r) ≥ p > F(r − 1), with F the regularised
    incomplete gamma function (``scipy.special.pdtr``). Elements still moving after
    ``max_steps`` steps (extreme p and means in the millions, where F is flat at double
    precision) are handed to scipy. NaN means give NaN.
    """
    from scipy.special import ndtri, pdtr
    from scipy.stats import poisson

    mu = np.asarray(mean, dtype=float)
    z = ndtri(p)
    with np.errstate(invalid="ignore"):
        r = np.maximum(np.floor(mu + np.sqrt(mu) * z + (z * z - 1) / 6), 0.0)
        for step in range(max_steps + 1):
            up = pdtr(r, mu) < p
            down = (r > 0) & (pdtr(r - 1, mu) >= p)
            moving = up | down
            if not moving.any():
                return r
            if step < max_steps:
                r = r + up - down
    return np.where(moving, poisson.ppf(p, mu), r)
