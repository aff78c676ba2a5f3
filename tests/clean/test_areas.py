import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxlab.clean import (
    PREFECTURES,
    estat_area_code,
    parse_estat_area_code,
    pref_code,
    pref_name,
    prefecture,
    strip_check_digit,
    with_check_digit,
)
from dxlab.errors import DxlabError, ParseError


def test_47_prefectures_with_unique_codes_and_names():
    assert len(PREFECTURES) == 47
    assert [p.code for p in PREFECTURES] == [f"{i:02d}" for i in range(1, 48)]
    assert len({p.name for p in PREFECTURES}) == 47


@pytest.mark.parametrize(
    ("key", "code"),
    [("東京都", "13"), ("東京", "13"), ("Tokyo", "13"), ("大阪府", "27"), ("大阪", "27"),
     ("北海道", "01"), ("京都", "26"), (1, "01"), ("13000", "13"), ("沖縄県", "47"),
     ("神奈川", "14")],
)
def test_pref_code(key, code):
    assert pref_code(key) == code


def test_pref_name_and_english():
    assert pref_name("13") == "東京都"
    assert prefecture("28").name_en == "Hyogo"


def test_prefecture_not_found():
    with pytest.raises(ParseError, match="prefecture not found"):
        pref_code("東京市")
    with pytest.raises(ParseError):
        pref_code("48")


@pytest.mark.parametrize(
    ("code5", "code6"),
    # 13101 千代田区, 28100 神戸市, 01100 札幌市 (written 11002 in the My Number table)
    [("13101", "131016"), ("28100", "281000"), ("01100", "011002"), ("27100", "271004")],
)
def test_check_digit(code5, code6):
    assert with_check_digit(code5) == code6
    assert strip_check_digit(code6) == code5


def test_int_codes_regain_leading_zeros():
    assert strip_check_digit(11002) == "01100"
    assert with_check_digit(1100) == "011002"


def test_wrong_check_digit_names_the_right_one():
    with pytest.raises(ParseError, match="wrong check digit.*expected 131016"):
        strip_check_digit("131017")


def test_estat_area_codes():
    assert estat_area_code() == "00000"
    assert estat_area_code("東京") == "13000"
    assert parse_estat_area_code("13101") == {"level": "municipality", "pref_code": "13",
                                              "muni_code5": "13101"}
    assert parse_estat_area_code("00000")["level"] == "national"
    with pytest.raises(ParseError):
        parse_estat_area_code("99000")


@given(st.from_regex(r"\A[0-9]{5}\Z"))
def test_check_digit_round_trip(code5):
    assert strip_check_digit(with_check_digit(code5)) == code5


@given(st.text(max_size=8))
def test_any_key_resolves_or_raises_dxlab_error(text):
    try:
        code = pref_code(text)
    except DxlabError:
        return
    assert code in {p.code for p in PREFECTURES}


def test_series_versions_name_the_bad_row():
    import pandas as pd

    s = pd.Series(["東京都", "大阪", None], name="pref")
    assert pref_code(s).tolist()[:2] == ["13", "27"]
    assert with_check_digit(pd.Series(["13101", "28100"])).tolist() == ["131016", "281000"]
    with pytest.raises(ParseError, match=r"row 1, column 'code': wrong check digit"):
        strip_check_digit(pd.Series(["131016", "131017"], name="code"))


def test_municipality_kinds_match_the_published_counts():
    """MIC: since 2018-10-01 Japan has 792 市 (20 of them 政令市), 743 町, 183 村 and Tokyo's
    23 特別区 — 1,741 municipalities in the card tables."""
    from collections import Counter

    import dxlab
    from dxlab.clean.areas import DESIGNATED_CITIES, municipality_kind

    a = dxlab.load("ssdse_a_2025_municipal").drop_duplicates("muni_code5")
    kinds = Counter(municipality_kind(c, n) for c, n in zip(a["muni_code5"], a["municipality"],
                                                            strict=True))
    assert kinds == {"市": 772, "政令市": 20, "町": 743, "村": 183, "特別区": 23}
    names = dict(zip(a["muni_code5"], a["municipality"], strict=True))
    assert all(names[c] == n for c, n in DESIGNATED_CITIES.items())


def test_municipality_kind_refuses_a_name_of_no_kind():
    from dxlab.clean.areas import municipality_kind

    with pytest.raises(ParseError, match="ends in none of"):
        municipality_kind("99999", "どこか")
