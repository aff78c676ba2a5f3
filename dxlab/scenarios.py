"""Projections of an age-specific uptake rate as scenarios with a range, a backtest of the
period model, and the IPSS projection vintages compared.

Three scenarios, all starting from the observed age profile on the last date and applied to
projected pyramids by single year of age (:func:`dxlab.demography.single_year_population`):

- ``held``: age-specific rates held at their last values; only the pyramid moves.
- ``period``: every age keeps improving along a logistic (diffusion) curve in calendar time,
  r(t) = L / (1 + exp(−k (t − t0))), fitted per age band to the observed series. The
  projection starts from the observed last rate of the age's band and moves along a
  logistic with the band's fitted slope k and ceiling L (:func:`advance`).
- ``cohort``: every birth cohort carries its last rate as it ages and keeps improving at the
  slope fitted for the band it was in on the last date, up to a plateau; cohorts born later
  take the period rate of their age (capped at the plateau).

Logistic diffusion: Griliches (1957), Econometrica 25:501-22; Rogers, *Diffusion of
Innovations*. A saturating curve fitted to the early part of a diffusion does not identify
its ceiling well (the ceiling trades off against the midpoint); :func:`fit_bands` says when
a free ceiling runs to its bound, and :func:`backtest` measures the method out of sample.

Nothing here knows which rate it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit
from scipy.special import expit, logit

from dxlab.clean.ages import parse_age_band
from dxlab.clean.dates import decimal_year
from dxlab.demography import MAX_AGE, single_year_population, single_year_rates
from dxlab.errors import DataError

SCENARIOS = ("held", "period", "cohort")


def logistic(t: np.ndarray | float, ceiling: float, slope: float, midpoint: float
             ) -> np.ndarray | float:
    """r(t) = ceiling / (1 + exp(−slope (t − midpoint))) (t in decimal years)."""
    return ceiling * expit(slope * (np.asarray(t, dtype=float) - midpoint))


@dataclass(frozen=True)
class LogisticFit:
    """A logistic curve fitted to one series.

    Attributes:
        ceiling: upper asymptote L (fraction); given, or fitted within [max observed, bound].
        slope: k per year (logit units per year).
        midpoint: t0, the decimal year at which r = L / 2.
        ceiling_at_bound: a free ceiling ended on its upper bound (the data do not bound it).
        rmse: root mean square error of the fit on the rate scale (fraction).
        n: number of observations.
    """

    ceiling: float
    slope: float
    midpoint: float
    ceiling_at_bound: bool
    rmse: float
    n: int


def fit_logistic(t: Sequence[float], r: Sequence[float], *, ceiling: float | None = 1.0,
                 max_ceiling: float = 1.0) -> LogisticFit:
    """Least-squares logistic fit on the rate scale.

    Args:
        t: decimal years; r: rates (fractions, 0 < r < ceiling).
        ceiling: the upper asymptote L, or None to fit it within
            [max(r), ``max_ceiling``].
    Returns:
        :class:`LogisticFit`. Starting values come from the straight line through
        logit(r / L) against t (exact for exact logistic data).
    Raises:
        DataError: fewer than three points, or a rate outside (0, ceiling).
    """
    t = np.asarray(t, dtype=float)
    r = np.asarray(r, dtype=float)
    if len(t) < 3:
        raise DataError("a logistic fit needs at least three observations", value=len(t))
    top = ceiling if ceiling is not None else max_ceiling
    if (r <= 0).any() or (r >= top).any():
        raise DataError("rates must lie strictly between 0 and the ceiling",
                        value=f"{r.min():.4f}..{r.max():.4f}", expected=f"(0, {top})")
    k0, b0 = np.polyfit(t, logit(r / top), 1)
    t00 = -b0 / k0 if k0 != 0 else float(t.mean())
    if ceiling is not None:
        (k, t0), _ = curve_fit(lambda x, k, t0: logistic(x, ceiling, k, t0), t, r,
                               p0=[k0, t00], maxfev=20000)
        L, at_bound = float(ceiling), False
    else:
        lo_l = float(r.max()) * (1 + 1e-9)
        (L, k, t0), _ = curve_fit(logistic, t, r, p0=[top * (1 - 1e-6), k0, t00],
                                  bounds=([lo_l, 1e-6, t.min() - 100],
                                          [max_ceiling, 50.0, t.max() + 100]),
                                  maxfev=20000)
        at_bound = bool(max_ceiling * (1 - 1e-4) <= L)
    rmse = float(np.sqrt(np.mean((logistic(t, L, k, t0) - r) ** 2)))
    return LogisticFit(float(L), float(k), float(t0), at_bound, rmse, len(t))


def fit_bands(rates: pd.DataFrame, *, until: str | None = None, since: str | None = None,
              ceiling: float | None = 1.0, value: str = "issuance_rate",
              date: str = "reference_date") -> pd.DataFrame:
    """A logistic curve per age band, fitted to the dates from ``since`` to ``until``.

    Args:
        rates: long frame with ``date``, ``age_group``, ``age_lo``, ``age_hi`` and ``value``
            (one sex; e.g. :func:`dxlab.cards.card_rates`).
        until, since: ISO dates bounding the fitted dates (inclusive); None = no bound.
        ceiling: see :func:`fit_logistic`.
    Returns:
        One row per band (index age_group): age_lo, age_hi, ceiling, slope, midpoint,
        ceiling_at_bound, rmse, n, last_date (latest fitted date) and last_rate.
    """
    sel = rates
    if until is not None:
        sel = sel[sel[date] <= until]
    if since is not None:
        sel = sel[sel[date] >= since]
    rows = []
    for band, part in sel.sort_values(date).groupby("age_group", sort=False):
        f = fit_logistic(decimal_year(part[date]).to_numpy(), part[value].to_numpy(),
                         ceiling=ceiling)
        rows.append({"age_group": band, "age_lo": part["age_lo"].iloc[0],
                     "age_hi": part["age_hi"].iloc[0], "ceiling": f.ceiling, "slope": f.slope,
                     "midpoint": f.midpoint, "ceiling_at_bound": f.ceiling_at_bound,
                     "rmse": f.rmse, "n": f.n, "last_date": part[date].iloc[-1],
                     "last_rate": float(part[value].iloc[-1])})
    out = pd.DataFrame(rows).set_index("age_group")
    return out.sort_values("age_lo")


def advance(rate: np.ndarray | float, slope: np.ndarray | float, years: float,
            ceiling: np.ndarray | float = 1.0) -> np.ndarray:
    """Move a rate ``years`` along a logistic with the given slope and ceiling:
    L · expit(logit(r / L) + k · years). A rate at or above its ceiling stays where it is.
    """
    r = np.asarray(rate, dtype=float)
    L = np.broadcast_to(np.asarray(ceiling, dtype=float), r.shape)
    inside = (r > 0) & (r < L)
    safe = np.where(inside, r / np.where(L > 0, L, 1), 0.5)
    moved = L * expit(logit(safe) + np.asarray(slope, dtype=float) * years)
    return np.where(inside, moved, r)


def backtest(rates: pd.DataFrame, *, until: str, ceiling: float | None = 1.0,
             value: str = "issuance_rate", date: str = "reference_date") -> pd.DataFrame:
    """Out-of-sample test of the ``period`` method: fit each band on the dates up to
    ``until``, start from the last fitted date's rate, and predict every later date.

    Also reports the ``held`` method (last fitted rate carried unchanged) as a baseline.
    Overall rates on each later date weight the band predictions by that date's band
    populations (the ``population`` column), so they compare with the observed overall
    share ΣC/ΣP.

    Returns:
        One row per later date and band: ``date``, age_group, observed, period, held,
        period_error_points and held_error_points (prediction − observed, percentage points).
        ``attrs['overall']`` is a frame per later date with observed, period and held overall
        rates and their errors (points); ``attrs['fits']`` the fitted bands.
    """
    fits = fit_bands(rates, until=until, ceiling=ceiling, value=value, date=date)
    later = rates[rates[date] > until].copy()
    if later.empty:
        raise DataError(f"no dates after {until} to test on")
    f = fits.reindex(later["age_group"])
    years = (decimal_year(later[date]).to_numpy()
             - decimal_year(f["last_date"]).to_numpy())
    later["observed"] = later[value]
    later["period"] = advance(f["last_rate"].to_numpy(), f["slope"].to_numpy(), years,
                              f["ceiling"].to_numpy())
    later["held"] = f["last_rate"].to_numpy()
    later["period_error_points"] = 100 * (later["period"] - later["observed"])
    later["held_error_points"] = 100 * (later["held"] - later["observed"])
    grouped = later.assign(
        w_obs=later["population"] * later["observed"],
        w_period=later["population"] * later["period"],
        w_held=later["population"] * later["held"]).groupby(date)
    pop = grouped["population"].sum()
    overall = pd.DataFrame({"observed": grouped["w_obs"].sum() / pop,
                            "period": grouped["w_period"].sum() / pop,
                            "held": grouped["w_held"].sum() / pop})
    overall["period_error_points"] = 100 * (overall["period"] - overall["observed"])
    overall["held_error_points"] = 100 * (overall["held"] - overall["observed"])
    out = later[[date, "age_group", "observed", "period", "held", "period_error_points",
                 "held_error_points"]].reset_index(drop=True)
    out.attrs["overall"] = overall
    out.attrs["fits"] = fits
    return out


def _band_index(labels: Sequence[str]) -> np.ndarray:
    """Single-year age → position of its band in ``labels`` (−1 where no band)."""
    idx = np.full(MAX_AGE + 1, -1)
    for i, label in enumerate(labels):
        band = parse_age_band(str(label))
        if band is None:
            raise DataError("rates need age bands", value=label)
        lo, hi = band
        idx[lo:(MAX_AGE if hi is None else hi) + 1] = i
    return idx


def scenario_rates(rates: pd.Series, fits: pd.DataFrame, years_ahead: float, *,
                   plateau: float = 1.0) -> dict[str, np.ndarray]:
    """Single-year rates (ages 0..MAX_AGE) ``years_ahead`` after the rates' date under the
    three scenarios.

    Args:
        rates: last observed rate (fraction) per band (index = band labels).
        fits: :func:`fit_bands` output for the same bands (slope, ceiling).
        years_ahead: years after the rates' date (cohorts shift by the rounded value).
        plateau: cap of the ``cohort`` scenario (fraction).
    Returns:
        {'held', 'period', 'cohort'} → array of MAX_AGE + 1 rates (NaN where no band).
    """
    labels = list(rates.index)
    band = _band_index(labels)
    f = fits.reindex(labels)
    if f["slope"].isna().any():
        raise DataError("no fitted curve for some bands",
                        value=[b for b in labels if pd.isna(f.loc[b, "slope"])])
    r_band = rates.to_numpy(dtype=float)
    k_band, l_band = f["slope"].to_numpy(dtype=float), f["ceiling"].to_numpy(dtype=float)
    ok = band >= 0
    b = np.where(ok, band, 0)
    held = np.where(ok, r_band[b], np.nan)
    period_band = advance(r_band, k_band, years_ahead, l_band)
    period = np.where(ok, period_band[b], np.nan)
    shift = int(np.rint(years_ahead))
    ages = np.arange(MAX_AGE + 1)
    src = ages - shift
    born = src >= 0
    sb = np.where(born, band[np.clip(src, 0, MAX_AGE)], -1)
    has = born & (sb >= 0)
    sbi = np.where(has, sb, 0)
    carried = advance(r_band[sbi], k_band[sbi], years_ahead, l_band[sbi])
    cohort = np.where(has, carried, period)
    cohort = np.where(ok, np.minimum(cohort, plateau), np.nan)
    return {"held": held, "period": period, "cohort": cohort}


def scenarios_on(pop: pd.DataFrame, rates: pd.Series, rates_date: str, fits: pd.DataFrame,
                 when: str, *, plateau: float = 1.0) -> dict[str, float]:
    """Overall rate of one population (``age_lo``, ``age_hi``, ``population``; sexes summed)
    on the ISO date ``when`` under each scenario: {'held', 'period', 'cohort'} → fraction."""
    covered = ~np.isnan(single_year_rates(rates))
    persons = single_year_population(pop)[covered]
    sc = scenario_rates(rates, fits, decimal_year(when) - decimal_year(rates_date),
                        plateau=plateau)
    return {name: float((persons * sc[name][covered]).sum() / persons.sum())
            for name in SCENARIOS}


def project_scenarios(pop_projection: pd.DataFrame, rates: pd.Series, rates_date: str,
                      fits: pd.DataFrame, *, plateau: float = 1.0,
                      date: str = "reference_date") -> pd.DataFrame:
    """Overall rate on projected pyramids under the three scenarios, with their range.

    Args:
        pop_projection: tidy frame with ``year``, ``date`` (the projection's reference date,
            e.g. 1 October), ``age_lo``, ``age_hi``, ``population`` (sexes are summed).
        rates: last observed rates (fraction) per band; ``rates_date``: their ISO date.
        fits: :func:`fit_bands` for the same bands.
        plateau: cap of the ``cohort`` scenario.
    Returns:
        DataFrame indexed by ``year`` (projection years after ``rates_date``) with one column
        per scenario (fractions) and ``low``/``high``: the band between scenarios.
    """
    t0 = decimal_year(rates_date)
    rows = {}
    for year, group in pop_projection.groupby("year"):
        when = str(group[date].iloc[0])
        if decimal_year(when) < t0:
            continue
        rows[int(year)] = scenarios_on(group, rates, rates_date, fits, when, plateau=plateau)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "year"
    out["low"] = out[list(SCENARIOS)].min(axis=1)
    out["high"] = out[list(SCENARIOS)].max(axis=1)
    return out


def interpolate_pyramid(pop_projection: pd.DataFrame, when: str, *,
                        date: str = "reference_date") -> pd.DataFrame:
    """Persons by age band on an ISO date between two projection years, interpolated
    linearly in time band by band (sexes summed); a date outside the projection is refused.

    Returns:
        Frame with age_group, age_lo, age_hi, population.
    """
    by = ["age_group", "age_lo", "age_hi"]
    frames = {str(d): g.groupby(by, dropna=False, sort=False)["population"].sum()
              for d, g in pop_projection.groupby(date)}
    stamps = sorted(frames)
    t = decimal_year(when)
    ts = [decimal_year(d) for d in stamps]
    if not ts[0] <= t <= ts[-1]:
        raise DataError(f"{when} is outside the projection", expected=f"{stamps[0]} … {stamps[-1]}")
    j = max(i for i, x in enumerate(ts) if x <= t)
    if ts[j] == t or j == len(ts) - 1:
        out = frames[stamps[j]]
    else:
        a, b = frames[stamps[j]], frames[stamps[j + 1]]
        out = a + (t - ts[j]) / (ts[j + 1] - ts[j]) * (b.reindex(a.index) - a)
    return out.reset_index()


def scenario_path(pop_projection: pd.DataFrame, rates: pd.Series, rates_date: str,
                  fits: pd.DataFrame, *, plateau: float = 1.0, step_months: int = 3,
                  date: str = "reference_date") -> pd.DataFrame:
    """The three scenarios every ``step_months`` from ``rates_date`` to the last projection
    date, on pyramids interpolated between projection years (:func:`interpolate_pyramid`),
    for drawing the curves between the five-yearly projection years.

    Returns:
        DataFrame indexed by decimal year with held, period, cohort, low and high (fractions).
    """
    last = max(str(d) for d in pop_projection[date].unique())
    whens = pd.date_range(pd.Timestamp(rates_date) + pd.DateOffset(months=step_months),
                          pd.Timestamp(last), freq=pd.DateOffset(months=step_months))
    rows = {}
    for w in whens:
        iso = w.strftime("%Y-%m-%d")
        rows[decimal_year(iso)] = scenarios_on(interpolate_pyramid(pop_projection, iso,
                                                                   date=date),
                                               rates, rates_date, fits, iso, plateau=plateau)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "decimal_year"
    out["low"] = out[list(SCENARIOS)].min(axis=1)
    out["high"] = out[list(SCENARIOS)].max(axis=1)
    return out


# --------------------------------------------------------------------------- IPSS vintages


def ipss_vintages(ipss2017: pd.DataFrame, age3: pd.DataFrame) -> pd.DataFrame:
    """The IPSS 2023 (令和5年推計) headline figures bundled as secondary quotes against the
    same quantities computed from the IPSS 2017 (平成29年推計) 5-year table, medium variant.

    Args:
        ipss2017: ``dxlab.load('ipss2017_projection_japan_age_sex')``.
        age3: ``dxlab.load('projection_japan_age3', totals=True)`` (its 2023-vintage rows,
            projection series only).
    Returns:
        One row per 2023-vintage headline figure: year, age_group, indicator ('population' in
        persons or 'share_of_total' in percent), ipss2023 (as quoted), rounding (the quoted
        precision: ±half of it), ipss2017 (NaN where the 2017 table has no such year),
        difference (2023 − 2017; persons or points) and source_quality of the quote. The
        quoted counts are rounded to 10,000 persons (万人), so a difference in persons is
        uncertain by ±5,000.
    """
    rows = age3[age3["projection_vintage"].str.startswith("令和5年推計")
                & (age3["series_type"] == "projection")]
    pop = ipss2017.groupby(["year", "age_lo", "age_hi"], dropna=False)["population"].sum(
    ).reset_index()
    out = []
    for r in rows.itertuples(index=False):
        year_pop = pop[pop["year"] == r.year]
        value = np.nan
        if len(year_pop):
            total = float(year_pop["population"].sum())
            if r.age_group == "total":
                part = total
            else:
                lo, hi = int(r.age_lo), r.age_hi
                inside = year_pop["age_lo"] >= lo
                if not pd.isna(hi):
                    inside &= year_pop["age_hi"].notna() & (year_pop["age_hi"] <= int(hi))
                part = float(year_pop.loc[inside.fillna(False), "population"].sum())
            value = part if r.indicator == "population" else 100 * part / total
        out.append({"year": r.year, "age_group": r.age_group, "indicator": r.indicator,
                    "ipss2023": r.value, "rounding": r.rounding, "ipss2017": value,
                    "difference": r.value - value, "source_quality": r.source_quality})
    return pd.DataFrame(out)
