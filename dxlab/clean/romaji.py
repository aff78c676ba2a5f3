"""Kana readings → Hepburn romanisation, for English area names ('みやこのじょうし' →
'Miyakonojo City').

Modified Hepburn without macrons, as in everyday English place names (Tokyo, Osaka, Kobe):
long vowels 'ou', 'oo' → 'o' and 'uu' → 'u'; っ doubles the next consonant ('ch' → 'tch');
ん is 'n'. These are romanised readings, not the municipalities' own English names.
"""

from __future__ import annotations

import unicodedata

from dxlab.errors import ParseError

_BASE = {
    "あ": "a", "い": "i", "う": "u", "え": "e", "お": "o",
    "か": "ka", "き": "ki", "く": "ku", "け": "ke", "こ": "ko",
    "さ": "sa", "し": "shi", "す": "su", "せ": "se", "そ": "so",
    "た": "ta", "ち": "chi", "つ": "tsu", "て": "te", "と": "to",
    "な": "na", "に": "ni", "ぬ": "nu", "ね": "ne", "の": "no",
    "は": "ha", "ひ": "hi", "ふ": "fu", "へ": "he", "ほ": "ho",
    "ま": "ma", "み": "mi", "む": "mu", "め": "me", "も": "mo",
    "や": "ya", "ゆ": "yu", "よ": "yo",
    "ら": "ra", "り": "ri", "る": "ru", "れ": "re", "ろ": "ro",
    "わ": "wa", "ゐ": "i", "ゑ": "e", "を": "o", "ん": "n",
    "が": "ga", "ぎ": "gi", "ぐ": "gu", "げ": "ge", "ご": "go",
    "ざ": "za", "じ": "ji", "ず": "zu", "ぜ": "ze", "ぞ": "zo",
    "だ": "da", "ぢ": "ji", "づ": "zu", "で": "de", "ど": "do",
    "ば": "ba", "び": "bi", "ぶ": "bu", "べ": "be", "ぼ": "bo",
    "ぱ": "pa", "ぴ": "pi", "ぷ": "pu", "ぺ": "pe", "ぽ": "po",
    "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゔ": "vu",
}
_YOON = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_YOON_STEM = {"き": "ky", "ぎ": "gy", "し": "sh", "じ": "j", "ち": "ch", "ぢ": "j", "に": "ny",
              "ひ": "hy", "び": "by", "ぴ": "py", "み": "my", "り": "ry"}
# Suffix readings of municipal kinds and their English words.
_SUFFIXES = (("し", "City"), ("く", "Ward"), ("まち", "Town"), ("ちょう", "Town"),
             ("むら", "Village"), ("そん", "Village"))


def romanize(kana: str) -> str:
    """Hiragana (or katakana) → lower-case Hepburn: 'みやこのじょう' → 'miyakonojo'.

    Raises:
        ParseError: a character that is not kana.
    """
    text = unicodedata.normalize("NFKC", kana)
    text = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)  # katakana
    out: list[str] = []
    double = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "っ":
            double = True
            i += 1
            continue
        if ch in ("ー", " ", "・"):
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in _YOON_STEM and nxt in _YOON:
            syl = _YOON_STEM[ch] + _YOON[nxt]
            i += 2
        elif ch in _BASE:
            syl = _BASE[ch]
            i += 1
        else:
            raise ParseError("not kana", value=kana, expected="a reading in hiragana or katakana")
        if double:
            syl = ("t" + syl) if syl.startswith("ch") else (syl[0] + syl)
            double = False
        out.append(syl)
    word = "".join(out)
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        word = word.replace(long, short)
    return word


def english_area_name(kana: str, name: str) -> str:
    """'Miyakonojo City' from the reading 'みやこのじょうし' of '都城市': the reading without its
    suffix, romanised and capitalised, and the English word for the kind (市 City, 区 Ward,
    町 Town, 村 Village)."""
    kind = name[-1:]
    for suffix, word in _SUFFIXES:
        if kana.endswith(suffix) and {"市": "City", "区": "Ward", "町": "Town",
                                      "村": "Village"}.get(kind) == word:
            stem = romanize(kana[: -len(suffix)])
            return f"{stem[:1].upper()}{stem[1:]} {word}"
    return romanize(kana).capitalize()
