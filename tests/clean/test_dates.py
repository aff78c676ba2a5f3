import datetime as dt

import pandas as pd
import pytest

from dxlab.clean import (
    fiscal_year_of,
    parse_estat_time_code,
    parse_time,
    parse_time_label,
    to_fiscal_year,
    to_gregorian_year,
)
from dxlab.errors import ParseError


@pytest.mark.parametrize(
    ("label", "year"),
    [
        ("令和5年", 2023), ("令和元年", 2019), ("平成31年", 2019), ("平成元年", 1989),
        ("昭和64年", 1989), ("昭和39年", 1964), ("大正9年", 1920), ("明治33年", 1900),
        ("H31", 2019), ("R1", 2019), ("２０１５年", 2015), ("2015", 2015),
        ("平成32年", 2020),  # IPSS projections keep counting in 平成
        ("平成107年", 2095),  # IPSS 2017 long-range: 平成元年 = 1989, 1989 + 106 = 2095
        ("昭和100年", 2025),  # 昭和元年 = 1926, 1926 + 99 = 2025 (内閣官房「昭和100年」関連施策)
        ("令和 ５ 年", 2023),
        # kanji era years: 五 = 5, 三十一 = 3×10 + 1 = 31, 百七 = 100 + 7 = 107
        ("令和五年", 2023), ("平成三十一年", 2019), ("令和元年度", 2019), ("平成百七年", 2095),
        ("西暦2023年", 2023), ("二〇二三年", 2023), ("H01", 1989),
    ],
)
def test_to_gregorian_year(label, year):
    assert to_gregorian_year(label) == year


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("20231", "four digits"),  # no prefix match: not 2023
        ("H1234年", "more than three digits"),  # not 平成123年 = 2111
        ("R2023", "more than three digits"),  # not 令和202年 = 2220
        ("2023年の1,503万人", "text after the year"),
        ("R183", "outside the plausible range"),  # 2018 + 183 = 2201 > 2200
        ("1799年", "outside the plausible range"),
        ("令和〇年", "at least 1"), ("令和十十年", "malformed kanji"),
        ("令和²年", "digit look-alike"),
    ],
)
def test_to_gregorian_year_rejects_what_is_not_a_whole_year(label, message):
    with pytest.raises(ParseError, match=message):
        to_gregorian_year(label)


@pytest.mark.parametrize(
    ("label", "fy"),
    [("令和5年度", 2023), ("平成31年度", 2019), ("令和元年度", 2019), ("2023年度", 2023),
     ("FY2023", 2023), ("令和７年度", 2025)],
)
def test_to_fiscal_year(label, fy):
    assert to_fiscal_year(label) == fy


def test_to_fiscal_year_refuses_a_calendar_year():
    with pytest.raises(ParseError, match="calendar year, not a fiscal year"):
        to_fiscal_year("令和5年")


def test_unknown_era_is_named():
    with pytest.raises(ParseError, match="unknown era '天平'"):
        to_gregorian_year("天平5年")


def test_not_a_year():
    with pytest.raises(ParseError, match="not a year label"):
        to_gregorian_year("年齢不詳")


def test_series_version_parses_each_label_once_and_keeps_missing():
    s = pd.Series(["令和5年度", None, "令和7年度"])
    assert to_fiscal_year(s).tolist() == [2023, pd.NA, 2025]


def test_fiscal_year_of_runs_april_to_march():
    assert fiscal_year_of(dt.date(2024, 3, 31)) == 2023
    assert fiscal_year_of("2024-04-01") == 2024


@pytest.mark.parametrize(
    ("code", "period", "start", "end"),
    [
        ("2020000000", "year", "2020-01-01", "2020-12-31"),
        ("2023100000", "fiscal_year", "2023-04-01", "2024-03-31"),
        ("2024000707", "month", "2024-07-01", "2024-07-31"),
        ("2020000103", "quarter", "2020-01-01", "2020-03-31"),
        ("2020001012", "quarter", "2020-10-01", "2020-12-31"),
        ("2023100103", "fiscal_quarter", "2024-01-01", "2024-03-31"),
    ],
)
def test_estat_time_codes(code, period, start, end):
    tp = parse_estat_time_code(code)
    assert (tp.period, tp.start.isoformat(), tp.end.isoformat()) == (period, start, end)


def test_estat_time_code_falls_back_to_label():
    tp = parse_time("S39", "昭和39年")
    assert tp.year == 1964 and tp.period == "year"


@pytest.mark.parametrize(
    ("label", "period", "start"),
    [("1996年10月1日現在", "date", "1996-10-01"), ("2007年1~3月期", "quarter", "2007-01-01"),
     ("2015年", "year", "2015-01-01"), ("令和5年度", "fiscal_year", "2023-04-01")],
)
def test_time_labels(label, period, start):
    tp = parse_time_label(label)
    assert (tp.period, tp.start.isoformat()) == (period, start)


@pytest.mark.parametrize(
    ("label", "period", "start", "end", "fy"),
    [
        # December 2023 and January 2024: the range crosses the year boundary
        ("2023年12~1月期", "months", "2023-12-01", "2024-01-31", None),
        # fiscal 2023 runs 2023-04 … 2024-03; its months 1-3 are in 2024
        ("2023年度4~6月期", "fiscal_quarter", "2023-04-01", "2023-06-30", 2023),
        ("2023年度1~3月期", "fiscal_quarter", "2024-01-01", "2024-03-31", 2023),
        ("2023年度10~3月期", "months", "2023-10-01", "2024-03-31", 2023),
        ("2023年度1月", "month", "2024-01-01", "2024-01-31", 2023),
        ("2020年末", "date", "2020-12-31", "2020-12-31", None),
        ("2020年度末", "date", "2021-03-31", "2021-03-31", 2020),
        ("2020年平均", "year", "2020-01-01", "2020-12-31", None),
        ("令和五年10月1日現在", "date", "2023-10-01", "2023-10-01", None),
    ],
)
def test_time_label_ranges(label, period, start, end, fy):
    tp = parse_time_label(label)
    assert (tp.period, tp.start.isoformat(), tp.end.isoformat(), tp.fiscal_year) == (
        period, start, end, fy)


@pytest.mark.parametrize(
    "label", ["20231年", "2023年度3~4月期", "2023年13~1月期", "2020年(速報)", "2023年1月1日末"]
)
def test_time_label_rejects_the_rest(label):
    with pytest.raises(ParseError):
        parse_time_label(label)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dxlab.errors import DxlabError  # noqa: E402


@given(st.text(max_size=12))
def test_any_label_parses_or_raises_dxlab_error(text):
    for func in (to_gregorian_year, to_fiscal_year, parse_time_label):
        try:
            result = func(text)
        except DxlabError:
            continue
        assert result is not None


# First years of the eras, as published (内閣府「元号」): each era's 元年 is the calendar year
# in which it began. Written here by hand; not dxlab's ERA_OFFSETS.
ERA_FIRST_YEARS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}


@pytest.mark.parametrize(
    ("label", "year"),
    # where one era ends and the next begins, both names give the same year
    [("明治45年", 1912), ("大正元年", 1912), ("大正15年", 1926), ("昭和元年", 1926),
     ("昭和64年", 1989), ("平成元年", 1989), ("平成31年", 2019), ("令和元年", 2019)],
)
def test_era_boundaries(label, year):
    assert to_gregorian_year(label) == year


@given(st.sampled_from(sorted(ERA_FIRST_YEARS)), st.integers(1, 99))
def test_era_years_count_from_the_first_year(era, n):
    # year n of an era is n - 1 years after its first year (元年)
    assert to_gregorian_year(f"{era}{n}年") == ERA_FIRST_YEARS[era] + n - 1
    assert to_fiscal_year(f"{era}{n}年度") == ERA_FIRST_YEARS[era] + n - 1


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_any_ten_digit_code_parses_or_raises_dxlab_error(code):
    try:
        tp = parse_estat_time_code(code)
    except DxlabError:
        return
    assert tp.start <= tp.end


@pytest.mark.parametrize("label", ["0000年", "2015年13月", "2015年2月30日"])
def test_impossible_dates_are_parse_errors(label):
    with pytest.raises(ParseError):
        parse_time_label(label)


def test_series_errors_name_the_row_and_column():
    s = pd.Series(["令和5年度", "天平5年度"], index=[7, 8], name="fiscal_year_raw")
    with pytest.raises(ParseError, match=r"row 8, column 'fiscal_year_raw'.*unknown era"):
        to_fiscal_year(s)


def test_decimal_year_by_hand():
    """2020-01-01 is day 1: 2020 + 0/365.25. 2022-12-31 is day 365: 2022 + 364/365.25."""
    from dxlab.clean import decimal_year

    assert decimal_year("2020-01-01") == 2020.0
    assert decimal_year("2022-12-31") == pytest.approx(2022 + 364 / 365.25)
    assert decimal_year(pd.Series(["2020-01-01"])).tolist() == [2020.0]
