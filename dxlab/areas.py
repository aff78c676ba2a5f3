"""Areas compared fairly: is a place's card uptake what its age structure predicts?

The objection "our residents are old" is a claim about composition. This module answers it
for every prefecture and all 1,741 municipalities by indirect age-sex standardisation:

- **Structure**: each area's 2020 census population by sex in 0-14, 15-64, 65-74 and 75+
  (SSDSE-A; 65-74 = 65+ − 75+), as shares of its age-known population. Age not stated
  (2.93 million persons in 2020) is left out of the shares.
- **Reference rates**: the national rate in each sex × band on the same date (national cards
  ÷ national resident-register population in the MIC age-sex table), or any other national
  age(-sex) rate table (:func:`reference_rates`).
- **Expected**: expected rate = Σ share × national rate (:func:`dxlab.demography.expected_rates`);
  expected cards = expected rate × the area's register population (the card table's own
  denominator). O/E = observed ÷ expected cards, with an exact Poisson interval.
- **The answer per area**: the gap to the national rate splits exactly into an age-structure
  part (expected − national) and a local part (observed − expected), in percentage points.
- **Across areas**: the share of the variance of observed rates that the age structure
  accounts for; funnel limits (Spiegelhalter 2005) with and without overdispersion; ranks
  before and after adjustment; peers by prefecture and by size class and population band.

Caveat built into every output: cards issued are a count of cards (cumulative, not net of
deaths), not internet use; the register population is of 1 January; the structure is the
2020 census, applied to every date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dxlab.cards import band_rates
from dxlab.clean.ages import band_labels, reband
from dxlab.clean.areas import municipality_kind
from dxlab.demography import expected_rates, funnel_limits, overdispersion, poisson_ratio_ci
from dxlab.errors import DataError

if TYPE_CHECKING:
    from dxlab.data import Provenance

AREA_BANDS = ("0-14", "15-64", "65-74", "75+")
SEXES = ("male", "female")
# SSDSE-A item codes of the 2020 census by age: (under 15, 15-64, 65+, 75+); suffix 01 male,
# 02 female.
_ITEMS = {"0-14": "A1301", "15-64": "A1302", "65+": "A1303", "75+": "A1419"}
SIZE_BANDS = (0, 5_000, 10_000, 30_000, 50_000, 100_000, 300_000, np.inf)
SIZE_BAND_LABELS = ("<5k", "5k-10k", "10k-30k", "30k-50k", "50k-100k", "100k-300k", "300k+")


# --------------------------------------------------------------------------- structure


def census_structure(ssdse: pd.DataFrame) -> pd.DataFrame:
    """2020 census persons by municipality, sex and band (0-14, 15-64, 65-74, 75+).

    Args:
        ssdse: ``dxlab.load('ssdse_a_2025_municipal')``.
    Returns:
        Long frame: muni_code5, pref_code, prefecture, municipality, sex, age_group,
        population (persons, age known).
    Raises:
        DataError: an item missing, or 75+ above 65+ for some area and sex.
    """
    codes = {f"{code}{suffix}" for code in _ITEMS.values() for suffix in ("01", "02")}
    missing = codes - set(ssdse["item_code"])
    if missing:
        raise DataError("SSDSE-A lacks census age items", value=sorted(missing),
                        expected="A1301/A1302/A1303/A1419 with (男)/(女) variants")
    wide = ssdse[ssdse["item_code"].isin(codes)].pivot(
        index="muni_code5", columns="item_code", values="value")
    names = ssdse.drop_duplicates("muni_code5").set_index("muni_code5")[
        ["pref_code", "prefecture", "municipality"]]
    parts = []
    for sex, suffix in (("male", "01"), ("female", "02")):
        over65, over75 = wide[f"{_ITEMS['65+']}{suffix}"], wide[f"{_ITEMS['75+']}{suffix}"]
        if (over75 > over65).any():
            raise DataError("75+ exceeds 65+", value=over75.index[over75 > over65][0],
                            column=f"{_ITEMS['75+']}{suffix}")
        bands = {"0-14": wide[f"{_ITEMS['0-14']}{suffix}"],
                 "15-64": wide[f"{_ITEMS['15-64']}{suffix}"],
                 "65-74": over65 - over75, "75+": over75}
        for band, values in bands.items():
            parts.append(pd.DataFrame({"muni_code5": wide.index, "sex": sex, "age_group": band,
                                       "population": values.to_numpy()}))
    out = pd.concat(parts, ignore_index=True).merge(names, left_on="muni_code5",
                                                    right_index=True)
    out["population"] = out["population"].astype("int64")
    return out[["muni_code5", "pref_code", "prefecture", "municipality", "sex", "age_group",
                "population"]].sort_values(["muni_code5", "sex", "age_group"],
                                           ignore_index=True)


def shares(structure: pd.DataFrame, *, area: str = "muni_code5",
           on: Sequence[str] = ("sex", "age_group")) -> pd.DataFrame:
    """Each area's population share per group (fraction of its age-known total).

    Areas with no age-known population (双葉町 in 2020: everyone evacuated) get NaN shares —
    no age structure, nothing can be expected — never a division by zero.

    Returns:
        The summed structure per area × group with ``share`` and the area's
        ``population_known``.
    """
    keys = [area, *on]
    grouped = structure.groupby(keys, as_index=False)["population"].sum()
    total = grouped.groupby(area)["population"].transform("sum")
    grouped["population_known"] = total
    grouped["share"] = (grouped["population"] / total.where(total > 0)).astype(float)
    return grouped


def indicators(structure: pd.DataFrame, *, area: str = "muni_code5") -> pd.DataFrame:
    """Aging indicators per area from the census structure: share 65+ and 75+ (percent of the
    age-known population), and persons 65+ per 100 aged 15-64 (old-age dependency)."""
    wide = structure.groupby([area, "age_group"])["population"].sum().unstack()
    known = wide.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "population_known": known,
            "share_65plus_percent": 100 * (wide["65-74"] + wide["75+"]) / known.where(known > 0),
            "share_75plus_percent": 100 * wide["75+"] / known.where(known > 0),
            "old_age_dependency": 100 * (wide["65-74"] + wide["75+"])
            / wide["15-64"].where(wide["15-64"] > 0),
        })
    return out


# --------------------------------------------------------------------------- reference rates


def reference_rates(cards_age_sex: pd.DataFrame, *, bands: Sequence[str] = AREA_BANDS,
                    sexes: Sequence[str] = SEXES) -> pd.DataFrame:
    """National card issuance rates per date, sex and band, from counts.

    Args:
        cards_age_sex: ``dxlab.load('mic_mynumber_card_age_sex', totals=True)``.
    Returns:
        reference_date, sex, age_group, cards_issued, population, rate (fraction).
    """
    rows = cards_age_sex[(cards_age_sex["age_group"] != "total")
                         & cards_age_sex["sex"].isin(list(sexes))]
    out = band_rates(rows, ",".join(bands), by=["reference_date", "sex"])
    return out.rename(columns={"issuance_rate": "rate"})


def rates_to_bands(rates: pd.DataFrame, weights: pd.DataFrame, *,
                   bands: Sequence[str] = AREA_BANDS, rate: str = "rate",
                   by: Sequence[str] = ()) -> pd.DataFrame:
    """Any national age-specific rate table (e.g. internet use in 6-12, 13-19 … 80+) → the
    area bands, weighting each source band by the national population in it.

    rate(target band) = Σ_b P(b ∩ target) r_b / Σ_b P(b ∩ target), where P comes from
    ``weights`` (national persons by age, e.g. single years of the 2020 census) spread
    uniformly within bands (:func:`dxlab.clean.reband`). Ages the source rates do not cover
    (0-5 for a 6+ survey) are left out of the target band's weights, and reported in
    ``attrs['uncovered']`` (persons per target band).

    Args:
        rates: rows with age_lo, age_hi and ``rate`` (fraction), plus ``by`` columns.
        weights: national population with age_lo, age_hi, population (plus ``by``).
    Returns:
        ``by`` columns, age_group, rate.
    """
    by = list(by)
    targets = band_labels(list(bands))
    out = []
    groups = rates.groupby(by) if by else [((), rates)]
    for key, part in groups:
        w = weights
        if by:
            key = key if isinstance(key, tuple) else (key,)
            for col, val in zip(by, key, strict=True):
                w = w[w[col] == val]
        src = [(int(lo), None if pd.isna(hi) else int(hi), r) for lo, hi, r in
               part[["age_lo", "age_hi", rate]].itertuples(index=False)]
        pieces = []
        for lo, hi, r in src:
            band_pop = reband(w, [f"{lo}-{hi}" if hi is not None else f"{lo}+"])
            persons = float(band_pop["population"].sum())
            pieces.append({"age_lo": lo, "age_hi": hi, "persons": persons, "cases": persons * r})
        frame = pd.DataFrame(pieces)
        frame["age_lo"] = frame["age_lo"].astype("Int64")
        frame["age_hi"] = pd.array(frame["age_hi"], dtype="Int64")
        frame["age_group"] = ""
        per_target = reband(frame, targets, value=["persons", "cases"])
        covered = reband(w, targets).set_index("age_group")["population"]
        per_target["rate"] = per_target["cases"] / per_target["persons"]
        row = per_target[["age_group", "rate"]].assign(**dict(zip(by, key, strict=True)))
        row.attrs["uncovered"] = (covered - per_target.set_index("age_group")["persons"]
                                  ).to_dict()
        out.append(row)
    result = pd.concat(out, ignore_index=True)
    result.attrs["uncovered"] = out[-1].attrs["uncovered"]
    return result[[*by, "age_group", "rate"]]


# --------------------------------------------------------------------------- compare


def compare(observed: pd.DataFrame, area_shares: pd.DataFrame, rates: pd.DataFrame, *,
            area: str = "muni_code5", level: float = 0.95) -> pd.DataFrame:
    """Observed against expected per area and date.

    Args:
        observed: per area and reference_date the card table's ``population`` (register,
            1 January) and ``cards_issued`` (e.g. ``mic_mynumber_card_municipal``).
        area_shares: :func:`shares` of the areas.
        rates: :func:`reference_rates` (or any frame with reference_date, sex, age_group,
            rate; without ``sex`` the shares are summed over sex first).
        level: confidence level of the O/E interval.
    Returns:
        One row per area and date: population, observed_cards, observed_rate,
        expected_rate, expected_cards, oe, oe_lo, oe_hi, national_rate (Σ cards ÷ Σ
        population over all areas on the date), age_part = expected − national and
        local_part = observed − expected (both fractions; their sum is observed − national),
        computable (False where the area has no age structure).
    Raises:
        DataError: dates of ``observed`` without reference rates.
    """
    on = ["sex", "age_group"] if "sex" in rates.columns else ["age_group"]
    sh = area_shares
    if on == ["age_group"] and "sex" in area_shares.columns:  # rates without sex
        sh = shares(area_shares, area=area, on=["age_group"])
    dates = sorted(set(observed["reference_date"]))
    have = set(rates["reference_date"]) if "reference_date" in rates.columns else None
    if have is not None and not set(dates) <= have:
        raise DataError("no reference rates for some dates of the observed table",
                        value=sorted(set(dates) - have)[:5],
                        expected="rates on every observed date (select the shared dates)")
    exp = expected_rates(sh, rates, area=area, on=on).reset_index()
    if "reference_date" not in exp.columns:
        exp = exp.merge(pd.DataFrame({"reference_date": dates}), how="cross")
    out = observed[["reference_date", area, "population", "cards_issued"]].merge(
        exp, on=["reference_date", area], how="left")
    out = out.rename(columns={"cards_issued": "observed_cards"})
    out["observed_rate"] = out["observed_cards"] / out["population"]
    out["expected_cards"] = out["expected_rate"] * out["population"]
    out["computable"] = out["expected_rate"].notna()
    out["oe"] = out["observed_cards"] / out["expected_cards"]
    out["oe_lo"], out["oe_hi"] = poisson_ratio_ci(out["observed_cards"], out["expected_cards"],
                                                  level)
    totals = observed.groupby("reference_date")[["cards_issued", "population"]].sum()
    out["national_rate"] = out["reference_date"].map(
        totals["cards_issued"] / totals["population"])
    out["age_part"] = out["expected_rate"] - out["national_rate"]
    out["local_part"] = out["observed_rate"] - out["expected_rate"]
    return out


def aggregate(compared: pd.DataFrame, by: str | Sequence[str], *, level: float = 0.95
              ) -> pd.DataFrame:
    """Sum observed and expected cards (and populations) over areas, e.g. municipalities to
    prefectures; recompute rates, O/E and its interval. Areas that are not computable are
    left out of both sums (and counted in ``areas_left_out``)."""
    by = [by] if isinstance(by, str) else list(by)
    ok = compared[compared["computable"]]
    g = ok.groupby(["reference_date", *by], as_index=False)[
        ["population", "observed_cards", "expected_cards"]].sum()
    left = compared[~compared["computable"]].groupby(["reference_date", *by]).size()
    g["areas_left_out"] = [int(left.get((d, *k), 0)) for d, *k in
                           g[["reference_date", *by]].itertuples(index=False)]
    g["observed_rate"] = g["observed_cards"] / g["population"]
    g["expected_rate"] = g["expected_cards"] / g["population"]
    g["oe"] = g["observed_cards"] / g["expected_cards"]
    g["oe_lo"], g["oe_hi"] = poisson_ratio_ci(g["observed_cards"], g["expected_cards"], level)
    national = compared.drop_duplicates("reference_date").set_index("reference_date")[
        "national_rate"]
    g["national_rate"] = g["reference_date"].map(national)
    g["age_part"] = g["expected_rate"] - g["national_rate"]
    g["local_part"] = g["observed_rate"] - g["expected_rate"]
    g["computable"] = True
    return g


# --------------------------------------------------------------------------- across areas


def variance_explained(compared: pd.DataFrame, *, weights: str | None = None) -> dict[str, float]:
    """How much of the between-area variance of observed rates the age structure accounts for.

    Two measures, on one date's computable areas:
    - ``share_explained`` = 1 − Var(local part) / Var(observed rate): the variance left
      once each area is compared with its own expected rate instead of the national one
      (negative when adjusting for age makes areas *more* different);
    - ``r2`` = squared correlation of observed and expected rates (the R² of a linear fit;
      NaN when the expected rate is the same everywhere).
    With ``weights`` (e.g. 'population') both are population-weighted.
    """
    d = compared[compared["computable"]]
    w = d[weights].to_numpy(float) if weights else np.ones(len(d))
    obs, exp = d["observed_rate"].to_numpy(float), d["expected_rate"].to_numpy(float)

    def var(x: np.ndarray) -> float:
        m = np.average(x, weights=w)
        return float(np.average((x - m) ** 2, weights=w))

    cov = float(np.average((obs - np.average(obs, weights=w)) * (exp - np.average(exp,
                                                                                    weights=w)),
                           weights=w))
    v_exp = var(exp)
    return {"share_explained": 1 - var(obs - exp) / var(obs),
            "r2": cov ** 2 / (var(obs) * v_exp) if v_exp > 0 else float("nan"),
            "n": float(len(d))}


def funnel(compared: pd.DataFrame, *, levels: Sequence[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Position of each area in the funnel plot of O/E against expected cards, one date.

    Adds, per level, ``outside_<level>`` under pure Poisson variation and
    ``outside_od_<level>`` with Spiegelhalter's additive overdispersion; the estimates
    ('phi', 'tau2') are in ``attrs['overdispersion']``.
    """
    d = compared[compared["computable"]].copy()
    od = overdispersion(d["oe"], d["expected_cards"])
    for level in levels:
        tag = f"{level:g}".replace("0.", "")
        lo, hi = funnel_limits(d["expected_cards"], level)
        d[f"outside_{tag}"] = (d["oe"] < lo) | (d["oe"] > hi)
        lo, hi = funnel_limits(d["expected_cards"], level, tau2=od["tau2"])
        d[f"outside_od_{tag}"] = (d["oe"] < lo) | (d["oe"] > hi)
    d.attrs["overdispersion"] = od
    return d


def ranks(compared: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Rank of each area (1 = highest) by observed rate and by O/E (age-adjusted), within
    ``by`` groups (e.g. prefecture), and the change of rank."""
    d = compared[compared["computable"]].copy()
    group = d.groupby(list(by)) if by else None
    for col, name in (("observed_rate", "rank_observed"), ("oe", "rank_adjusted")):
        d[name] = (group[col] if group is not None else d[col]).rank(ascending=False,
                                                                     method="min")
        d[name] = d[name].astype("Int64")
    d["rank_change"] = d["rank_observed"] - d["rank_adjusted"]
    return d


def trajectory_change(compared: pd.DataFrame, *, area: str = "muni_code5",
                      start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Per area, the local part (observed − expected rate, points) at two dates and its change:
    positive = catching up with what its age structure predicts, negative = falling behind.
    A continuous quantity, not a class."""
    dates = sorted(compared["reference_date"].unique())
    start, end = start or dates[0], end or dates[-1]
    d = compared[compared["computable"]].set_index([area, "reference_date"])
    a = d.xs(start, level="reference_date")
    b = d.xs(end, level="reference_date")
    out = pd.DataFrame({"local_start_points": 100 * a["local_part"],
                        "local_end_points": 100 * b["local_part"],
                        "oe_start": a["oe"], "oe_end": b["oe"]})
    out["local_change_points"] = out["local_end_points"] - out["local_start_points"]
    out.attrs.update(start=start, end=end)
    return out


# --------------------------------------------------------------------------- peers


def profile_table(compared_one_date: pd.DataFrame, structure: pd.DataFrame,
                  names: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality for one date: names, kind (政令市, 特別区, 市, 町, 村),
    population band (2020 census), aging indicators and the comparison columns."""
    ind = indicators(structure)
    base = names.set_index("muni_code5")[["pref_code", "prefecture", "municipality"]]
    out = base.join(ind).join(compared_one_date.set_index("muni_code5"))
    out["kind"] = [municipality_kind(c, n) for c, n in
                   zip(out.index, out["municipality"], strict=True)]
    out["size_band"] = pd.cut(out["population_known"], SIZE_BANDS, right=False,
                              labels=SIZE_BAND_LABELS)
    return out


def peers(table: pd.DataFrame, code: str, *, by: str = "kind_size") -> pd.DataFrame:
    """The municipalities comparable with ``code``: by='prefecture' (same prefecture) or
    'kind_size' (same kind and population band, anywhere in Japan)."""
    if code not in table.index:
        raise DataError(f"municipality {code!r} not in the table")
    me = table.loc[code]
    if by == "prefecture":
        return table[table["pref_code"] == me["pref_code"]]
    if by == "kind_size":
        return table[(table["kind"] == me["kind"]) & (table["size_band"] == me["size_band"])]
    raise ValueError("by must be 'prefecture' or 'kind_size'")



# --------------------------------------------------------------------------- everything at once


@dataclass
class AreaData:
    """What the area reports share, built once by :func:`load`.

    Attributes:
        structure: 2020 census persons by municipality × sex × band (:func:`census_structure`).
        names: one row per municipality (index muni_code5): pref_code, prefecture,
            prefecture_en, municipality, municipality_en (romanised reading), kind, size_band,
            population_known, lat, lon (office), point_note, and the aging indicators.
        rates: national reference rates per date, sex and band.
        municipal: :func:`compare` for every municipality and shared date.
        prefectural: :func:`aggregate` of ``municipal`` to prefectures.
        dates: the shared reference dates, oldest first.
        sources: the three input datasets' :class:`~dxlab.data.Provenance` (catalog entry,
            row accounting, rows), for the report's data section
            (``dxlab.provenance_markdown(*data.sources)``, ``dxlab.accounting_table``).
    """

    structure: pd.DataFrame
    names: pd.DataFrame
    rates: pd.DataFrame
    municipal: pd.DataFrame
    prefectural: pd.DataFrame
    dates: list[str]
    sources: list[Provenance]


_INPUTS = ("ssdse_a_2025_municipal", "mic_mynumber_card_age_sex", "mic_mynumber_card_municipal")
_CACHED = ("structure", "names", "rates", "municipal", "prefectural")
_SOURCES_FILE = "sources.json"


def load(*, level: float = 0.95, cache: bool = True) -> AreaData:
    """Load the bundled data and compare every municipality and prefecture on every date that
    both the municipal and the national age-sex card tables cover (38 dates, 2017-2022).

    The comparison is derived data and is cached like the datasets (parquet files under
    ``data/processed/areas-<key>/``, written atomically, rebuilt when unreadable); the key
    covers the three input datasets' fingerprints (:func:`dxlab.data.fingerprint`: their raw
    files, catalog entries and the whole dxlab source) and ``level``, so a changed input or
    method rebuilds it. Hundreds of area reports then share one computation. Served from the
    cache, the inputs' raw files are still checked against their sha256 and listed as the
    report's sources (:func:`dxlab.data.verify_inputs`); their frames are not read.
    """
    import hashlib
    import json

    from dxlab import data, paths

    key = hashlib.sha256(json.dumps(
        [[data.fingerprint(n) for n in _INPUTS], level]).encode()).hexdigest()[:20]
    folder = paths.processed_dir() / f"areas-{key}"
    if cache:
        served = None
        try:
            frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in _CACHED}
            stored = json.loads((folder / _SOURCES_FILE).read_text(encoding="utf-8"))
            sources = [data.Provenance.from_json(s) for s in stored]
            names = frames["names"].set_index("muni_code5")
            dates = sorted(frames["municipal"]["reference_date"].unique())
            served = AreaData(frames["structure"], names, frames["rates"], frames["municipal"],
                              frames["prefectural"], dates, sources)
        except Exception:  # missing or unreadable: rebuilt below, never trusted
            pass
        if served is not None:
            data.verify_inputs(*_INPUTS)  # a changed raw file raises, as dxlab.load would
            return served
    ssdse = data.load(_INPUTS[0])
    cards = data.load(_INPUTS[1], totals=True)
    municipal_cards = data.load(_INPUTS[2])
    sources = [data.Provenance.of(f) for f in (ssdse, cards, municipal_cards)]
    built = _build(ssdse, cards, municipal_cards, level=level, sources=sources)
    if cache:
        _write_area_cache(folder, built)
    return built


def _write_area_cache(folder, built: AreaData) -> None:
    import json
    import os
    import shutil
    import tempfile

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent)
        try:
            for name in _CACHED:
                frame = getattr(built, name)
                frame = frame.reset_index() if name == "names" else frame
                frame.to_parquet(os.path.join(tmp, f"{name}.parquet"), index=False)
            with open(os.path.join(tmp, _SOURCES_FILE), "w", encoding="utf-8") as fh:
                json.dump([s.to_json() for s in built.sources], fh, ensure_ascii=False)
            os.rename(tmp, folder)  # atomic; fails harmlessly if another process won
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        pass  # the cache is an optimisation; a read-only checkout still works


def _build(ssdse: pd.DataFrame, cards: pd.DataFrame, municipal_cards: pd.DataFrame, *,
           level: float, sources: list[Provenance]) -> AreaData:
    from dxlab.clean.areas import PREFECTURES
    from dxlab.clean.romaji import english_area_name
    from dxlab.sources.geo import municipal_points

    structure = census_structure(ssdse)
    rates = reference_rates(cards)
    dates = sorted(set(rates["reference_date"]) & set(municipal_cards["reference_date"]))
    observed = municipal_cards[municipal_cards["reference_date"].isin(dates)]
    compared = compare(observed, shares(structure), rates, level=level)
    names = structure.drop_duplicates("muni_code5").set_index("muni_code5")[
        ["pref_code", "prefecture", "municipality"]]
    names["prefecture_en"] = names["pref_code"].map({p.code: p.name_en for p in PREFECTURES})
    points = municipal_points().set_index("muni_code5")
    missing = names.index.difference(points.index)
    if len(missing):
        raise DataError("no location for some municipalities", value=list(missing[:5]))
    names["municipality_en"] = [english_area_name(points.loc[c, "kana"], n)
                                for c, n in zip(names.index, names["municipality"], strict=True)]
    names["kind"] = [municipality_kind(c, n) for c, n in
                     zip(names.index, names["municipality"], strict=True)]
    ind = indicators(structure)
    names = names.join(ind)
    names["size_band"] = pd.cut(names["population_known"], SIZE_BANDS, right=False,
                                labels=SIZE_BAND_LABELS)
    names = names.join(points[["lat", "lon"]]).assign(point_note=points["note"])
    compared = compared.merge(names[["pref_code"]], left_on="muni_code5", right_index=True)
    prefectural = aggregate(compared, "pref_code", level=level)
    return AreaData(structure, names, rates, compared, prefectural, dates, sources)


def resolve_municipality(key: str | int, names: pd.DataFrame) -> str:
    """A 5-digit code from what a user typed: '45202', 45202, '452025' (6 digits with a
    correct check digit), or a name ('都城市', 'Miyakonojo City', 'Miyakonojo').

    Raises:
        DataError: an unknown code or name, listing near matches; a name shared by several
            municipalities (府中市), listing them; a wrong check digit.
    """
    import difflib

    from dxlab.clean.areas import strip_check_digit
    from dxlab.errors import ParseError

    text = str(key).strip()
    code = None
    if text.isdigit() and len(text) <= 5:
        code = text.zfill(5)
    elif text.isdigit() and len(text) == 6:
        try:
            code = strip_check_digit(text)
        except ParseError as err:
            raise DataError(f"municipality code {text!r}: {err.problem}",
                            expected=err.expected) from None
    if code is not None:
        if code in names.index:
            return code
        near = sorted(names.index, key=lambda c: abs(int(c) - int(code)))[:5]
        listed = ", ".join(f"{c} {names.loc[c, 'municipality']}" for c in sorted(near))
        raise DataError(f"no municipality with code {code}", value=text,
                        expected=f"one of the 1,741 codes; near: {listed}")
    by_name = names[(names["municipality"] == text)
                    | (names["municipality_en"].str.lower() == text.lower())
                    | (names["municipality_en"].str.lower().str.rsplit(" ", n=1).str[0]
                       == text.lower())]
    if len(by_name) == 1:
        return str(by_name.index[0])
    if len(by_name) > 1:
        listed = ", ".join(f"{c} {r.prefecture}{r.municipality}" for c, r in by_name.iterrows())
        raise DataError(f"{len(by_name)} municipalities are called {text!r}", value=text,
                        expected=f"a code: {listed}")
    candidates = list(names["municipality"]) + list(names["municipality_en"])
    near = difflib.get_close_matches(text, candidates, n=5, cutoff=0.5)
    raise DataError(f"no municipality called {text!r}", value=text,
                    expected="a 5-digit code or a name" + (f"; near: {', '.join(near)}"
                                                          if near else ""))


# --------------------------------------------------------------------------- report tables


def on_date(frame: pd.DataFrame, date: str) -> pd.DataFrame:
    """Rows of one reference date; DataError listing the dates when it is not one of them."""
    dates = sorted(frame["reference_date"].unique())
    if date not in dates:
        raise DataError(f"no comparison for {date}", expected=f"one of {', '.join(dates)}")
    return frame[frame["reference_date"] == date]


def municipal_table(data: AreaData, date: str) -> pd.DataFrame:
    """All municipalities on ``date``: names, kind, size band, aging indicators, observed and
    expected rates (percent), O/E with its interval, age and local parts (points), ranks
    (1 = highest uptake) before and after age adjustment, and whether the area lies outside
    the 99.8% funnel limits with and without overdispersion."""
    everyone = on_date(data.municipal, date)
    positioned = funnel(everyone)
    d = ranks(positioned)
    extra = ["rank_observed", "rank_adjusted", "rank_change", "outside_998", "outside_od_998"]
    d = everyone.merge(d[["muni_code5", *extra]], on="muni_code5", how="left")
    d.attrs["overdispersion"] = positioned.attrs["overdispersion"]
    keep = ["population", "observed_cards", "expected_cards", "observed_rate", "expected_rate",
            "oe", "oe_lo", "oe_hi", "age_part", "local_part", "rank_observed", "rank_adjusted",
            "rank_change", "outside_998", "outside_od_998", "computable", "national_rate"]
    out = data.names.join(d.set_index("muni_code5")[keep])
    for col in ("observed_rate", "expected_rate", "national_rate"):
        out[col.replace("_rate", "_percent")] = 100 * out.pop(col)
    for col in ("age_part", "local_part"):
        out[f"{col}_points"] = 100 * out.pop(col)
    out.attrs["overdispersion"] = d.attrs["overdispersion"]
    return out


def prefecture_table(data: AreaData, date: str) -> pd.DataFrame:
    """The 47 prefectures on ``date``, built like :func:`municipal_table` from the sums of
    their municipalities' observed and expected cards."""
    from dxlab.clean.areas import PREFECTURES

    d = ranks(funnel(on_date(data.prefectural, date), levels=(0.95, 0.998)))
    ind = indicators(data.structure, area="pref_code")
    names = pd.DataFrame({"prefecture": {p.code: p.name for p in PREFECTURES},
                          "prefecture_en": {p.code: p.name_en for p in PREFECTURES}})
    out = names.join(ind).join(d.set_index("pref_code")[
        ["population", "observed_cards", "expected_cards", "observed_rate", "expected_rate",
         "oe", "oe_lo", "oe_hi", "age_part", "local_part", "rank_observed", "rank_adjusted",
         "rank_change", "outside_998", "outside_od_998", "areas_left_out", "national_rate"]])
    for col in ("observed_rate", "expected_rate", "national_rate"):
        out[col.replace("_rate", "_percent")] = 100 * out.pop(col)
    for col in ("age_part", "local_part"):
        out[f"{col}_points"] = 100 * out.pop(col)
    out.index.name = "pref_code"
    out.attrs["overdispersion"] = d.attrs["overdispersion"]
    return out


def structure_table(data: AreaData, code: str | None = None, pref: str | None = None
                    ) -> pd.DataFrame:
    """Share (%) of each band in a municipality (``code``), a prefecture (``pref``) and Japan,
    both sexes, 2020 census (age known): bands as rows, areas as columns."""
    s = data.structure
    cols = {}
    if code is not None:
        cols[data.names.loc[code, "municipality"]] = s[s["muni_code5"] == code]
    if pref is not None:
        cols[data.names.loc[data.names["pref_code"] == pref, "prefecture"].iloc[0]] = \
            s[s["pref_code"] == pref]
    cols["全国"] = s
    out = {}
    for name, part in cols.items():
        by_band = part.groupby("age_group")["population"].sum().reindex(list(AREA_BANDS))
        out[name] = 100 * by_band / by_band.sum() if by_band.sum() > 0 else by_band * np.nan
    return pd.DataFrame(out)


def peer_table(table: pd.DataFrame, code: str, *, by: str = "kind_size") -> pd.DataFrame:
    """The municipality's peers (:func:`peers`) from a :func:`municipal_table`, sorted by O/E,
    with the rank of each among them (1 = highest O/E)."""
    p = peers(table, code, by=by).copy()
    p = p[p["oe"].notna()].sort_values("oe", ascending=False)
    p.insert(0, "rank_among_peers", range(1, len(p) + 1))
    return p


def prefecture_history(c03: pd.DataFrame, pref: str) -> pd.DataFrame:
    """Aging indicators of one prefecture in every census year of the c03 series (1920-2015):
    share 65+ and 75+ (% of the age-known population), median age and old-age dependency.

    1945 is left out: the 1 November 1945 population survey published bands shifted by one
    year (1-5, 6-10 …), which cannot be cut at 15, 65 or 75. Bands at 80 and above are
    collapsed into 80+ (the top band of 1920, 1930, 1935 and 1950).

    Args:
        c03: ``dxlab.load('census_c03_prefecture_age_sex')`` (totals dropped).
        pref: JIS prefecture code.
    """
    from dxlab import pyramid

    pop = c03[(c03["pref_code"] == pref) & (c03["year"] != 1945)]
    pop = pop[pop["population"].notna()].assign(population=lambda f: f["population"].astype(
        "int64"))
    pop = pyramid.harmonise_top_band(pop.drop(columns=["prefecture"]), top=80)
    bands = pyramid.band_shares(pop, "0-14,15-64,65-74,75+", by=("year",))
    wide = bands.pivot_table(index="year", columns="age_group", values="percent")
    out = pd.DataFrame({
        "share_65plus_percent": wide["65-74"] + wide["75+"],
        "share_75plus_percent": wide["75+"],
        "median_age": pyramid.median_age(pop, by=("year",)),
        "old_age_dependency": pyramid.old_age_dependency_ratio(pop, by=("year",)),
    })
    out.attrs["age_unknown"] = bands.attrs.get("age_unknown", 0.0)
    return out


def variance_explained_table(frames: dict[str, pd.DataFrame], *, n_boot: int = 2000,
                             level: float = 0.95, seed: int = 20221231) -> pd.DataFrame:
    """:func:`variance_explained` for several sets of areas (one date each), unweighted and
    population-weighted, with percentile bootstrap intervals of ``share_explained`` over areas
    (resampling areas with replacement)."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, frame in frames.items():
        d = frame[frame["computable"]].reset_index(drop=True)
        for weighting, w in (("unweighted", None), ("population-weighted", "population")):
            est = variance_explained(d, weights=w)
            boots = [variance_explained(d.iloc[rng.integers(0, len(d), len(d))],
                                        weights=w)["share_explained"] for _ in range(n_boot)]
            lo, hi = np.quantile(boots, [(1 - level) / 2, 1 - (1 - level) / 2])
            rows.append({"areas": name, "weighting": weighting, "n": len(d),
                         "share_explained": est["share_explained"], "low": lo, "high": hi,
                         "r2": est["r2"]})
    return pd.DataFrame(rows)


def prefecture_codes() -> list[str]:
    """The 47 JIS prefecture codes '01' … '47' (for report matrices)."""
    from dxlab.clean.areas import PREFECTURES

    return [p.code for p in PREFECTURES]


def municipality_codes() -> list[str]:
    """The 5-digit codes of the 1,741 municipalities of the bundled tables, sorted (for the
    `municipalities` report set)."""
    from dxlab import data

    return sorted(data.load("ssdse_a_2025_municipal")["muni_code5"].unique())
