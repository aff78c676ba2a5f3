"""MIC (総務省) tables: the hooks that are custom to them — My Number Card rate cross-checks,
municipal codes written as integers, and the secondary internet-use rows an official row
supersedes. The datasets themselves are declared in ``dxlab/specs/mic.py``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from dxlab.clean.areas import strip_check_digit
from dxlab.clean.numbers import parse_numbers
from dxlab.errors import DataError, ParseError
from dxlab.sources.spec import Context
from dxlab.sources.tabular import check_field, read_csv_text, to_float


def rate_check(*, rounding: float = 0.1, known: Mapping[tuple, str] | None = None,
               key: Iterable[str] = ()):
    """A spec check: cards ÷ population × 100, rounded half-up to the published precision,
    must equal the published ``issuance_rate_percent``.

    Args:
        rounding: the published precision (0.1 point).
        known: rows exempted, keyed by their ``key`` values, each with the documented reason
            the published rate does not recompute (SOURCES.md 12a).
        key: the columns identifying a row in ``known``.
    Raises (from the returned check):
        DataError: naming the first line whose rate disagrees, with the recomputed value.
    """
    known = dict(known or {})
    key = tuple(key)

    def check(frame: pd.DataFrame, ctx: Context) -> None:
        recomputed = 100 * frame["cards_issued"] / frame["population"]
        off = (recomputed - frame["issuance_rate_percent"]).abs() > rounding / 2 + 1e-9
        if known and off.any():
            exempt = frame.loc[off, list(key)].apply(tuple, axis=1).isin(known)
            off.loc[exempt.index] &= ~exempt
        if off.any():
            line = frame.index[off][0]
            raise DataError(
                "published rate disagrees with cards ÷ population", file=ctx.path, row=line,
                **ctx.spec.column_of("issuance_rate_percent"),
                value=frame.loc[line, "issuance_rate_percent"],
                expected=f"{recomputed.loc[line]:.3f} rounded to {rounding} "
                f"(cards {frame.loc[line, 'cards_issued']}, population "
                f"{frame.loc[line, 'population']})")

    check.__doc__ = (f"cards ÷ population × 100 rounded to {rounding} equals the published "
                     "rate" + (f" (documented exceptions: {len(known)} rows)" if known else ""))
    return check


def municipal_codes(frame: pd.DataFrame, ctx: Context, *,
                    by_name: Mapping[tuple[str, str], str]) -> pd.Series:
    """団体コード (6-digit code with check digit, written as an integer: 11002 = 011002 札幌市)
    → 5-digit ``muni_code5``, the check digit verified. Where the extraction lost the code
    ('<NA>' or empty), the (prefecture, municipality) name is looked up in ``by_name``;
    a row that matches neither is an error, never dropped.
    """
    codes = frame["muni_code5"].where(~frame["muni_code5"].isin(["<NA>"]), None)
    out = pd.Series(pd.NA, index=frame.index, dtype="object")
    for line, code in codes.items():
        if code is None or pd.isna(code):
            name = (frame.loc[line, "prefecture"], frame.loc[line, "municipality"])
            if name not in by_name:
                raise DataError("団体コード is missing and the name is not in the spec's "
                                "name → code table", file=ctx.path, row=line, column="団体コード",
                                value=f"{name[0]} {name[1]}",
                                expected="a 6-digit local-government code")
            out[line] = by_name[name]
            continue
        if not str(code).strip().isdigit():
            raise DataError("団体コード is not a number", file=ctx.path, row=line,
                            column="団体コード", value=code)
        try:
            out[line] = strip_check_digit(int(code))
        except ParseError as err:
            raise err.located(file=ctx.path, row=line, column="団体コード") from None
    mismatch = out.str[:2] != frame["pref_code"]
    if mismatch.any():
        line = frame.index[mismatch][0]
        raise DataError("団体コード belongs to another prefecture", file=ctx.path, row=line,
                        column="団体コード", value=frame.loc[line, "muni_code5"],
                        expected=f"a code starting {frame.loc[line, 'pref_code']}")
    return out


def slash_date(column: str):
    """'2022/12/31' → '2022-12-31' (the extraction's date format)."""

    def run(frame: pd.DataFrame, ctx: Context) -> pd.Series:
        return frame[column].str.replace("/", "-", regex=False)

    return run


def reference_date_matches_catalog(frame: pd.DataFrame, ctx: Context) -> None:
    """Every row's count date must be the date the catalog records for the file."""
    want = ctx.file_meta.get("reference_date")
    if want is None:
        return
    bad = frame["reference_date"] != want
    if bad.any():
        line = frame.index[bad][0]
        raise DataError("count date differs from the catalog's date for this file",
                        file=ctx.path, row=line, column="算出基準日",
                        value=frame.loc[line, "reference_date"], expected=want)


# ---------------------------------------------------------------- internet-use rows

def survey_indicator(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """'mobile_internet_usage_rate (携帯インターネット利用率, PHS含む)' → indicator
    'mobile_internet_usage_rate' and the full text as indicator_label."""
    return pd.DataFrame({"indicator": frame["indicator"].str.extract(r"^(\S+)")[0],
                         "indicator_label": frame["indicator"]}, index=frame.index)


def superseded_by_official(raw: pd.DataFrame, ctx: Context) -> pd.Series:
    """Secondary rows whose (year, age group, indicator) the official white-paper file
    (the dataset this one depends on) also holds."""
    official_paths = next(iter(ctx.depends.values()), [])
    if not official_paths:
        return pd.Series(False, index=raw.index)
    official = read_csv_text(official_paths[0], ["survey_year", "age_group", "indicator"])
    keys = set(zip(official["survey_year"], official["age_group"], official["indicator"],
                   strict=True))
    indicator = raw["indicator"].str.extract(r"^(\S+)")[0]
    age = raw["age_group"].str.replace(" (all)", "", regex=False)
    hit = np.array([(y, a, i) in keys for y, a, i in
                    zip(raw["survey_year"], age, indicator, strict=True)], dtype=bool)
    return pd.Series(hit, index=raw.index) & raw["source_quality"].str.startswith("secondary")

def case_population(frame: pd.DataFrame, ctx: Context) -> pd.Series:
    """'134.2万人' → 1,342,000 persons (Int64; a missing cell stays missing).

    Raises:
        DataError: a unit other than 人, naming the line.
    """
    parsed = parse_numbers(frame["population_raw"].rename("population_raw"))
    units = parsed["unit"].dropna()
    if not units.isin(["人"]).all():
        line = units.index[~units.isin(["人"])][0]
        raise DataError("unit conflicts with the schema", file=ctx.path, row=line,
                        column="population_raw", value=frame.loc[line, "population_raw"],
                        expected="persons (人)")
    return parsed["value"].round().astype("Int64")


# ---------------------------------------------------------------- white-paper figure CSVs

def read_whitepaper_figure(path, ctx: Context) -> pd.DataFrame:
    """A figure-data CSV of 情報通信白書 (e.g. r06/csv/f00310.csv) as MIC serves it: Shift_JIS,
    every field quoted, a header block of '@' records — @Caption, @Creator, @Date, @Language,
    @@Title (next record: one series name per column), @@Unit (next: the unit of each
    series), @@Baseval, @@Datatype, @Note — then one record per year label ('2009\\n（n=4,547）'
    may hold a line break).

    Returns one row per year label × series, cells as text: ``year_label``, ``indicator_ja``,
    ``percent`` (the cell), indexed by the record's first file line. The caption, creator and
    date of the header block are provenance, recorded in the catalog entry.

    Raises:
        DataError: no @@Title or @@Unit block, a unit other than ％, or a ragged record.
    """
    from dxlab.sources.tabular import csv_records, read_text

    text, _enc = read_text(path, ctx.spec.encoding)
    records = list(csv_records(text, path, header_after=None))
    titles = units = None
    unit_line = None
    data = []
    for i, (line, rec) in enumerate(records):
        tag = rec[0] if rec else ""
        if tag == "@@Title" and i + 1 < len(records):
            titles = records[i + 1][1][1:]
        elif tag == "@@Unit" and i + 1 < len(records):
            unit_line, units = records[i + 1][0], records[i + 1][1][1:]
        elif tag.startswith("@") or (i and records[i - 1][1][:1] and
                                     records[i - 1][1][0] in ("@@Title", "@@Unit", "@@Baseval",
                                                              "@@Datatype")):
            continue
        elif any(c.strip() for c in rec):
            data.append((line, rec))
    if titles is None or units is None:
        raise DataError("no @@Title or @@Unit block: not a white-paper figure CSV", file=path,
                        expected='"@@Title" and "@@Unit" records before the data')
    width = len(titles)
    series = [(j, t) for j, t in enumerate(titles) if t.strip()]
    if len(units) != width:
        raise DataError(f"the @@Unit record has {len(units) + 1} fields where the title row "
                        f"has {width + 1}", file=path, row=unit_line)
    for j, t in series:
        if units[j] != "％":
            raise DataError(f"series {t!r} is not in percent", file=path, row=unit_line,
                            column=t, value=units[j], expected="％")
    if not data:
        raise DataError("file has the header block but no data rows", file=path,
                        expected="one record per year after the @ records")
    rows = []
    for line, rec in data:
        if len(rec) != width + 1:
            raise DataError(f"record has {len(rec)} fields where the title row has "
                            f"{width + 1}", file=path, row=line)
        for j, title in series:
            cell = rec[1 + j].strip()
            rows.append((line, rec[0], title, cell or None))
    lines = [line for line, _ in data]
    for j, title in series:  # each series checked as the percent column it is (its title)
        cells = pd.Series([rec[1 + j].strip() or None for _, rec in data], index=lines)
        values = to_float(cells, file=path, column=title, markers=("-",), allow_missing=True)
        check_field(values, "percent", file=path, column=title)
    frame = pd.DataFrame(rows, columns=["line", "year_label", "indicator_ja", "percent"])
    return frame.set_index("line")


def year_and_sample(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """'2006（n=4,999）' → year 2006, sample_size_n 4999; '1999' → 1999, missing n."""
    from dxlab.clean.text import normalize_text

    label = normalize_text(frame["year_label"].str.replace("\n", " "))
    parts = label.str.extract(r"^(\d{4})\s*(?:\(n=([\d,]+)\))?$")
    bad = parts[0].isna()
    if bad.any():
        line = frame.index[bad][0]
        raise DataError("year label is not 'YYYY' or 'YYYY（n=N）'", file=ctx.path, row=line,
                        column="year_label", value=frame.loc[line, "year_label"])
    return pd.DataFrame({"year": parts[0], "sample_size_n": parts[1].str.replace(",", "")},
                        index=frame.index)
