"""Numbers as printed in Japanese official documents.

Handles: thousands separators ('1,100'), approximations ('約1,100件', '3名程度', 'およそ'),
bounds ('70%以上' → bound '>='; 以下 '<=', 超 '>', 未満 '<'), rates per period ('60名/年'),
scale words (万 10^4, 千 10^3, 百 10^2, 億 10^8, 兆 10^12, composable: '3.0千万円' = 3.0×10^7 yen),
negative signs ('-', '△', '▲') and kanji numerals ('一万二千三百' = 12300, '二〇二三' = 2023).

Arithmetic uses :class:`decimal.Decimal`, so '134.2万人' is exactly 1,342,000, not
1342000.0000000002.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from dxlab.clean.text import apply_unique, normalize_text
from dxlab.errors import ParseError

SCALE_WORDS: dict[str, int] = {
    "十": 10, "百": 100, "千": 1_000, "万": 10_000, "億": 10**8, "兆": 10**12,
}
# English names of the units seen in ministry tables, for readers and schema checks.
UNIT_NAMES: dict[str, str] = {
    "人": "persons",
    "名": "persons",
    "件": "cases",
    "円": "yen",
    "%": "percent",
    "団体": "organisations",
    "回": "times",
    "校": "schools",
    "台": "units",
    "枚": "cards",
    "世帯": "households",
    "時間": "hours",
    "分": "minutes",
    "日": "days",
    "か所": "places",
    "箇所": "places",
    "施設": "facilities",
    "手続": "procedures",
    "業務": "business processes",
}
PERIOD_NAMES: dict[str, str] = {
    "年": "year", "年度": "fiscal_year", "月": "month", "日": "day", "週": "week",
}

_APPROX_PREFIX = re.compile(r"^(?:約|およそ|概ね|おおむね|ほぼ|推定)\s*")
_APPROX_SUFFIX = re.compile(r"\s*(?:程度|前後|ほど|くらい|ぐらい|強|弱)$")
_BOUND_SUFFIX = {"以上": ">=", "以下": "<=", "超": ">", "未満": "<", "超え": ">", "を超える": ">"}
_BOUND_RE = re.compile(r"\s*(以上|以下|超え|を超える|超|未満)$")
_PER_RE = re.compile(r"\s*/\s*(年度|年|月|日|週)$")
_NUMBER_RE = re.compile(r"^(?P<sign>[-+]?)\s*(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)")

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9, "壱": 1, "弐": 2, "参": 3}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10}
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_KANJI_RE = re.compile(r"^[〇零一二三四五六七八九壱弐参十百千拾万億兆]+")


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text.

    Attributes:
        value: the number in base units (scale words applied): '134.2万人' → 1342000.
        unit: the unit as printed after normalisation ('人', '円', '件', '%'), or None.
        approx: True when the text hedges ('約', '程度', 'およそ', ...).
        bound: '>=', '<=', '>' or '<' when the text states a bound ('以上' ...), else None.
        per: the period of a rate ('year' for '/年'), else None.
        raw: the original text.
    """

    value: float
    unit: str | None = None
    approx: bool = False
    bound: str | None = None
    per: str | None = None
    raw: str = ""

    @property
    def unit_name(self) -> str | None:
        """English name of the unit ('persons' for 人 and 名), or the unit itself."""
        if self.unit is None:
            return None
        return UNIT_NAMES.get(self.unit, self.unit)


def kanji_to_int(text: str) -> int:
    """Convert a kanji numeral to an int: '一万二千三百' → 12300, '二〇二三' → 2023, '十' → 10.

    Raises:
        ParseError: characters that are not kanji numerals, or a malformed numeral.
    """
    if not text or not _KANJI_RE.fullmatch(text):
        raise ParseError("not a kanji numeral", value=text, expected="e.g. '一万二千三百'")
    if all(ch in _KANJI_DIGITS for ch in text):  # positional form: 二〇二三
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    last_big = 10**16
    for ch in text:
        if ch in _KANJI_DIGITS:
            if digit is not None:
                raise ParseError("two kanji digits in a row in a unit numeral", value=text)
            digit = _KANJI_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:  # big unit
            big = _BIG_UNITS[ch]
            if big >= last_big:
                raise ParseError("kanji numeral has its big units out of order", value=text)
            chunk = section + (digit or 0)
            if chunk == 0:
                raise ParseError("kanji numeral has a big unit with nothing before it", value=text)
            total += chunk * big
            section, digit, last_big = 0, None, big
    return total + section + (digit or 0)


def _parse_one(raw: str) -> ParsedNumber:
    if not isinstance(raw, str):
        raise ParseError("parse_number expects text", value=raw)
    text = normalize_text(raw)
    if not text:
        raise ParseError("empty text where a number was expected", value=raw)
    approx = False
    m = _APPROX_PREFIX.match(text)
    if m:
        approx, text = True, text[m.end():]
    bound = per = None
    # Trailing qualifiers may come in either order: '60名/年以上' is rare but '3名程度' common.
    for _ in range(3):
        changed = False
        m = _APPROX_SUFFIX.search(text)
        if m:
            approx, text, changed = True, text[: m.start()], True
        m = _BOUND_RE.search(text)
        if m and bound is None:
            bound, text, changed = _BOUND_SUFFIX[m[1]], text[: m.start()], True
        m = _PER_RE.search(text)
        if m and per is None:
            per, text, changed = PERIOD_NAMES[m[1]], text[: m.start()], True
        if not changed:
            break
    text = text.strip()
    m = _NUMBER_RE.match(text)
    if m:
        try:
            value = Decimal(m["num"].replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - regex guarantees a number
            raise ParseError("malformed number", value=raw) from exc
        if m["sign"] == "-":
            value = -value
        rest = text[m.end():].strip()
    else:
        k = _KANJI_RE.match(text)
        if not k:
            raise ParseError(
                "no number found",
                value=raw,
                expected="a number such as '約1,100件', '70%以上', '134.2万人' or '一万二千三百'",
            )
        value = Decimal(kanji_to_int(k.group(0)))
        rest = text[k.end():].strip()
        # kanji_to_int consumed the scale words already
        unit = rest or None
        return ParsedNumber(_to_number(value), unit, approx, bound, per, raw)
    # Scale words directly after an Arabic number: 134.2万, 3.0千万, 5億
    scale = 1
    i = 0
    while i < len(rest) and rest[i] in SCALE_WORDS:
        scale *= SCALE_WORDS[rest[i]]
        i += 1
    value *= scale
    unit = rest[i:].strip() or None
    if unit is not None and re.search(r"\d", unit):
        raise ParseError("text after the number holds more digits", value=raw,
                         expected="one number per cell")
    return ParsedNumber(_to_number(value), unit, approx, bound, per, raw)


def _to_number(value: Decimal) -> float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_number(text: str | pd.Series) -> ParsedNumber | pd.DataFrame:
    """Read one number with its unit and qualifiers from Japanese text.

    Examples:
        '約1,100件' → value 1100, unit '件', approx True;
        '70%以上' → 70, '%', bound '>=';  '3名程度' → 3, '名', approx True;
        '60名/年' → 60, '名', per 'year';  '134.2万人' → 1342000, '人';
        '約3.0千万円' → 30000000, '円', approx True;  '一万二千三百' → 12300;
        '△1,234' → -1234.
    Returns:
        :class:`ParsedNumber` (``.value``, ``.unit``, ``.approx``, ``.bound``, ``.per``);
        for a Series, the DataFrame of :func:`parse_numbers`.
    Raises:
        ParseError: no number, or a cell holding more than one number.
    """
    if isinstance(text, pd.Series):
        return parse_numbers(text)
    return _parse_one(text)


def parse_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`parse_number`: one row per input row, parsed once per distinct text.

    Returns:
        DataFrame with columns value (float), unit, approx, bound, per, aligned to ``series``.
    Raises:
        ParseError: naming the first row label whose text is not a number.
    """
    parsed = apply_unique(series, _parse_one)
    uniques = list(parsed)
    fields = ["value", "unit", "approx", "bound", "per"]
    table = pd.DataFrame(
        {f: [getattr(parsed[u], f) for u in uniques] for f in fields}, index=uniques
    )
    out = table.reindex(series.to_numpy()).set_axis(series.index)
    out["value"] = out["value"].astype("float64")
    out["approx"] = out["approx"].astype("boolean")
    return out
