"""Kana readings romanised (modified Hepburn without macrons), checked against the English
names the places themselves use."""

import pytest

from dxlab.clean.romaji import english_area_name, romanize
from dxlab.errors import ParseError


@pytest.mark.parametrize(("kana", "name", "english"), [
    ("みやこのじょうし", "都城市", "Miyakonojo City"),   # long ou → o; じょ → jo
    ("さっぽろし", "札幌市", "Sapporo City"),            # っ doubles the p
    ("めむろちょう", "芽室町", "Memuro Town"),          # 町 read ちょう
    ("ふながたまち", "舟形町", "Funagata Town"),         # 町 read まち
    ("にしあいづまち", "西会津町", "Nishiaizu Town"),    # づ → zu
    ("ちよだく", "千代田区", "Chiyoda Ward"),
    ("おおさかし", "大阪市", "Osaka City"),              # oo → o
    ("おがさわらむら", "小笠原村", "Ogasawara Village"),
    ("こうべし", "神戸市", "Kobe City"),
])
def test_english_area_names(kana, name, english):
    assert english_area_name(kana, name) == english


def test_small_tsu_before_ch_and_katakana():
    assert romanize("まっちゃ") == "matcha" and romanize("トウキョウ") == "tokyo"


def test_not_kana_is_refused():
    with pytest.raises(ParseError, match="not kana"):
        romanize("札幌")
