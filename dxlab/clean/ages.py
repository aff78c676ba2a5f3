"""Age labels and rebanding between age-interval systems.

An age band is ``(age_lo, age_hi)`` in completed years, both inclusive; ``age_hi`` is None
for an open top band ('85歳以上' → (85, None)). 'Age unknown' (年齢不詳) parses to None.

Rebanding rule (stated once, used everywhere): counts are assumed spread **uniformly over the
single years of age** inside a source band. A source band that straddles a target boundary is
split in proportion to the number of its single years on each side (census 5-9 into survey
6-12 contributes 4/5 of its count; 0-5 gets 1/5). An open source band (85+) can only go whole
into one target band that contains all of it (an open target band starting at or below 85);
anything else raises, because no width can be assumed without a life table.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from dxlab.clean.text import apply_unique, clip, normalize_numeric_text, normalize_text
from dxlab.errors import ParseError

AgeBand = tuple[int, int | None]

UNKNOWN_AGE_LABELS = frozenset({"年齢不詳", "不詳", "unknown", "age unknown", "年齢「不詳」"})
TOTAL_AGE_LABELS = frozenset({"総数", "全体", "合計", "計", "total", "all", "総数(年齢)", "年齢計"})

_RANGE = re.compile(r"^([0-9]{1,3})\s*(?:歳)?\s*[~\-〜]\s*([0-9]{1,3})\s*(?:歳)?$")
_OPEN = re.compile(r"^([0-9]{1,3})\s*(?:歳以上|歳~|\+|以上|歳\+|~)$")
_SINGLE = re.compile(r"^([0-9]{1,3})\s*歳?$")
_DECADE = re.compile(r"^([0-9]{1,2})0\s*(?:歳)?代(前半|後半)?$")
# Bounds in words: a lower bound (以上 'at least', 超 'over'), an upper bound (以下 'at most',
# 未満 'under'), or a lower bound followed by an upper bound: '65歳以上75歳未満' → (65, 74).
_PHRASE = re.compile(
    r"^(?:(?P<lo>[0-9]{1,3})歳?(?P<lo_word>以上|超)(?=[0-9]|$))?"
    r"(?:(?P<hi>[0-9]{1,3})歳?(?P<hi_word>以下|未満))?$"
)
_MAX_AGE = 125
_SPACE_NOT_IN_NUMBER = re.compile(r"(?<![0-9]) | (?![0-9])")


def is_unknown_age(label: str) -> bool:
    """True for 'age not stated' labels (年齢不詳)."""
    return normalize_text(str(label)) in UNKNOWN_AGE_LABELS


def is_total_age(label: str) -> bool:
    """True for all-ages total labels (総数, 全体, 合計), which must not be summed with bands."""
    return normalize_text(str(label)).lower() in TOTAL_AGE_LABELS


def parse_age_band(label: str | pd.Series) -> AgeBand | pd.DataFrame | None:
    """Parse an age label to ``(age_lo, age_hi)``, inclusive; ``age_hi`` None when open.

    Examples: '15～19歳' → (15, 19); '0～4歳' → (0, 4); '6-12' → (6, 12); '85歳以上' →
    (85, None); '80+' → (80, None); '15歳未満' → (0, 14); '14歳以下' → (0, 14);
    '65歳以上75歳未満' → (65, 74); '65歳以上74歳以下' → (65, 74); '64歳超' → (65, None);
    '20代' → (20, 29); '60代前半' → (60, 64); '90歳' → (90, 90); '年齢不詳' → None.

    Bounds in words: a lower bound 'N歳以上' (lo = N) or 'N歳超' (lo = N + 1), an upper bound
    'M歳以下' (hi = M) or 'M歳未満' (hi = M - 1), or a lower bound directly followed by an upper
    bound; 歳 may be left out. Ages are 0-125 with digits 0-9 (full-width too); the band may
    not be empty ('0歳未満', '70歳以上65歳以下' are errors).

    A Series returns the DataFrame of :func:`parse_age_bands` (age_lo, age_hi, age_group).

    Raises:
        ParseError: a total label ('総数'), a reversed range, or anything unrecognised.
    """
    if isinstance(label, pd.Series):
        return parse_age_bands(label)
    if not isinstance(label, str):
        raise ParseError("age label must be text", value=label)
    # spaces go, except between two digits: '1 2歳' is not 12
    text = _SPACE_NOT_IN_NUMBER.sub("", normalize_numeric_text(label))
    if text in UNKNOWN_AGE_LABELS or text.lower() in UNKNOWN_AGE_LABELS:
        return None
    if text.lower() in TOTAL_AGE_LABELS:
        raise ParseError(
            "an all-ages total, not an age band", value=label,
            expected="filter totals with dxlab.clean.is_total_age before parsing bands",
        )
    if m := _RANGE.match(text):
        lo, hi = int(m[1]), int(m[2])
        if hi < lo:
            raise ParseError("age range ends before it starts", value=label)
        return _checked(lo, hi, label)
    if m := _OPEN.match(text):
        return _checked(int(m[1]), None, label)
    if (m := _PHRASE.match(text)) and (m["lo"] or m["hi"]):
        lo = 0 if m["lo"] is None else int(m["lo"]) + (m["lo_word"] == "超")
        hi = None if m["hi"] is None else int(m["hi"]) - (m["hi_word"] == "未満")
        if hi is not None and hi < lo:
            raise ParseError("empty age band", value=clip(label),
                             expected="an upper bound above the lower bound ('65歳以上75歳未満')")
        return _checked(lo, hi, label)
    if m := _DECADE.match(text):
        lo = int(m[1]) * 10
        half = m[2]
        if half == "前半":
            return _checked(lo, lo + 4, label)
        if half == "後半":
            return _checked(lo + 5, lo + 9, label)
        return _checked(lo, lo + 9, label)
    if m := _SINGLE.match(text):
        n = int(m[1])
        return _checked(n, n, label)
    raise ParseError(
        "unknown age label",
        value=clip(label),
        expected="e.g. '15～19歳', '85歳以上', '14歳以下', '65歳以上75歳未満', '6-12', '80+', "
        "'20代' or '年齢不詳'",
    )


def _checked(lo: int, hi: int | None, label: str) -> AgeBand:
    if lo > _MAX_AGE or (hi is not None and hi > _MAX_AGE):
        raise ParseError(f"age above {_MAX_AGE}", value=clip(label))
    return (lo, hi)


def _band(lo: object, hi: object) -> AgeBand:
    """``(lo, hi)`` checked to be a band: whole ages, 0 <= lo <= hi (hi None when open)."""
    def whole(x: object) -> bool:
        return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)

    if not whole(lo) or not (hi is None or whole(hi)):
        raise ParseError("an age band is two whole ages (the upper one may be None)",
                         value=(lo, hi))
    if lo < 0 or (hi is not None and hi < lo):
        raise ParseError("not an age band", value=(lo, hi),
                         expected="0 <= age_lo <= age_hi")
    return (int(lo), None if hi is None else int(hi))


def age_label(lo: int, hi: int | None) -> str:
    """Readable label for a band: (15, 19) → '15-19', (85, None) → '85+', (90, 90) → '90'.

    :func:`parse_age_band` reads every such label back to the same band (ages 0-125).

    Raises:
        ParseError: not whole ages, a negative age, or ``hi`` below ``lo``.
    """
    lo, hi = _band(lo, hi)
    if hi is None:
        return f"{lo}+"
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def parse_age_bands(labels: pd.Series, *, total_labels: Iterable[str] = ()) -> pd.DataFrame:
    """Vectorised :func:`parse_age_band` (once per distinct label).

    Args:
        labels: age labels.
        total_labels: labels that mark an all-ages total row in this table ('total', '総数');
            they get ``age_group`` 'total' and missing ages instead of an error.
    Returns:
        DataFrame aligned to ``labels`` with nullable Int64 ``age_lo``, ``age_hi`` and a
        normalised ``age_group`` ('15-19', '85+', 'unknown', 'total').
    Raises:
        ParseError: naming the first row (index label) whose label is not an age band.
    """
    totals = set(total_labels)

    def one(label: str) -> tuple[object, object, str]:
        if label in totals:
            return (pd.NA, pd.NA, "total")
        band = parse_age_band(label)
        return (pd.NA, pd.NA, "unknown") if band is None else (*band, age_label(*band))

    table = apply_unique(labels, one)
    lo = labels.map({k: v[0] for k, v in table.items()})
    hi = labels.map({k: v[1] for k, v in table.items()})
    group = labels.map({k: v[2] for k, v in table.items()})
    return pd.DataFrame(
        {
            "age_lo": pd.array(lo.replace({None: pd.NA}), dtype="Int64"),
            "age_hi": pd.array(hi.replace({None: pd.NA}), dtype="Int64"),
            "age_group": group.astype("object"),
        },
        index=labels.index,
    )


def parse_bands(bands: str | Iterable[str | AgeBand]) -> list[AgeBand]:
    """Read a band specification: '0-14,15-59,60+' or ['0-14', '15-64', '65+'] or tuples.

    Raises:
        ParseError: unparseable labels, overlapping bands or an unknown-age label.
    """
    items = [b.strip() for b in bands.split(",")] if isinstance(bands, str) else list(bands)
    out: list[AgeBand] = []
    for item in items:
        if isinstance(item, str):
            band = parse_age_band(item)
        elif isinstance(item, tuple) and len(item) == 2:
            band = _band(*item)
        else:
            raise ParseError("a band is a label or a (lo, hi) pair", value=item)
        if band is None:
            raise ParseError("'age unknown' cannot be a target band", value=item)
        out.append(band)
    out.sort(key=lambda b: b[0])
    for (lo1, hi1), (lo2, _hi2) in itertools.pairwise(out):
        if hi1 is None or hi1 >= lo2:
            raise ParseError("age bands overlap", value=f"{age_label(lo1, hi1)} and {lo2}...")
    return out


def overlap_fraction(source: AgeBand, target: AgeBand) -> float:
    """Share of ``source``'s single years of age that fall inside ``target`` (uniform rule).

    Raises:
        ParseError: an open source band only partly inside ``target``, or a pair that is
            not a band.
    """
    s_lo, s_hi = _band(*source)
    t_lo, t_hi = _band(*target)
    if s_hi is None:
        if t_hi is not None and t_hi < s_lo:
            return 0.0
        if t_hi is None and t_lo <= s_lo:
            return 1.0
        raise ParseError(
            "an open age band cannot be split without assuming its width",
            value=f"{age_label(s_lo, s_hi)} into {age_label(t_lo, t_hi)}",
            expected="target bands whose top band is open and starts at or below "
            f"{s_lo} (harmonise the top band first)",
        )
    lo = max(s_lo, t_lo)
    hi = s_hi if t_hi is None else min(s_hi, t_hi)
    if hi < lo:
        return 0.0
    return (hi - lo + 1) / (s_hi - s_lo + 1)


def reband(
    frame: pd.DataFrame,
    bands: str | Sequence[str | AgeBand],
    *,
    value: str | Sequence[str] = "population",
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Re-aggregate counts from one age-band system into another.

    Args:
        frame: tidy frame with ``age_lo``, ``age_hi`` (Int64, hi missing when open) and the
            ``value`` column(s); rows with missing ``age_lo`` (age unknown) are not
            allocated and are reported in ``attrs['unallocated']``.
        bands: target bands, e.g. '0-14,15-59,60+' or census→survey
            '6-12,13-19,20-29,30-39,40-49,50-59,60-69,70-79,80+'.
        value: column(s) of counts to reband (persons, cards ...). Rates cannot be rebanded
            this way; reband numerator and denominator and divide.
        by: grouping columns kept as they are (year, sex ...).
    Returns:
        DataFrame with ``by`` columns, ``age_group``, ``age_lo``, ``age_hi`` and the value
        columns, one row per group and target band. ``attrs['unallocated']`` holds, per value
        column, the total that fell outside every target band or had no age.
    Raises:
        ParseError: an open source band that no target band can hold whole.
    """
    targets = parse_bands(bands)
    values = [value] if isinstance(value, str) else list(value)
    by = list(by)
    known = frame[frame["age_lo"].notna()]
    unknown_total = {v: float(frame.loc[frame["age_lo"].isna(), v].sum()) for v in values}
    src = known[["age_lo", "age_hi"]].drop_duplicates()
    weights = []
    for s_lo, s_hi in src.itertuples(index=False):
        s_band = (int(s_lo), None if pd.isna(s_hi) else int(s_hi))
        for t_lo, t_hi in targets:
            w = overlap_fraction(s_band, (t_lo, t_hi))
            if w > 0:
                weights.append((s_lo, s_hi, age_label(t_lo, t_hi), t_lo, t_hi, w))
    wt = pd.DataFrame(weights, columns=["age_lo", "age_hi", "age_group", "t_lo", "t_hi", "w"])
    wt["age_lo"] = wt["age_lo"].astype("Int64")
    wt["age_hi"] = wt["age_hi"].astype("Int64")
    merged = known.drop(columns=["age_group"], errors="ignore").merge(
        wt, on=["age_lo", "age_hi"], how="left"
    )
    # Rows of `known` whose band lies outside every target band have w missing.
    # and the parts of split bands that fall outside the targets are lost from `alloc`.
    alloc = merged[merged["w"].notna()].copy()
    for v in values:
        alloc[v] = alloc[v] * alloc["w"]
    outside_total = {v: float(known[v].sum()) - float(alloc[v].sum()) for v in values}
    out = (
        alloc.groupby([*by, "age_group", "t_lo", "t_hi"], dropna=False, sort=False)[values]
        .sum()
        .reset_index()
        .rename(columns={"t_lo": "age_lo", "t_hi": "age_hi"})
    )
    out["age_lo"] = out["age_lo"].astype("Int64")
    out["age_hi"] = pd.array(out["age_hi"].replace({None: pd.NA}), dtype="Int64")
    out = out.sort_values([*by, "age_lo"], kind="stable").reset_index(drop=True)
    out.attrs["unallocated"] = {
        v: {"age_unknown": unknown_total[v], "outside_target_bands": round(outside_total[v], 9)}
        for v in values
    }
    return out[[*by, "age_group", "age_lo", "age_hi", *values]]


def band_labels(bands: str | Iterable[str | AgeBand]) -> list[str]:
    """Canonical labels of a band specification: '0～14歳,15-59,60歳以上' or
    ['0～4歳', '90歳以上'] → ['0-14', '15-59', '60+'] (sorted, checked not to overlap)."""
    return [age_label(lo, hi) for lo, hi in parse_bands(bands)]


def bands_label(bands: str | Iterable[str | AgeBand]) -> str:
    """One readable line for a band specification: '0-14 / 15-59 / 60+'."""
    return " / ".join(band_labels(bands))


def collapse_top_band(frame: pd.DataFrame, top: int, *, value: str | Sequence[str] = "population",
                      by: Sequence[str] | None = None) -> pd.DataFrame:
    """Sum every band starting at or above ``top`` into one open band '``top``+'.

    Use before comparing tables whose top bands differ (census 85+ to 2000 and 100+ after;
    My Number Card tables 100+ to 2022-03-01 and 90+ after). Counts are summed, never rates:
    collapse numerator and denominator, then divide.

    Args:
        frame: tidy frame with ``age_group``, ``age_lo``, ``age_hi`` and the ``value``
            column(s).
        top: first age of the collapsed band.
        value: count column(s) to sum.
        by: columns identifying a group (year, sex …); default every other column, which
            must then be constant within a group. Columns outside ``by`` are dropped.
    Returns:
        The frame with one '``top``+' row per group in place of the bands at and above
        ``top``, sorted by group and age. Rows without an age (total, unknown) are kept.
    Raises:
        ParseError: a band straddles ``top`` (80-89 with top 85 would need a split).
    """
    values = [value] if isinstance(value, str) else list(value)
    age_cols = ["age_group", "age_lo", "age_hi"]
    if by is None:
        by = [c for c in frame.columns if c not in (*values, *age_cols)]
    by = list(by)
    lo, hi = frame["age_lo"], frame["age_hi"]
    straddle = lo.notna() & (lo < top) & (hi.isna() | (hi >= top))
    if straddle.any():
        raise ParseError(f"band straddles the collapsed top age {top}",
                         value=frame.loc[straddle, "age_group"].iloc[0],
                         expected=f"bands that end below {top} or start at or above it")
    columns = [c for c in frame.columns if c in {*by, *age_cols, *values}]
    above = (lo.notna() & (lo >= top)).to_numpy()
    rows = frame.loc[above]
    if by:
        top_rows = rows.groupby(by, dropna=False, sort=False)[values].sum().reset_index()
    else:
        top_rows = rows[values].sum().to_frame().T if len(rows) else rows[values].iloc[:0]
    top_rows["age_group"] = age_label(top, None)
    top_rows["age_lo"] = pd.array([top] * len(top_rows), dtype="Int64")
    top_rows["age_hi"] = pd.array([pd.NA] * len(top_rows), dtype="Int64")
    out = pd.concat([frame.loc[~above, columns], top_rows[columns]], ignore_index=True)
    return out.sort_values([*by, "age_lo"], kind="stable", na_position="last"
                           ).reset_index(drop=True)
