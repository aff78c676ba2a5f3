"""Japanese dates: era years, fiscal years and e-Stat time codes.

Era offsets (Gregorian = offset + era year): 明治 1867, 大正 1911, 昭和 1925, 平成 1988, 令和 2018.
'元年' is year 1. An era year past the era's end is accepted, because official projections
keep counting in the old era (IPSS writes 平成32年 for 2020 and 平成107年 for 2095) and the
government itself wrote 昭和100年 for 2025; 平成31年 and 令和元年 are therefore both 2019.
What bounds such a year is the plausible range below, not the era's end.

A Japanese fiscal year (年度) runs from 1 April to 31 March and is named by the calendar year
in which it starts: 令和5年度 = fiscal_year 2023 = 2023-04-01 … 2024-03-31.

Year labels (:func:`to_gregorian_year`, :func:`to_fiscal_year`, and the start of
:func:`parse_time_label`) are read whole, after NFKC normalisation (full-width digits and
'令和 ５ 年' are fine, digit look-alikes such as '²' are errors), with at most one space
between the parts::

    year_label := era_year | western_year | 'FY' [0-9]{4}         ('FY2023' is a fiscal year)
    era_year   := era era_number suffix?
    era        := 明治 | 大正 | 昭和 | 平成 | 令和 | M | T | S | H | R
    era_number := 元 | [0-9]{1,3} | kanji numeral (五, 三十一, 百七; see kanji_to_int), >= 1
    western_year := 西暦? ([0-9]{4} | four kanji digits such as 二〇二三) suffix?
    suffix     := 年 | 年度

Every year must be plausible: 1800 … 2200 (the window :func:`parse_estat_time_code` uses;
明治元年 is 1868 and IPSS's longest projections reach the 2110s). So 'R182' (2200) is read,
'R183' (2201), 'H1234年', 'R2023', '20231' and '0000年' are errors, not years.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import overload

import pandas as pd

from dxlab.clean.numbers import kanji_to_int
from dxlab.clean.text import clip, map_unique, normalize_numeric_text
from dxlab.errors import ParseError

ERA_OFFSETS: dict[str, int] = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}
# Latin initials used in some tables (H31, R1, S64).
ERA_INITIALS: dict[str, str] = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_YEAR_MIN, _YEAR_MAX = 1800, 2200
_KANJI_NUMBER = "〇零一二三四五六七八九十百"
_YEAR_HEAD = re.compile(
    rf"(?:(?P<era>明治|大正|昭和|平成|令和|[MTSHR]) ?(?P<n>元|[0-9]+|[{_KANJI_NUMBER}]+)"
    r"|(?:西暦 ?)?(?P<y>[0-9]+|[〇一二三四五六七八九]{4,}))"
    r" ?(?P<suffix>年度|年)?"
)
_FY_PREFIX = re.compile(r"(?:FY|fy) ?(?P<y>[0-9]{4})(?![0-9])")
_ANY_ERA = re.compile(
    rf"^(?P<era>[^0-9\s元{_KANJI_NUMBER}]{{1,3}}?)\s*(?:元|[0-9]{{1,3}}|[{_KANJI_NUMBER}]+)\s*年"
)
_YEAR_EXPECTED = ("a label such as '令和5年', '令和五年', '平成元年', 'H31', '2023年', "
                  "'西暦2023年' or '2023'")


def _read_year(text: str, label: object, what: str) -> tuple[int, str | None, int]:
    """Read the year label at the start of normalised ``text``.

    Returns:
        (Gregorian year, suffix '年', '年度' or None, end of the year label in ``text``).
    """
    m = _FY_PREFIX.match(text)
    if m:
        return _plausible(int(m["y"]), label, what), "年度", m.end()
    m = _YEAR_HEAD.match(text)
    if m is None:
        m = _ANY_ERA.match(text)
        if m:
            raise ParseError(
                f"{what}: unknown era {m['era']!r}",
                value=clip(label),
                expected="one of 明治, 大正, 昭和, 平成, 令和 (or M/T/S/H/R)",
            )
        raise ParseError(f"{what}: not a year label", value=clip(label), expected=_YEAR_EXPECTED)
    if m["era"]:
        n = m["n"]
        if n == "元":
            number = 1
        elif n.isascii():
            if len(n) > 3:
                raise ParseError(f"{what}: era year with more than three digits",
                                 value=clip(label), expected=_YEAR_EXPECTED)
            number = int(n)
        else:
            try:
                number = kanji_to_int(n)
            except ParseError:
                raise ParseError(f"{what}: malformed kanji era year", value=clip(label),
                                 expected="e.g. '令和五年', '平成三十一年'") from None
        if number < 1:
            raise ParseError(f"{what}: era year must be at least 1", value=clip(label))
        year = ERA_OFFSETS[ERA_INITIALS.get(m["era"], m["era"])] + number
    else:
        y = m["y"]
        if len(y) != 4:
            raise ParseError(f"{what}: a Western year has four digits", value=clip(label),
                             expected=_YEAR_EXPECTED)
        year = int(y) if y.isascii() else kanji_to_int(y)
    return _plausible(year, label, what), m["suffix"], m.end()


def _plausible(year: int, label: object, what: str) -> int:
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        raise ParseError(f"{what}: year {year} is outside the plausible range",
                         value=clip(label), expected=f"a year from {_YEAR_MIN} to {_YEAR_MAX}")
    return year


def _year_and_suffix(label: object, *, what: str) -> tuple[int, str | None]:
    """Read a whole year label (grammar in the module docstring)."""
    text = normalize_numeric_text(str(label))
    year, suffix, end = _read_year(text, label, what)
    if end != len(text):
        raise ParseError(f"{what}: text after the year", value=clip(label),
                         expected=_YEAR_EXPECTED)
    return year, suffix


def _gregorian_one(label: str) -> int:
    year, _suffix = _year_and_suffix(label, what="to_gregorian_year")
    return year


def _fiscal_one(label: str) -> int:
    year, suffix = _year_and_suffix(label, what="to_fiscal_year")
    if suffix != "年度":
        raise ParseError(
            "to_fiscal_year: label names a calendar year, not a fiscal year (年度)",
            value=clip(label),
            expected="a label such as '令和5年度', '2023年度' or 'FY2023'",
        )
    return year


@overload
def to_gregorian_year(label: str) -> int: ...
@overload
def to_gregorian_year(label: pd.Series) -> pd.Series: ...


def to_gregorian_year(label: str | pd.Series) -> int | pd.Series:
    """Convert a year label (era or Western) to a Gregorian calendar year.

    The whole label must be a year label (grammar in the module docstring); a fiscal-year
    label gives the year in which the fiscal year starts.

    Args:
        label: e.g. '令和5年' → 2023, '令和元年' → 2019, '平成31年' → 2019, 'H31' → 2019,
            '昭和39年' → 1964, '令和五年' → 2023, '平成三十一年' → 2019, '平成107年' → 2095,
            '2015年' → 2015, '西暦2023年' → 2023; or a Series of such labels.
    Returns:
        int, or a nullable Int64 Series (missing stays missing).
    Raises:
        ParseError: unknown era, no year label, text after it ('20231', '2023年の…'), an
            era year of four digits ('R2023') or a year outside 1800-2200. For a Series, at
            the first row (index label) and column (series name) holding such a label.
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
            '令和元年度' → 2019, '2023年度' → 2023, 'FY2023' → 2023; or a Series of such
            labels (grammar in the module docstring).
    Returns:
        int, or a nullable Int64 Series.
    Raises:
        ParseError: a calendar-year label ('令和5年'), unknown era, or no year.
    """
    if isinstance(label, pd.Series):
        return map_unique(label.astype("object"), _fiscal_one).astype("Int64")
    return _fiscal_one(label)


def fiscal_year_of(date: dt.date | str) -> int:
    """The Japanese fiscal year (April–March) containing ``date``: 2024-03-31 → 2023.

    Args:
        date: a date (or datetime), or an ISO 8601 date string ('2024-03-31').
    Raises:
        ParseError: a string that is not an ISO date, or anything else that is not a date.
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise ParseError("not an ISO date", value=clip(date),
                             expected="e.g. '2024-03-31'") from None
    if not isinstance(date, dt.date):
        raise ParseError("fiscal_year_of expects a date or an ISO date string", value=date)
    return date.year if date.month >= 4 else date.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year: 2023 → (2023-04-01, 2024-03-31).

    Raises:
        ParseError: not an int, or a year whose bounds are outside 1 … 9999.
    """
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise ParseError("fiscal year must be an int", value=fiscal_year)
    if not 1 <= fiscal_year <= 9998:
        raise ParseError("fiscal year outside the calendar", value=fiscal_year,
                         expected="1 … 9998")
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
    if not re.fullmatch(r"[0-9]{10}", text):
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


_LABEL_REST = re.compile(
    r"(?:(?P<m1>[0-9]{1,2}) ?(?:月 ?)?[~-] ?(?P<m2>[0-9]{1,2}) ?月(?: ?期)?"
    r"|(?P<m>[0-9]{1,2}) ?月(?: ?(?P<d>[0-9]{1,2}) ?日)?)?"
    r" ?(?P<note>現在|時点|平均|末)?"
)


def parse_time_label(label: str) -> TimePeriod:
    """Parse a Japanese time label: '2015年', '令和5年度', '1996年10月1日現在', '2007年1~3月期'.

    Grammar: a year label (module docstring) read whole, then, only after 年 or 年度::

        rest  := (months | month)? note?
        month := M月 (D日)?                     '2020年10月1日', '2023年度1月'
        months:= M1 (月)? ~ M2 月 (期)?          '2007年1~3月期', '2023年12月~1月' ('-' as '~')
        note  := 現在 | 時点 | 平均             (the period is unchanged)
               | 末                              (the last day of the period, as a date)

    After 年 the months are calendar months; a range whose last month is earlier than its
    first crosses the year boundary ('2023年12~1月期' = 2023-12-01 … 2024-01-31). After 年度
    they are months of the fiscal year, 1-3 falling in the next calendar year: '2023年度4~6月期'
    is the fiscal quarter 2023-04-01 … 2023-06-30, '2023年度1~3月期' 2024-01-01 … 2024-03-31.

    Returns:
        :class:`TimePeriod`: 'year', 'fiscal_year', 'month', 'quarter' (calendar quarters
        1-3, 4-6, 7-9, 10-12), 'fiscal_quarter', 'months' (any other range) or 'date';
        ``fiscal_year`` set for labels with 年度.
    Raises:
        ParseError: no year label, anything after it outside this grammar, a month or day
            that does not exist, or a fiscal range that ends before it starts.
    """
    try:
        return _parse_time_label(label)
    except ValueError as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(f"not a calendar date: {exc}", value=clip(label)) from None


def _parse_time_label(label: str) -> TimePeriod:
    text = normalize_numeric_text(str(label))
    year, suffix, end = _read_year(text, label, "parse_time_label")
    rest = text[end:].strip()
    m = _LABEL_REST.fullmatch(rest) if suffix else None
    if m is None:
        if rest:
            raise ParseError(
                "parse_time_label: not a time label", value=clip(label),
                expected="e.g. '2015年', '令和5年度', '1996年10月1日現在', '2007年1~3月期', "
                "'2023年度4~6月期'",
            )
        return TimePeriod("year", year, dt.date(year, 1, 1), dt.date(year, 12, 31))
    fiscal = suffix == "年度"
    fy = year if fiscal else None

    def year_of(month: int) -> int:  # months 1-3 of a fiscal year fall in the next year
        return year + 1 if fiscal and month <= 3 else year

    if m["m1"]:
        m1, m2 = int(m["m1"]), int(m["m2"])
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
            raise ParseError("parse_time_label: month out of range", value=clip(label),
                             expected="months 1-12")
        y2 = year_of(m2) if fiscal or m2 >= m1 else year + 1  # '12~1月' crosses the year
        start, last = dt.date(year_of(m1), m1, 1), _month_end(y2, m2)
        if last < start:
            raise ParseError("parse_time_label: fiscal months end before they start",
                             value=clip(label), expected="a range inside April … March")
        if m1 == m2:
            kind = "month"
        elif (m1, m2) in _QUARTERS:
            kind = "fiscal_quarter" if fiscal else "quarter"
        else:
            kind = "months"
        period = TimePeriod(kind, start.year, start, last, fy)
    elif m["m"]:
        month = int(m["m"])
        first = dt.date(year_of(month), month, 1)
        if m["d"]:
            day = dt.date(first.year, month, int(m["d"]))
            period = TimePeriod("date", day.year, day, day, fy)
        else:
            period = TimePeriod("month", first.year, first, _month_end(first.year, month), fy)
    elif fiscal:
        period = TimePeriod("fiscal_year", year, *fiscal_year_bounds(year), fiscal_year=year)
    else:
        period = TimePeriod("year", year, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m["note"] == "末":
        if period.period == "date":
            raise ParseError("parse_time_label: 末 after a day", value=clip(label))
        period = TimePeriod("date", period.end.year, period.end, period.end, fy)
    return period


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
    d = pd.to_datetime(dates, errors="coerce", format="ISO8601")
    bad = d.isna() & dates.notna()
    if bad.any():
        row = dates.index[bad][0]
        raise ParseError("decimal_year: not an ISO date", value=clip(dates.loc[row]), row=row,
                         column=dates.name, expected="a date such as '2022-12-31'")
    return d.dt.year + (d.dt.day_of_year - 1) / 365.25


def decimal_year(date: str | dt.date | pd.Series) -> float | pd.Series:
    """A date as a decimal year: '2022-12-31' → 2022.997; '2020-01-01' → 2020.0.

    year + (day of year − 1) / 365.25. A Series gives a Series.

    Raises:
        ParseError: a value that is not a date (naming the row for a Series).
    """
    if isinstance(date, pd.Series):
        return _decimal_year_series(date)
    if not isinstance(date, str | dt.date):
        raise ParseError("decimal_year expects a date or an ISO date string", value=clip(date))
    return float(_decimal_year_series(pd.Series([date], dtype=object)).iloc[0])
