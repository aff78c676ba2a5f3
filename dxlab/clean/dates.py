"""Japanese dates: era years, fiscal years and e-Stat time codes.

Era offsets (Gregorian = offset + era year): 明治 1867, 大正 1911, 昭和 1925, 平成 1988, 令和 2018.
'元年' is year 1. An era year past the era's end is accepted, because official projections
keep counting in the old era (IPSS writes 平成32年 for 2020 and 平成107年 for 2095); 平成31年
and 令和元年 are therefore both 2019.

A Japanese fiscal year (年度) runs from 1 April to 31 March and is named by the calendar year
in which it starts: 令和5年度 = fiscal_year 2023 = 2023-04-01 … 2024-03-31.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import overload

import pandas as pd

from dxlab.clean.text import map_unique, normalize_text
from dxlab.errors import ParseError

ERA_OFFSETS: dict[str, int] = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
# Latin initials used in some tables (H31, R1, S64).
ERA_INITIALS: dict[str, str] = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_ERA_YEAR = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*(?P<n>元|\d{1,3})\s*(?P<suffix>年度|年)?"
)
_WESTERN_YEAR = re.compile(r"^(?P<y>\d{4})\s*(?P<suffix>年度|年)?")
_FY_PREFIX = re.compile(r"^(?:FY|fy)\s*(?P<y>\d{4})$")
_ANY_ERA = re.compile(r"^(?P<era>[^\d\s元]{1,3}?)\s*(?:元|\d{1,3})\s*年")


def _year_and_suffix(label: str, *, what: str) -> tuple[int, str | None]:
    text = normalize_text(label)
    m = _ERA_YEAR.match(text)
    if m:
        era = ERA_INITIALS.get(m["era"], m["era"])
        n = 1 if m["n"] == "元" else int(m["n"])
        if n < 1:
            raise ParseError(f"{what}: era year must be at least 1", value=label)
        return ERA_OFFSETS[era] + n, m["suffix"]
    m = _WESTERN_YEAR.match(text)
    if m:
        if int(m["y"]) < 1:
            raise ParseError(f"{what}: year 0 does not exist", value=label)
        return int(m["y"]), m["suffix"]
    m = _FY_PREFIX.match(text)
    if m:
        return int(m["y"]), "年度"
    m = _ANY_ERA.match(text)
    if m:
        raise ParseError(
            f"{what}: unknown era {m['era']!r}",
            value=label,
            expected="one of 明治, 大正, 昭和, 平成, 令和 (or M/T/S/H/R)",
        )
    raise ParseError(
        f"{what}: not a year label",
        value=label,
        expected="a label such as '令和5年', '平成元年', 'H31', '2023年' or '2023'",
    )


def _gregorian_one(label: str) -> int:
    year, _suffix = _year_and_suffix(str(label), what="to_gregorian_year")
    return year


def _fiscal_one(label: str) -> int:
    year, suffix = _year_and_suffix(str(label), what="to_fiscal_year")
    if suffix != "年度":
        raise ParseError(
            "to_fiscal_year: label names a calendar year, not a fiscal year (年度)",
            value=label,
            expected="a label such as '令和5年度', '2023年度' or 'FY2023'",
        )
    return year


@overload
def to_gregorian_year(label: str) -> int: ...
@overload
def to_gregorian_year(label: pd.Series) -> pd.Series: ...


def to_gregorian_year(label: str | pd.Series) -> int | pd.Series:
    """Convert a year label (era or Western) to a Gregorian calendar year.

    Args:
        label: e.g. '令和5年' → 2023, '令和元年' → 2019, '平成31年' → 2019, 'H31' → 2019,
            '昭和39年' → 1964, '2015年' → 2015; or a Series of such labels.
    Returns:
        int, or a nullable Int64 Series (missing stays missing).
    Raises:
        ParseError: unknown era or no year in the label.
    """
    if isinstance(label, pd.Series):
        return map_unique(label.astype("object"), _gregorian_one).astype("Int64")
    return _gregorian_one(label)


@overload
def to_fiscal_year(label: str) -> int: ...
@overload
def to_fiscal_year(label: pd.Series) -> pd.Series: ...


def to_fiscal_year(label: str | pd.Series) -> int | pd.Series:
    """Convert a fiscal-year label (年度) to ``fiscal_year``, the year in which it starts.

    Args:
        label: e.g. '令和5年度' → 2023 (April 2023 – March 2024), '平成31年度' → 2019,
            '2023年度' → 2023, 'FY2023' → 2023; or a Series of such labels.
    Returns:
        int, or a nullable Int64 Series.
    Raises:
        ParseError: a calendar-year label ('令和5年'), unknown era, or no year.
    """
    if isinstance(label, pd.Series):
        return map_unique(label.astype("object"), _fiscal_one).astype("Int64")
    return _fiscal_one(label)


def fiscal_year_of(date: dt.date | str) -> int:
    """The Japanese fiscal year (April–March) containing ``date``: 2024-03-31 → 2023."""
    d = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year: 2023 → (2023-04-01, 2024-03-31)."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


@dataclass(frozen=True)
class TimePeriod:
    """A parsed e-Stat time code or time label.

    Attributes:
        period: 'year', 'fiscal_year', 'month', 'quarter', 'fiscal_quarter', 'months' or 'date'.
        year: calendar year of the start of the period (for a fiscal year, its first year).
        start: first day of the period.
        end: last day of the period.
        fiscal_year: set for fiscal periods.
    """

    period: str
    year: int
    start: dt.date
    end: dt.date
    fiscal_year: int | None = None


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


_QUARTERS = {(1, 3), (4, 6), (7, 9), (10, 12)}


def parse_estat_time_code(code: str) -> TimePeriod:
    """Parse an e-Stat 10-digit time code (``@time``).

    Layout: YYYY + KK + FF + TT where KK is '00' (calendar) or '10' (fiscal), FF and TT
    the first and last month ('0000' = the whole year). Examples: '2020000000' year 2020;
    '2023100000' fiscal year 2023; '2024000707' July 2024; '2020000103' Jan–Mar 2020.

    Raises:
        ParseError: anything else (the caller may then fall back to the label).
    """
    text = str(code).strip()
    if not re.fullmatch(r"\d{10}", text):
        raise ParseError("not an e-Stat time code", value=code, expected="10 digits")
    year, kind, m1, m2 = int(text[:4]), text[4:6], int(text[6:8]), int(text[8:10])
    if kind not in ("00", "10"):
        raise ParseError("unknown e-Stat time code kind", value=code, expected="'00' or '10'")
    if not 1800 <= year <= 2200:
        raise ParseError("year out of range in e-Stat time code", value=code,
                         expected="a year between 1800 and 2200")
    fiscal = kind == "10"
    if m1 == 0 and m2 == 0:
        if fiscal:
            return TimePeriod("fiscal_year", year, *fiscal_year_bounds(year), fiscal_year=year)
        return TimePeriod("year", year, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        raise ParseError("month out of range in e-Stat time code", value=code)
    # In a fiscal code, months 1-3 belong to the next calendar year.
    y1 = year + 1 if fiscal and m1 <= 3 else year
    y2 = year + 1 if fiscal and m2 <= 3 else year
    start, end = dt.date(y1, m1, 1), _month_end(y2, m2)
    if end < start:
        raise ParseError("e-Stat time code ends before it starts", value=code)
    fy = fiscal_year_of(start) if fiscal else None
    if m1 == m2:
        return TimePeriod("month", start.year, start, end, fiscal_year=fy)
    if (m1, m2) in _QUARTERS:
        return TimePeriod("fiscal_quarter" if fiscal else "quarter", start.year, start, end, fy)
    return TimePeriod("months", start.year, start, end, fiscal_year=fy)


_LABEL_DATE = re.compile(r"(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?")
_LABEL_MONTHS = re.compile(r"(?P<m1>\d{1,2})\s*~\s*(?P<m2>\d{1,2})月期?")


def parse_time_label(label: str) -> TimePeriod:
    """Parse a Japanese time label: '2015年', '令和5年度', '1996年10月1日現在', '2007年1~3月期'.

    Raises:
        ParseError: when no year can be found, or the month or day does not exist.
    """
    try:
        return _parse_time_label(label)
    except ValueError as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(f"not a calendar date: {exc}", value=label) from None


def _parse_time_label(label: str) -> TimePeriod:
    text = normalize_text(str(label))
    year, suffix = _year_and_suffix(text, what="parse_time_label")
    if suffix == "年度":
        return TimePeriod("fiscal_year", year, *fiscal_year_bounds(year), fiscal_year=year)
    rest = text[text.find("年") + 1 :] if "年" in text else ""
    m = _LABEL_MONTHS.search(rest)
    if m:
        m1, m2 = int(m["m1"]), int(m["m2"])
        kind = "quarter" if (m1, m2) in _QUARTERS else "months"
        return TimePeriod(kind, year, dt.date(year, m1, 1), _month_end(year, m2))
    m = _LABEL_DATE.search(rest)
    if m:
        month = int(m["m"])
        if m["d"]:
            day = dt.date(year, month, int(m["d"]))
            return TimePeriod("date", year, day, day)
        return TimePeriod("month", year, dt.date(year, month, 1), _month_end(year, month))
    return TimePeriod("year", year, dt.date(year, 1, 1), dt.date(year, 12, 31))


def parse_time(code: str | None, label: str | None = None) -> TimePeriod:
    """Parse an e-Stat time code, falling back to its label where the table uses its own codes."""
    if code is not None:
        try:
            return parse_estat_time_code(code)
        except ParseError:
            if label is None:
                raise
    if label is None:
        raise ParseError("no time code or label given")
    return parse_time_label(label)


def _decimal_year_series(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return d.dt.year + (d.dt.day_of_year - 1) / 365.25


def decimal_year(date: str | dt.date | pd.Series) -> float | pd.Series:
    """A date as a decimal year: '2022-12-31' → 2022.997; '2020-01-01' → 2020.0.

    year + (day of year − 1) / 365.25. A Series gives a Series.
    """
    if isinstance(date, pd.Series):
        return _decimal_year_series(date)
    return float(_decimal_year_series(pd.Series([date])).iloc[0])
