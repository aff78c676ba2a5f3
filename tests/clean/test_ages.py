import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxlab.clean import (
    age_label,
    overlap_fraction,
    parse_age_band,
    parse_age_bands,
    parse_bands,
    reband,
)
from dxlab.errors import DxlabError, ParseError


@pytest.mark.parametrize(
    ("label", "band"),
    [
        ("15～19歳", (15, 19)), ("０～４歳", (0, 4)), ("0〜4歳", (0, 4)), ("15~19歳", (15, 19)),
        ("5～9", (5, 9)),  # My Number tables drop 歳 after the first band
        ("85歳以上", (85, None)), ("100歳以上", (100, None)), ("90歳以上", (90, None)),
        ("6-12", (6, 12)), ("80+", (80, None)), ("15歳未満", (0, 14)), ("20代", (20, 29)),
        ("60代前半", (60, 64)), ("60代後半", (65, 69)), ("90歳", (90, 90)),
        ("13歳から19歳".replace("から", "~"), (13, 19)),
        # bounds in words: 以下 is 'at most' (inclusive), 未満 'under' (hi = M - 1)
        ("14歳以下", (0, 14)), ("85歳以下", (0, 85)),
        ("65歳以上75歳未満", (65, 74)),  # 75 - 1 = 74
        ("65歳以上74歳以下", (65, 74)), ("75歳以上", (75, None)),
        ("64歳超", (65, None)),  # over 64: 64 + 1 = 65
        ("１５歳以上６５歳未満", (15, 64)),  # full-width digits, 65 - 1 = 64
    ],
)
def test_parse_age_band(label, band):
    assert parse_age_band(label) == band


def test_age_unknown_is_none():
    assert parse_age_band("年齢不詳") is None
    assert parse_age_band("不詳") is None


@pytest.mark.parametrize("label", ["総数", "全体"])
def test_totals_are_not_bands(label):
    with pytest.raises(ParseError, match="total"):
        parse_age_band(label)


@pytest.mark.parametrize("label", ["85歳前後", "十五歳", "19~15歳", "abc", "8²歳以上", "٨٥歳"])
def test_unknown_age_label_is_an_error(label):
    with pytest.raises(ParseError):
        parse_age_band(label)


@pytest.mark.parametrize("label", ["0歳未満", "75歳以上65歳未満", "70歳以上65歳以下"])
def test_empty_age_band_is_an_error(label):
    with pytest.raises(ParseError, match="empty age band"):
        parse_age_band(label)


def test_parse_age_bands_names_file_row():
    s = pd.Series(["0～4歳", "85歳前後"], index=[2, 3], name="age_group")
    with pytest.raises(ParseError, match=r"row 3, column 'age_group': unknown age label"):
        parse_age_bands(s)


def test_age_label_round_trip():
    assert [age_label(*b) for b in [(0, 4), (85, None), (90, 90)]] == ["0-4", "85+", "90"]


@pytest.mark.parametrize("band", [(5, 4), (-1, 4), (1.5, 4), ("0", 4), (True, None)])
def test_age_label_refuses_what_is_not_a_band(band):
    with pytest.raises(ParseError):
        age_label(*band)


def test_parse_bands_rejects_overlap():
    with pytest.raises(ParseError, match="overlap"):
        parse_bands("0-14,10-64,65+")


def test_overlap_fraction_uniform_rule():
    # census 5-9 into survey 6-12: ages 6,7,8,9 of 5..9 -> 4/5
    assert overlap_fraction((5, 9), (6, 12)) == pytest.approx(0.8)
    assert overlap_fraction((10, 14), (6, 12)) == pytest.approx(3 / 5)
    assert overlap_fraction((85, None), (80, None)) == 1.0
    assert overlap_fraction((85, None), (0, 14)) == 0.0
    with pytest.raises(ParseError, match="open age band"):
        overlap_fraction((85, None), (80, 89))


def _frame(rows):
    return pd.DataFrame(
        {
            "age_lo": pd.array([r[0] for r in rows], dtype="Int64"),
            "age_hi": pd.array([r[1] for r in rows], dtype="Int64"),
            "population": [r[2] for r in rows],
        }
    )


def test_reband_census_to_survey_bands_by_hand():
    """Census 0-4=50, 5-9=50, 10-14=100, 15-19=100, 20+=200 into survey 6-12, 13-19, 20+.

    6-12  = 5-9 * 4/5 + 10-14 * 3/5 = 40 + 60 = 100
    13-19 = 10-14 * 2/5 + 15-19     = 40 + 100 = 140
    20+   = 200
    outside: 0-4 (50) + 5-9 * 1/5 (10) = 60
    """
    f = _frame([(0, 4, 50), (5, 9, 50), (10, 14, 100), (15, 19, 100), (20, None, 200)])
    out = reband(f, "6-12,13-19,20+")
    assert out["population"].tolist() == pytest.approx([100, 140, 200])
    assert out.attrs["unallocated"]["population"]["outside_target_bands"] == pytest.approx(60)


def test_reband_reports_age_unknown():
    f = _frame([(0, 14, 10), (15, None, 20), (None, None, 3)])
    out = reband(f, "0-14,15+")
    assert out["population"].tolist() == [10, 20]
    assert out.attrs["unallocated"]["population"]["age_unknown"] == 3


def test_reband_open_band_needs_a_whole_target():
    f = _frame([(80, 84, 10), (85, None, 5)])
    with pytest.raises(ParseError, match="open age band"):
        reband(f, "80-89,90+")


@given(st.text(max_size=12))
def test_any_age_label_parses_or_raises_dxlab_error(text):
    try:
        band = parse_age_band(text)
    except DxlabError:
        return
    assert band is None or (band[0] >= 0 and (band[1] is None or band[1] >= band[0]))


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=18, max_size=18))
def test_reband_conserves_the_total(counts):
    rows = [(5 * i, 5 * i + 4, c) for i, c in enumerate(counts[:-1])] + [(85, None, counts[-1])]
    out = reband(_frame(rows), "0-14,15-59,60+")
    assert out["population"].sum() == pytest.approx(sum(counts))


def test_parse_age_band_accepts_a_series():
    out = parse_age_band(pd.Series(["15～19歳", "85歳以上", "年齢不詳"]))
    assert out["age_group"].tolist() == ["15-19", "85+", "unknown"]


def _bands(rows):
    f = pd.DataFrame(rows, columns=["year", "age_group", "age_lo", "age_hi", "population"])
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = f["age_hi"].astype("Int64")
    return f


def test_collapse_top_band_sums_counts_per_group():
    """2000 publishes 80-84 (4) and 85+ (6); 2020 publishes 80-84 (5), 85-89 (3), 90-94 (2),
    95+ (1). Collapsed at 85: 2000 85+ = 6; 2020 85+ = 3 + 2 + 1 = 6."""
    from dxlab.clean import collapse_top_band

    f = _bands([(2000, "80-84", 80, 84, 4), (2000, "85+", 85, None, 6),
                (2020, "80-84", 80, 84, 5), (2020, "85-89", 85, 89, 3),
                (2020, "90-94", 90, 94, 2), (2020, "95+", 95, None, 1)])
    out = collapse_top_band(f, 85)
    assert out[["year", "age_group", "population"]].values.tolist() == [
        [2000, "80-84", 4], [2000, "85+", 6], [2020, "80-84", 5], [2020, "85+", 6]]
    assert out["age_hi"].isna().tolist() == [False, True, False, True]


def test_collapse_top_band_refuses_a_straddling_band():
    from dxlab.clean import collapse_top_band

    f = _bands([(2000, "80-89", 80, 89, 4), (2000, "90+", 90, None, 6)])
    with pytest.raises(ParseError, match="straddles the collapsed top age 85.*80-89"):
        collapse_top_band(f, 85)


def test_band_labels_are_canonical_and_sorted():
    from dxlab.clean import band_labels, bands_label

    assert band_labels("60歳以上,0～14歳,15-59") == ["0-14", "15-59", "60+"]
    assert bands_label(["0-14", "15-64", "65+"]) == "0-14 / 15-64 / 65+"
    with pytest.raises(ParseError, match="overlap"):
        band_labels("0-14,10-20")
