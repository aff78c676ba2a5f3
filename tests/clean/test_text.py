import pandas as pd
import pytest

from dxlab.clean import normalize_text


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("０～４歳", "0~4歳"),  # full-width digits and FULLWIDTH TILDE (e-Stat labels)
        ("0〜4歳", "0~4歳"),  # U+301C WAVE DASH, as in census c03.csv
        ("△１，２３４", "-1,234"),  # negative marker used in ministry accounts
        ("▲5.2", "-5.2"),
        ("−3", "-3"),  # U+2212 MINUS SIGN, untouched by NFKC
        ("北海道　札幌市", "北海道 札幌市"),  # ideographic space
        ("  ｶﾀｶﾅ ", "カタカナ"),  # half-width katakana
        ("85歳以上", "85歳以上"),
    ],
)
def test_normalize_text_handles_what_nfkc_misses(raw, want):
    assert normalize_text(raw) == want


def test_normalize_text_keeps_triangle_when_not_a_sign():
    assert normalize_text("△印") == "△印"


def test_normalize_text_series_keeps_missing_and_index():
    s = pd.Series(["０～４歳", None, "０～４歳"], index=[10, 11, 12])
    out = normalize_text(s)
    assert out.tolist()[0] == "0~4歳" and pd.isna(out.iloc[1])
    assert list(out.index) == [10, 11, 12]


def test_normalize_text_rejects_non_text():
    with pytest.raises(TypeError):
        normalize_text(12)
