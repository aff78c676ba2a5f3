"""Numbers as printed in Japanese official documents.

Two readers, two grammars. Both normalise first with
:func:`~dxlab.clean.text.normalize_numeric_text` (NFKC, so '１，２３４' is '1,234'; '−', '－',
'△1' and '▲1' become '-'; surrounding white space is dropped) and refuse digit look-alikes
that NFKC would turn into other digits ('10²' is an error, not 102).

**Plain values** (:func:`parse_integers`, :func:`parse_decimals`; the value cells of CSV
files, read by :func:`dxlab.sources.tabular.to_int` and ``to_float``)::

    integer := sign? digits ('.' '0'+)?            1234, 1,234, -5, +7, 12.00
    decimal := sign? mantissa exponent?            1.5, -0.25, .5, 1,234.5, 6.02e23
    mantissa:= digits ('.' [0-9]+)? | '.' [0-9]+
    exponent:= [eE] [+-]? [0-9]+                    (decimals only: '1e3' is not a count)
    digits  := [0-9]+ | [0-9]{1,3} (',' [0-9]{3})+   (commas only between groups of three)
    sign    := '+' | '-'

Nothing else: no 'inf', 'Infinity', 'nan', no '1,2,3' or '12,34', no inner spaces. An integer
must fit in Int64 (-2^63 … 2^63-1); a decimal must be a finite float64 and may not underflow
to 0 (1e400 and 1e-400 are errors, not inf and 0.0). Declared markers ('-', '…', 'X') are
not numbers and become missing (NaN) in :func:`parse_decimals`.

**Numbers with words** (:func:`parse_number`: KPI sheets, case studies)::

    text     := approx? number unit? qualifier*
    number   := sign? (single | compound) | kanji
    single   := mantissa scale?             '1,234', '134.2万', '3.0千万', '123,456千', '5億'
    scale    := [十百千] | [十百千]? [万億兆]  ('千万' = 10^7; '万千' and '百百' are errors)
    compound := two or more groups of digits and scale words: '12万3千', '1億2,345万', '3千5百万'
    kanji    := a kanji numeral, see :func:`kanji_to_int` ('一万二千三百', '二〇二三')

A compound is read like a kanji numeral written with Arabic digits: sections closed by 万, 億,
兆 in strictly falling order; inside a section 千, 百, 十 in falling order, each after a single
digit 1-9, then optionally a whole number below the smallest of them (below 10,000 in a
section without 千/百/十: '1億2,345万'); only the very first section may be any whole number
('12,345万6千'). No part is 0 and none has a decimal fraction ('134.2万' is a single). One
space may separate the groups ('1 億 880 万人').

``unit`` is what follows ('人', '件', '円', '%'); it must be printable (:meth:`str.isprintable`:
no NUL, control, format or unassigned character), may hold no digit and may not start with a
comma, a dot or a numeral character, so '3万千', '1,2,3' and '2千三百' are errors. ``approx``
is a prefix 約/およそ/概ね/おおむね/ほぼ/推定 or a suffix 程度/前後/ほど/くらい/ぐらい/強/弱; a
``qualifier`` is a bound (以上 '>=', 以下 '<=', 超/超え/を超える '>', 未満 '<') or a rate period
('/年', '/年度', '/月', '/日', '/週'). The value must be a finite float64.

Arithmetic uses :class:`decimal.Decimal`, so '134.2万人' is exactly 1,342,000, not
1342000.0000000002.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd

from dxlab.clean.text import apply_unique, clip, normalize_numeric_text
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

# Grammar pieces (see the module docstring). [0-9], never \d: \d also matches '٣' and '𝟐'.
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
_INTEGER_TEXT = re.compile(rf"(?P<sign>[+-]?)(?P<digits>{_DIGITS})(?:\.0+)?")
_DECIMAL_TEXT = re.compile(
    rf"[+-]?(?P<mantissa>{_DIGITS}(?:\.[0-9]+)?|\.[0-9]+)(?P<exponent>[eE][+-]?[0-9]+)?"
)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_SIGN = re.compile(r"(?P<sign>[-+]?)")
# One group of a number with words: digits, an optional fraction, optional scale words.
_GROUP = re.compile(rf"(?P<num>{_DIGITS})?(?P<frac>\.[0-9]+)? ?(?P<scale>[十百千万億兆]*)")
_SCALE = re.compile(r"(?P<small>[十百千])?(?P<big>[万億兆])?")

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9, "壱": 1, "弐": 2, "参": 3}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10}
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_KANJI_RE = re.compile(r"^[〇零一二三四五六七八九壱弐参十百千拾万億兆]+")
_NUMERAL_CHARS = frozenset("〇零一二三四五六七八九壱弐参十百千拾万億兆")
_MAX_POSITIONAL = 20  # '二〇二三' has 4 digits; a longer run is not a number anyone prints
_FLOAT_MAX = Decimal(sys.float_info.max)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


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

    Two forms are read:

    - positional: only digit characters (〇零一二三四五六七八九壱弐参), read left to right
      as decimal digits, at most 20 of them: '二〇二三' → 2023, '三一' → 31;
    - with units: sections closed by 万, 億, 兆 in strictly falling order; inside a section
      千, 百, 十 (拾) each at most once and in falling order, each preceded by at most one
      digit 1-9 (none means 1), then at most one digit for the ones: '三十一' → 31,
      '千二百' → 1200, '三千五百万' → 35,000,000, '一億二千万' → 120,000,000.

    Raises:
        ParseError: characters that are not kanji numerals, or a malformed numeral
            ('百百', '十十', '万億', '二三百', '〇百', '万').
    """
    if not isinstance(text, str) or not text or not _KANJI_RE.fullmatch(text):
        raise ParseError("not a kanji numeral", value=clip(text), expected="e.g. '一万二千三百'")
    if all(ch in _KANJI_DIGITS for ch in text):  # positional form: 二〇二三
        if len(text) > _MAX_POSITIONAL:
            raise ParseError(f"positional kanji numeral longer than {_MAX_POSITIONAL} digits",
                             value=clip(text))
        value = 0
        for ch in text:
            value = value * 10 + _KANJI_DIGITS[ch]
        return value
    total, section, digit = 0, 0, None
    last_small, last_big = 10**4, 10**16
    for ch in text:
        if ch in _KANJI_DIGITS:
            if digit is not None:
                raise ParseError("two kanji digits in a row in a numeral with units",
                                 value=clip(text), expected="e.g. '二千三百' (not '二三百')")
            digit = _KANJI_DIGITS[ch]
            if digit == 0:
                raise ParseError("〇 or 零 inside a numeral with units", value=clip(text),
                                 expected="e.g. '二千五' or the positional '二〇〇五'")
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                raise ParseError("kanji numeral repeats 十/百/千 or has them out of order",
                                 value=clip(text), expected="e.g. '二千三百' (not '百百')")
            section += (1 if digit is None else digit) * unit
            digit, last_small = None, unit
        else:  # big unit
            big = _BIG_UNITS[ch]
            if big >= last_big:
                raise ParseError("kanji numeral repeats 万/億/兆 or has them out of order",
                                 value=clip(text), expected="e.g. '一億二千万'")
            chunk = section + (digit or 0)
            if chunk == 0:
                raise ParseError("kanji numeral has a big unit with nothing before it",
                                 value=clip(text))
            total += chunk * big
            section, digit, last_small, last_big = 0, None, 10**4, big
    return total + section + (digit or 0)


def _too_large(raw: str) -> ParseError:
    return ParseError("number too large for a float64", value=clip(raw),
                      expected=f"a magnitude below {sys.float_info.max:.3g}")


def _compound(groups: list[re.Match], raw: str) -> int:
    """Value of a compound such as '12万3千' or '1億2,345万' (grammar in the module docstring)."""
    total, section = 0, 0
    last_small, last_big = 10**4, 10**16
    for i, g in enumerate(groups):
        if g["frac"]:
            raise ParseError("decimal fraction inside a number with several scale words",
                             value=clip(raw), expected="e.g. '134.2万' or '12万3千'")
        n = int(g["num"].replace(",", ""))
        if n == 0:
            raise ParseError("zero before a scale word", value=clip(raw))
        scale = _SCALE.fullmatch(g["scale"])
        if scale is None:
            raise ParseError("scale words out of order", value=clip(raw),
                             expected="one of 十/百/千 and then at most one of 万/億/兆")
        small, big = scale["small"], scale["big"]
        if small:
            unit = SCALE_WORDS[small]
            if n > 9 or "," in g["num"]:
                raise ParseError(f"more than one digit before {small} in a compound number",
                                 value=clip(raw), expected="e.g. '12万3千' (one digit before 千)")
            if unit >= last_small:
                raise ParseError("十/百/千 repeated or out of order", value=clip(raw),
                                 expected="e.g. '3千5百万'")
            section += n * unit
            last_small = unit
        else:
            if i > 0 and n >= last_small:
                raise ParseError(f"{g['num']} does not fit below the scale word before it",
                                 value=clip(raw),
                                 expected="e.g. '1億2,345万' (each part below the one before)")
            section += n
            last_small = 1
        if big:
            unit = SCALE_WORDS[big]
            if unit >= last_big:
                raise ParseError("万/億/兆 repeated or out of order", value=clip(raw),
                                 expected="e.g. '1億2,345万' (億 before 万)")
            total += section * unit
            section, last_small, last_big = 0, 10**4, unit
    return total + section


def _read_groups(text: str) -> tuple[list[re.Match], int]:
    """Groups of digits and scale words at the start of ``text``; returns (groups, end)."""
    groups: list[re.Match] = []
    pos = 0
    while True:
        g = _GROUP.match(text, pos)
        if (g is None or not (g["num"] or g["frac"])) and groups and text.startswith(" ", pos):
            g = _GROUP.match(text, pos + 1)  # one space between groups: '1 億 880 万人'
        if g is None or not (g["num"] or g["frac"]):
            break
        groups.append(g)
        pos = g.end()
        if not g["scale"]:  # a number without scale word ends the numeral
            pos -= g.group().endswith(" ")  # the space belongs to what follows
            break
    return groups, pos


def _parse_one(raw: str) -> ParsedNumber:
    if not isinstance(raw, str):
        raise ParseError("parse_number expects text", value=raw)
    text = normalize_numeric_text(raw)
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
    sign = _SIGN.match(text)["sign"]
    body = text[len(sign):].lstrip()
    groups, end = _read_groups(body)
    with localcontext() as ctx:
        ctx.prec = 1000  # exact for every value below the float64 limit
        if not groups:
            if sign:
                raise ParseError("no number after the sign", value=clip(raw))
            k = _KANJI_RE.match(body)
            if not k:
                raise ParseError(
                    "no number found",
                    value=clip(raw),
                    expected="a number such as '約1,100件', '70%以上', '134.2万人', "
                    "'12万3千人' or '一万二千三百'",
                )
            value = Decimal(kanji_to_int(k.group(0)))
            end = k.end()
        elif len(groups) == 1:
            g = groups[0]
            num = (g["num"] or "").replace(",", "")
            if len(num) > 330:
                raise _too_large(raw)
            if g["scale"] and _SCALE.fullmatch(g["scale"]) is None:
                raise ParseError("scale words out of order", value=clip(raw),
                                 expected="one of 十/百/千 and then at most one of 万/億/兆 "
                                 "('3.0千万')")
            value = Decimal((num or "0") + (g["frac"] or ""))
            for word in g["scale"]:
                value *= SCALE_WORDS[word]
        else:
            if any(len(g["num"] or "") > 330 for g in groups):
                raise _too_large(raw)
            if any(not g["num"] for g in groups):
                raise ParseError("decimal fraction inside a number with several scale words",
                                 value=clip(raw))
            value = Decimal(_compound(groups, raw))
        if sign == "-":
            value = -value
        if abs(value) > _FLOAT_MAX:
            raise _too_large(raw)
        number = _to_number(value)
    unit = body[end:].strip() or None
    if unit is not None:
        if unit[0] == "," and groups:
            raise ParseError("misplaced thousands separator", value=clip(raw),
                             expected="commas only between groups of three digits ('1,234')")
        if re.search(r"[0-9]", unit) or unit[0] in ",." or unit[0] in _NUMERAL_CHARS:
            raise ParseError("text after the number holds more digits or numerals",
                             value=clip(raw),
                             expected="one well-formed number per cell ('1,234', '12万3千人')")
        if not unit.isprintable():
            raise ParseError("unit holds a control, format or unassigned character",
                             value=clip(raw), expected="a printed unit such as '人' or '件'")
    return ParsedNumber(number, unit, approx, bound, per, raw)


def _to_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_number(text: str | pd.Series) -> ParsedNumber | pd.DataFrame:
    """Read one number with its unit and qualifiers from Japanese text.

    The accepted grammar is in the module docstring. Examples:
        '約1,100件' → value 1100, unit '件', approx True;
        '70%以上' → 70, '%', bound '>=';  '3名程度' → 3, '名', approx True;
        '60名/年' → 60, '名', per 'year';  '134.2万人' → 1342000, '人';
        '約3.0千万円' → 30000000, '円', approx True;  '一万二千三百' → 12300;
        '12万3千人' → 123000, '人';  '1億2,345万円' → 123450000, '円';  '△1,234' → -1234.
    Returns:
        :class:`ParsedNumber` (``.value``, ``.unit``, ``.approx``, ``.bound``, ``.per``);
        for a Series, the DataFrame of :func:`parse_numbers`.
    Raises:
        ParseError: no number, a malformed one ('1,2,3', '百百', '3万千', '10²人'), a cell
            holding more than one number, or a value beyond float64.
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
    # one row per distinct text, then taken by position (code -1, a missing cell, gives NaN);
    # an index of the texts themselves could not hold a lone surrogate
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    fields = ["value", "unit", "approx", "bound", "per"]
    table = pd.DataFrame({f: [getattr(parsed[u], f) for u in uniques] for f in fields})
    out = table.reindex(codes).set_axis(series.index)
    out["value"] = out["value"].astype("float64")
    out["approx"] = out["approx"].astype("boolean")
    return out


# --- plain values: parse_integers / parse_decimals -----------------------------------------

_INTEGER_EXPECTED = ("a whole number: digits with an optional sign, commas only between "
                     "groups of three (1234, 1,234, -5)")
_DECIMAL_EXPECTED = ("a finite number: digits with an optional sign, fraction and exponent, "
                     "commas only between groups of three (1.5, -1,234.5, 6.02e23)")


class _Missing:
    """Stands in for a missing cell so that apply_unique locates it like a bad value."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _why(text: str, what: str) -> str:
    """The problem with ``text`` that matched neither grammar, in a few words."""
    word = text.lstrip("+-").lower()
    if word in {"inf", "infinity", "nan"}:
        return f"{what}: infinity and NaN are not accepted"
    if re.fullmatch(r"[+-]?[0-9,]*[0-9][0-9,]*(?:\.[0-9]+)?", text):
        return f"{what}: commas must separate groups of three digits"
    return what


def _integer_one(value: object) -> int:
    if type(value) is str and len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)  # the common case, '3467156', without normalising
    if value is _MISSING:
        raise ParseError("missing value where a whole number is required",
                         expected=_INTEGER_EXPECTED)
    if isinstance(value, bool | np.bool_):
        raise ParseError("not a whole number (a boolean)", value=value)
    if isinstance(value, int | np.integer):
        n = int(value)
    elif isinstance(value, float | np.floating):
        if not math.isfinite(value) or value != int(value):
            raise ParseError("not a whole number", value=value, expected=_INTEGER_EXPECTED)
        n = int(value)
    elif isinstance(value, str):
        text = normalize_numeric_text(value)
        m = _INTEGER_TEXT.fullmatch(text)
        if m is None:
            dec = _DECIMAL_TEXT.fullmatch(text)
            if dec and dec["exponent"]:
                problem = "not a whole number: exponent notation is not accepted for counts"
            elif dec:
                problem = "not a whole number: it has a decimal fraction"
            else:
                problem = _why(text, "not a whole number")
            raise ParseError(problem, value=clip(value), expected=_INTEGER_EXPECTED)
        digits = m["digits"].replace(",", "").lstrip("0") or "0"
        if len(digits) > 19:  # checked before int(): Python refuses very long digit strings
            raise ParseError("whole number outside the Int64 range", value=clip(value),
                             expected=f"{_INT64_MIN} … {_INT64_MAX}")
        n = int(digits) * (-1 if m["sign"] == "-" else 1)
    else:
        raise ParseError("not a whole number (expected text)", value=value)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise ParseError("whole number outside the Int64 range", value=clip(value),
                         expected=f"{_INT64_MIN} … {_INT64_MAX}")
    return n


def _decimal_one(value: object, markers: frozenset[str]) -> float:
    if (type(value) is str and len(value) <= 300 and value.isascii()
            and value not in markers and _PLAIN_DECIMAL.fullmatch(value)):
        return float(value)  # the common case, '54.6': no normalising, cannot overflow
    if value is _MISSING:
        raise ParseError("missing value where a number is required", expected=_DECIMAL_EXPECTED)
    if isinstance(value, bool | np.bool_):
        raise ParseError("not a number (a boolean)", value=value)
    if isinstance(value, int | np.integer | float | np.floating):
        try:
            x = float(value)
        except OverflowError:
            raise ParseError("number out of the float64 range", value=clip(value)) from None
        if not math.isfinite(x):
            raise ParseError("not a number: infinity and NaN are not accepted", value=value)
        return x
    if not isinstance(value, str):
        raise ParseError("not a number (expected text)", value=value)
    if value in markers:
        return math.nan
    text = normalize_numeric_text(value)
    if text in markers:
        return math.nan
    m = _DECIMAL_TEXT.fullmatch(text)
    if m is None:
        listed = f" or one of the markers {sorted(markers)}" if markers else ""
        raise ParseError(_why(text, "not a number"), value=clip(value),
                         expected=_DECIMAL_EXPECTED + listed)
    x = float(text.replace(",", ""))
    if math.isinf(x):
        raise ParseError("number out of the float64 range (it would be infinity)",
                         value=clip(value), expected=f"a magnitude below {sys.float_info.max:.3g}")
    if x == 0 and re.search(r"[1-9]", m["mantissa"]):
        raise ParseError("number too small for a float64 (it would be 0)", value=clip(value),
                         expected="a magnitude of at least 5e-324 (the smallest float64), or 0")
    return x


def _with_missing(series: pd.Series, allow_missing: bool) -> pd.Series:
    """``series`` with missing cells replaced by a marker that the parser rejects, unless
    missing values are allowed."""
    if allow_missing or not series.isna().any():
        return series
    return series.astype("object").where(series.notna(), _MISSING)


def parse_integers(series: pd.Series, *, allow_missing: bool = False) -> pd.Series:
    """Strict whole numbers (counts, years, codes) → nullable Int64, once per distinct value.

    Accepts the ``integer`` grammar of the module docstring ('1234', '1,234', '-5', '+7',
    '12.00', full-width digits) and Python/numpy ints and whole floats; rejects '1,2,3',
    '12,34', '1e3', '1.5', 'inf', 'nan', booleans and anything outside -2^63 … 2^63-1.

    Args:
        series: the cells; its index labels and name locate errors.
        allow_missing: keep missing cells (None, NaN, NA) as <NA> instead of raising.
    Returns:
        Int64 Series aligned to ``series`` (same index and name).
    Raises:
        ParseError: at the first row (index label) and column (series name) holding a bad
            or (unless allowed) missing value, stating what was expected.
    """
    table = apply_unique(_with_missing(series, allow_missing), _integer_one)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.array([table[u] for u in uniques], dtype=np.int64)
    mask = codes < 0
    data = values[np.where(mask, 0, codes)] if len(values) else np.zeros(len(codes), np.int64)
    return pd.Series(pd.arrays.IntegerArray(data, mask), index=series.index, name=series.name)


def parse_decimals(series: pd.Series, *, markers: Iterable[str] = (),
                   allow_missing: bool = False) -> pd.Series:
    """Strict decimal numbers (rates, percents, amounts) → float64, once per distinct value.

    Accepts the ``decimal`` grammar of the module docstring ('1.5', '-1,234.5', '.5',
    '6.02e23', full-width digits) and finite Python/numpy numbers; rejects '1,2,3', 'inf',
    '-Infinity', 'nan', '1e400' (overflow) and '1e-400' (underflow to 0).

    Args:
        series: the cells; its index labels and name locate errors.
        markers: cells that mean 'no value' in this table ('-', '…', '***', 'X'); compared
            with the raw cell and with its normalised form; they become NaN.
        allow_missing: keep missing cells as NaN instead of raising.
    Returns:
        float64 Series aligned to ``series`` (same index and name).
    Raises:
        ParseError: at the first row (index label) and column (series name) holding a bad
            or (unless allowed) missing value, stating what was expected.
    """
    marks = frozenset(markers)
    table = apply_unique(_with_missing(series, allow_missing),
                         lambda v: _decimal_one(v, marks))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.array([table[u] for u in uniques] + [math.nan], dtype=np.float64)
    return pd.Series(values[codes], index=series.index, name=series.name, dtype="float64")
