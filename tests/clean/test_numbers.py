import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxlab.clean import kanji_to_int, parse_decimals, parse_integers, parse_number, parse_numbers
from dxlab.errors import DxlabError, ParseError


@pytest.mark.parametrize(
    ("text", "value", "unit", "approx", "bound", "per"),
    [
        # labels from the Osaka KPI sheet and MIC case studies
        ("約1,100件", 1100, "件", True, None, None),
        ("70%以上", 70, "%", False, ">=", None),
        ("3名程度", 3, "名", True, None, None),
        ("60名/年", 60, "名", False, None, "year"),
        ("134.2万人", 1_342_000, "人", False, None, None),
        ("約3.0千万円", 30_000_000, "円", True, None, None),
        ("一万二千三百", 12_300, None, False, None, None),
        ("△1,234", -1234, None, False, None, None),
        ("1,000件", 1000, "件", False, None, None),
        ("５億円", 500_000_000, "円", False, None, None),
        ("20%未満", 20, "%", False, "<", None),
        ("およそ50人", 50, "人", True, None, None),
        # mixed numerals: 12×10^4 + 3×10^3 = 123,000; 1×10^8 + 2,345×10^4 = 123,450,000
        ("12万3千人", 123_000, "人", False, None, None),
        ("1億2,345万円", 123_450_000, "円", False, None, None),
        ("3千5百万", 35_000_000, None, False, None, None),  # (3,000 + 500) × 10^4
        ("1億3千万人", 130_000_000, "人", False, None, None),  # 10^8 + 3×10^7
        ("1 億 880 万人", 108_800_000, "人", False, None, None),  # IPSS: 10^8 + 880×10^4
        ("123,456千円", 123_456_000, "円", False, None, None),  # budgets in 千円
    ],
)
def test_parse_number(text, value, unit, approx, bound, per):
    n = parse_number(text)
    assert (n.value, n.unit, n.approx, n.bound, n.per) == (value, unit, approx, bound, per)


def test_scale_words_are_exact_not_float_rounded():
    # in binary floats 134.2 * 10000 is 1342000.0000000002
    assert parse_number("134.2万人").value == 1342000


def test_unit_name_maps_japanese_units():
    assert parse_number("134.2万人").unit_name == "persons"
    assert parse_number("3名程度").unit_name == "persons"
    assert parse_number("約3.0千万円").unit_name == "yen"


@pytest.mark.parametrize(
    ("text", "value"),
    [("二〇二三", 2023), ("十", 10), ("百二十", 120), ("三千五百万", 35_000_000),
     ("一億二千万", 120_000_000), ("三十一", 31), ("千二百", 1200), ("二千三", 2003)],
)
def test_kanji_numerals(text, value):
    assert kanji_to_int(text) == value


@pytest.mark.parametrize("text", ["", "件", "abc", "約", "1件と2件"])
def test_not_a_number_raises(text):
    with pytest.raises(ParseError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("百百", "out of order"), ("十十", "out of order"), ("二三百", "two kanji digits"),
        ("3万千", "scale words out of order"), ("10²人", "digit look-alike"),
        ("1,2,3", "thousands separator"), ("1234,567", "thousands separator"),
        ("12万13千", "more than one digit"), ("12万34567", "does not fit"),
        ("1.5億2000万", "decimal fraction"), ("1万2万", "out of order"),
        ("9" * 400, "too large"),
    ],
)
def test_garbage_numbers_raise(text, message):
    with pytest.raises(ParseError, match=message):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234", 1234), ("-5", -5), ("+7", 7), ("12.00", 12), ("１，２３４", 1234),
     ("9223372036854775807", 2**63 - 1), ("-9223372036854775808", -(2**63))],
)
def test_parse_integers(text, value):
    assert parse_integers(pd.Series([text])).tolist() == [value]


@pytest.mark.parametrize(
    ("text", "message"),
    [("1,2,3", "groups of three"), ("12,34", "groups of three"), ("1e3", "exponent"),
     ("1.5", "decimal fraction"), ("inf", "infinity"), ("nan", "NaN"),
     ("9223372036854775808", "Int64 range"), ("9" * 5000, "Int64 range"), ("x", "not a whole")],
)
def test_parse_integers_rejects(text, message):
    with pytest.raises(ParseError, match=rf"row 7, column 'n': .*{message}"):
        parse_integers(pd.Series(["1", text], index=[6, 7], name="n"))


def test_parse_integers_missing():
    s = pd.Series(["1", None], index=[2, 3], name="n")
    assert parse_integers(s, allow_missing=True).tolist() == [1, pd.NA]
    with pytest.raises(ParseError, match=r"row 3, column 'n': missing value"):
        parse_integers(s)


def test_parse_decimals():
    s = pd.Series(["1.5", "-1,234.5", ".5", "6.02e23", "-", None], name="v")
    out = parse_decimals(s, markers=["-"], allow_missing=True)
    assert out.tolist()[:4] == [1.5, -1234.5, 0.5, 6.02e23] and out.iloc[4:].isna().all()


@pytest.mark.parametrize(
    ("text", "message"),
    [("inf", "infinity"), ("-Infinity", "infinity"), ("nan", "NaN"), ("1e400", "infinity"),
     ("1e-400", "would be 0"), ("1,2,3", "groups of three"), ("5.", "not a number")],
)
def test_parse_decimals_rejects(text, message):
    with pytest.raises(ParseError, match=rf"row 1, column 'v': .*{message}"):
        parse_decimals(pd.Series(["1", text], name="v"))


def test_parse_numbers_names_the_row():
    s = pd.Series(["約1,100件", "未定"], name="value_raw", index=[5, 6])
    with pytest.raises(ParseError, match=r"row 6, column 'value_raw'"):
        parse_numbers(s)


def test_parse_numbers_vectorised():
    out = parse_numbers(pd.Series(["約1,100件", "70%以上", None]))
    assert out["value"].tolist()[:2] == [1100.0, 70.0]
    assert out["bound"].tolist()[1] == ">="
    assert pd.isna(out["value"].iloc[2])


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_dxlab_error(text):
    try:
        n = parse_number(text)
    except DxlabError:
        return
    assert isinstance(n.value, int | float)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_formatted_integers_round_trip(n):
    assert parse_number(f"{n:,}件").value == n


def test_parse_number_accepts_a_series():
    out = parse_number(pd.Series(["134.2万人", "3名程度"]))
    assert out["value"].tolist() == [1_342_000, 3] and out["approx"].tolist() == [False, True]
