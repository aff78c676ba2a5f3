"""Japanese area codes: prefectures, local-government codes and e-Stat area codes.

- Prefectures: JIS X 0401 two-digit codes '01' (北海道) … '47' (沖縄県).
- 全国地方公共団体コード (JIS X 0402 + check digit): 5 digits identify a local government
  (13101 千代田区); the 6th digit is a check digit: multiply the five digits by 6, 5, 4, 3, 2,
  sum, take the remainder r mod 11; the check digit is (11 − r) mod 10 (so r = 0 gives 1,
  r = 1 gives 0). 13101 → 131016, 28100 → 281000, 01100 → 011002.
- e-Stat area codes are five digits: '00000' national, 'PP000' a prefecture, else a municipality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from dxlab.clean.text import clip, map_unique, normalize_numeric_text, normalize_text
from dxlab.errors import ParseError


@dataclass(frozen=True)
class Prefecture:
    """One of the 47 prefectures (JIS X 0401)."""

    code: str
    name: str
    short_name: str
    name_en: str


_PREFS = [
    ("01", "北海道", "北海道", "Hokkaido"), ("02", "青森県", "青森", "Aomori"),
    ("03", "岩手県", "岩手", "Iwate"), ("04", "宮城県", "宮城", "Miyagi"),
    ("05", "秋田県", "秋田", "Akita"), ("06", "山形県", "山形", "Yamagata"),
    ("07", "福島県", "福島", "Fukushima"), ("08", "茨城県", "茨城", "Ibaraki"),
    ("09", "栃木県", "栃木", "Tochigi"), ("10", "群馬県", "群馬", "Gunma"),
    ("11", "埼玉県", "埼玉", "Saitama"), ("12", "千葉県", "千葉", "Chiba"),
    ("13", "東京都", "東京", "Tokyo"), ("14", "神奈川県", "神奈川", "Kanagawa"),
    ("15", "新潟県", "新潟", "Niigata"), ("16", "富山県", "富山", "Toyama"),
    ("17", "石川県", "石川", "Ishikawa"), ("18", "福井県", "福井", "Fukui"),
    ("19", "山梨県", "山梨", "Yamanashi"), ("20", "長野県", "長野", "Nagano"),
    ("21", "岐阜県", "岐阜", "Gifu"), ("22", "静岡県", "静岡", "Shizuoka"),
    ("23", "愛知県", "愛知", "Aichi"), ("24", "三重県", "三重", "Mie"),
    ("25", "滋賀県", "滋賀", "Shiga"), ("26", "京都府", "京都", "Kyoto"),
    ("27", "大阪府", "大阪", "Osaka"), ("28", "兵庫県", "兵庫", "Hyogo"),
    ("29", "奈良県", "奈良", "Nara"), ("30", "和歌山県", "和歌山", "Wakayama"),
    ("31", "鳥取県", "鳥取", "Tottori"), ("32", "島根県", "島根", "Shimane"),
    ("33", "岡山県", "岡山", "Okayama"), ("34", "広島県", "広島", "Hiroshima"),
    ("35", "山口県", "山口", "Yamaguchi"), ("36", "徳島県", "徳島", "Tokushima"),
    ("37", "香川県", "香川", "Kagawa"), ("38", "愛媛県", "愛媛", "Ehime"),
    ("39", "高知県", "高知", "Kochi"), ("40", "福岡県", "福岡", "Fukuoka"),
    ("41", "佐賀県", "佐賀", "Saga"), ("42", "長崎県", "長崎", "Nagasaki"),
    ("43", "熊本県", "熊本", "Kumamoto"), ("44", "大分県", "大分", "Oita"),
    ("45", "宮崎県", "宮崎", "Miyazaki"), ("46", "鹿児島県", "鹿児島", "Kagoshima"),
    ("47", "沖縄県", "沖縄", "Okinawa"),
]
PREFECTURES: tuple[Prefecture, ...] = tuple(Prefecture(*p) for p in _PREFS)
_BY_CODE = {p.code: p for p in PREFECTURES}
_BY_NAME: dict[str, Prefecture] = {}
for _p in PREFECTURES:
    for _key in (_p.name, _p.short_name, _p.name_en.lower(), _p.name_en.lower() + "-ken"):
        _BY_NAME[_key] = _p
_BY_NAME["hokkaidō"] = _BY_CODE["01"]
_BY_NAME["tōkyō"] = _BY_CODE["13"]


def prefecture(key: str | int) -> Prefecture:
    """Look a prefecture up by JIS code ('13', 13, '13000'), name with or without 都/道/府/県
    ('東京都', '東京') or English name ('Tokyo').

    Raises:
        ParseError: naming the key when no prefecture matches.
    """
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 99:
        key = f"{key:02d}"
    if not isinstance(key, str):
        raise ParseError("prefecture key must be a code 1-47 or a name", value=clip(key))
    # spaces go ('東京 都'), except between two digits: '1 3' is not 13
    text = re.sub(r"(?<![0-9]) | (?![0-9])", "", normalize_numeric_text(key))
    if re.fullmatch(r"[0-9]{1,2}", text):
        text = text.zfill(2)
    elif re.fullmatch(r"[0-9]{2}000", text):  # e-Stat prefecture area code
        text = text[:2]
    if text in _BY_CODE:
        return _BY_CODE[text]
    found = _BY_NAME.get(text) or _BY_NAME.get(text.lower())
    if found is None:
        raise ParseError(
            "prefecture not found", value=clip(key),
            expected="a JIS code 01-47 or one of the 47 names (e.g. '東京都', '東京', 'Tokyo')",
        )
    return found


def _pref_code_one(key: str | int) -> str:
    """Two-digit JIS X 0401 code of a prefecture: '東京' → '13', '大阪府' → '27'."""
    return prefecture(key).code


def _pref_name_one(key: str | int) -> str:
    """Official Japanese name of a prefecture: '13' → '東京都'."""
    return prefecture(key).name


def check_digit(code5: str) -> str:
    """Check digit of a 5-digit local-government code (see the module docstring).

    Raises:
        ParseError: anything but a string of five digits 0-9.
    """
    if not isinstance(code5, str) or not re.fullmatch(r"[0-9]{5}", code5):
        raise ParseError("local-government code must have 5 digits", value=clip(code5))
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def _with_check_digit_one(code: str | int) -> str:
    """5-digit local-government code → 6-digit code with check digit: '13101' → '131016'.

    An int loses its leading zero in many files (1100 for 札幌市 01100); it is zero-padded.
    A 6-digit code is verified and returned unchanged.

    Raises:
        ParseError: wrong length, non-digits, or a 6-digit code whose check digit is wrong.
    """
    text = _code_text(code, 5)
    if re.fullmatch(r"[0-9]{6}", text):
        return _strip_check_digit_one(text) + text[5]
    if not re.fullmatch(r"[0-9]{5}", text):
        raise ParseError("local-government code must have 5 digits (or 6 with check digit)",
                         value=clip(code))
    return text + check_digit(text)


def _strip_check_digit_one(code: str | int) -> str:
    """6-digit code with check digit → 5-digit code, verifying the digit: '281000' → '28100'.

    Ints are zero-padded to 6 digits (11002 → '011002').

    Raises:
        ParseError: when the check digit is wrong, naming the expected digit.
    """
    text = _code_text(code, 6)
    if not re.fullmatch(r"[0-9]{6}", text):
        raise ParseError("local-government code with check digit must have 6 digits",
                         value=clip(code))
    want = check_digit(text[:5])
    if text[5] != want:
        raise ParseError(
            "wrong check digit in local-government code", value=clip(code),
            expected=f"{text[:5]}{want}",
        )
    return text[:5]


def _code_text(code: object, width: int) -> str:
    """A code as text: an int is zero-padded to ``width`` (it lost its leading zeros in a
    spreadsheet); text is normalised (full-width digits are fine, look-alikes are not)."""
    if isinstance(code, int) and not isinstance(code, bool):
        return f"{code:0{width}d}" if 0 <= code < 10**width else "?"
    return normalize_numeric_text(str(code))


def estat_area_code(pref: str | int | None = None) -> str:
    """e-Stat area code: None → '00000' (全国); a prefecture → 'PP000' ('東京' → '13000')."""
    if pref is None:
        return "00000"
    return pref_code(pref) + "000"


def parse_estat_area_code(code: str) -> dict[str, str | None]:
    """Classify an e-Stat area code.

    Returns:
        {'level': 'national'|'prefecture'|'municipality', 'pref_code': '13' or None,
        'muni_code5': '13101' or None}.
    Raises:
        ParseError: not five digits, or a prefecture part outside 01-47.
    """
    text = normalize_numeric_text(str(code))
    if not re.fullmatch(r"[0-9]{5}", text):
        raise ParseError("e-Stat area code must have 5 digits", value=clip(code))
    if text == "00000":
        return {"level": "national", "pref_code": None, "muni_code5": None}
    pc = text[:2]
    if pc not in _BY_CODE:
        raise ParseError("e-Stat area code has no prefecture 01-47", value=code)
    if text.endswith("000"):
        return {"level": "prefecture", "pref_code": pc, "muni_code5": None}
    return {"level": "municipality", "pref_code": pc, "muni_code5": text}


def _series_or_scalar(func, value, name: str):
    return map_unique(value, func) if isinstance(value, pd.Series) else func(value)


def pref_code(key: str | int | pd.Series) -> str | pd.Series:
    """Two-digit JIS X 0401 code of a prefecture: '東京' → '13', '大阪府' → '27'.
    A Series is converted per distinct value; errors name the row."""
    return _series_or_scalar(_pref_code_one, key, "pref_code")


def pref_name(key: str | int | pd.Series) -> str | pd.Series:
    """Official Japanese name of a prefecture: '13' → '東京都' (scalar or Series)."""
    return _series_or_scalar(_pref_name_one, key, "pref_name")


def with_check_digit(code: str | int | pd.Series) -> str | pd.Series:
    """5-digit local-government code → 6-digit code with check digit: '13101' → '131016'.

    An int loses its leading zero in many files (1100 for 札幌市 01100); it is zero-padded.
    A 6-digit code is verified and returned unchanged. Scalar or Series.

    Raises:
        ParseError: wrong length, non-digits, or a 6-digit code whose check digit is wrong.
    """
    return _series_or_scalar(_with_check_digit_one, code, "with_check_digit")


def strip_check_digit(code: str | int | pd.Series) -> str | pd.Series:
    """6-digit code with check digit → 5-digit code, verifying the digit: '281000' → '28100'.

    Ints are zero-padded to 6 digits (11002 → '011002'). Scalar or Series.

    Raises:
        ParseError: when the check digit is wrong, naming the expected digit.
    """
    return _series_or_scalar(_strip_check_digit_one, code, "strip_check_digit")


# 指定都市 (designated cities under the Local Autonomy Act, art. 252-19): the 20 cities and
# their codes, as listed by MIC (総務省「指定都市一覧」); the most recent designation is 熊本市
# (2012-04-01). The MIC municipal card tables list them as whole cities.
DESIGNATED_CITIES: dict[str, str] = {
    "01100": "札幌市", "04100": "仙台市", "11100": "さいたま市", "12100": "千葉市",
    "14100": "横浜市", "14130": "川崎市", "14150": "相模原市", "15100": "新潟市",
    "22100": "静岡市", "22130": "浜松市", "23100": "名古屋市", "26100": "京都市",
    "27100": "大阪市", "27140": "堺市", "28100": "神戸市", "33100": "岡山市",
    "34100": "広島市", "40100": "北九州市", "40130": "福岡市", "43100": "熊本市",
}


def municipality_kind(code5: str, name: str) -> str:
    """Kind of a municipality: '政令市' (designated city), '特別区' (Tokyo's 23 wards,
    13101-13123), else '市', '町' or '村' by the last character of its name.

    Raises:
        ParseError: a name that ends in none of 市, 町, 村 (and is not a 特別区).
    """
    code = normalize_text(str(code5))
    if code in DESIGNATED_CITIES:
        return "政令市"
    if re.fullmatch(r"131(0[1-9]|1\d|2[0-3])", code):
        return "特別区"
    last = normalize_text(str(name))[-1:]
    if last in ("市", "町", "村"):
        return last
    raise ParseError("municipality name ends in none of 市, 町, 村", value=name,
                     expected="a municipal name such as '都城市', '西会津町', '舟形町'")
