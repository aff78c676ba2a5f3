"""Text normalisation for Japanese official tables.

NFKC folds full-width digits and letters, half-width katakana and the ideographic space, but
leaves several characters that official tables use as punctuation: the wave dash U+301C
(「0〜4歳」), the minus sign U+2212, dashes, and the triangles △/▲ that Japanese accounts
print in front of negative numbers. :func:`normalize_text` handles those too.
(neologdn is deliberately not used: it deletes '～', which carries meaning in age labels.)

Digit look-alikes. NFKC also turns superscripts, subscripts, circled and parenthesised
numbers, vulgar fractions, mathematical digits and the CJK compatibility squares into plain
digits: '10²' → '102', '①' → '1', '½' → '1⁄2', '㋀' → '1月', '㎡' → 'm2'. That is harmless for
free text, but in a number, year, age, code or date it silently makes a different value
('10²人' would read as 102). :func:`normalize_numeric_text` is the normalisation every
cleaning helper that reads digits uses: it refuses, with a :class:`ParseError` naming the
character, any character other than 0-9 and full-width ０-９ whose NFKC form contains a
digit, and then applies :func:`normalize_text`. Digits of other scripts ('٣') are left
as they are by NFKC and are not digits to the helpers' grammars, which accept 0-9 only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import overload

import numpy as np
import pandas as pd

from dxlab.errors import ParseError

# Applied after NFKC. Wave dash and fullwidth tilde (NFKC already maps U+FF5E) become '~';
# minus-like characters become ASCII '-'. Katakana prolonged sound mark U+30FC is a letter and
# stays. The ideographic space is mapped by NFKC to ' ' already; kept here for clarity.
_AFTER_NFKC = str.maketrans(
    {
        "\u301c": "~",  # 〜 WAVE DASH
        "\uff5e": "~",  # ～ FULLWIDTH TILDE
        "\u2053": "~",  # ⁓ SWUNG DASH
        "\u2212": "-",  # − MINUS SIGN
        "\u2010": "-",  # ‐ HYPHEN
        "\u2011": "-",  # ‑ NON-BREAKING HYPHEN
        "\u2012": "-",  # ‒ FIGURE DASH
        "\u2013": "-",  # – EN DASH
        "\u2014": "-",  # — EM DASH
        "\u2015": "-",  # ― HORIZONTAL BAR
        "\uff0d": "-",  # － FULLWIDTH HYPHEN-MINUS (NFKC maps it; kept for clarity)
        "\u3000": " ",  # ideographic space
        "\u00a0": " ",
    }
)
# △ / ▲ directly before a number mark it negative ('△1,234' = -1234).
_TRIANGLE_NEG = re.compile(r"[△▲]\s*(?=[0-9.])")
_SPACES = re.compile(r"\s+")


def _normalize_one(text: str) -> str:
    out = unicodedata.normalize("NFKC", text).translate(_AFTER_NFKC)
    out = _TRIANGLE_NEG.sub("-", out)
    return _SPACES.sub(" ", out).strip()


@overload
def normalize_text(text: str) -> str: ...
@overload
def normalize_text(text: pd.Series) -> pd.Series: ...


def normalize_text(text: str | pd.Series) -> str | pd.Series:
    """Normalise a label: NFKC plus the cases NFKC misses.

    Steps: NFKC; wave dash / fullwidth tilde to '~'; minus sign and dashes to '-';
    '△' or '▲' before a number to '-'; runs of white space (incl. ideographic space) to one
    space; strip.

    Args:
        text: a string, or a pandas Series of strings (missing values stay missing).
    Returns:
        The normalised string or Series. A Series is normalised per distinct value, so
        cost grows with the number of distinct labels, not rows.

    >>> normalize_text('０～４歳')
    '0~4歳'
    >>> normalize_text('△１，２３４')
    '-1,234'
    """
    if isinstance(text, pd.Series):
        return map_unique(text, _normalize_one)
    if not isinstance(text, str):
        raise TypeError(f"normalize_text expects str or pandas Series, got {type(text).__name__}")
    return _normalize_one(text)


_ASCII_DIGITS = frozenset("0123456789")
_PLAIN_DIGITS = _ASCII_DIGITS | frozenset("０１２３４５６７８９")


@lru_cache(maxsize=4096)
def _makes_digits(ch: str) -> bool:
    """True for a character other than 0-9 / ０-９ whose NFKC form contains a digit 0-9."""
    return ch not in _PLAIN_DIGITS and any(c in _ASCII_DIGITS
                                           for c in unicodedata.normalize("NFKC", ch))


def clip(value: object, limit: int = 200) -> object:
    """``value`` for an error message: text longer than ``limit`` characters is cut and
    marked with '…', so that a 1 MB cell does not become a 1 MB message; an int too long to
    print (Python refuses ints of more than 4300 digits) is described instead."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    if isinstance(value, int) and value.bit_length() > 3 * limit:
        return f"<int of {value.bit_length()} bits>"
    return value


def normalize_numeric_text(text: str) -> str:
    """:func:`normalize_text` for text that holds digits (numbers, years, ages, codes).

    Args:
        text: one string.
    Returns:
        The normalised string.
    Raises:
        ParseError: a digit look-alike that NFKC would turn into different digits
            ('²', '①', '½', '𝟐', '㋀' ...; see the module docstring), or non-text input.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    if not text.isascii():
        for ch in set(text):
            if _makes_digits(ch):
                raise ParseError(
                    f"digit look-alike {ch!r} (U+{ord(ch):04X}) where plain digits are expected",
                    value=clip(text),
                    expected="digits 0-9 (full-width ０-９ also accepted)",
                )
    return _normalize_one(text)


def apply_unique(series: pd.Series, func) -> dict:
    """``{value: func(value)}`` for each distinct non-missing value of ``series``.

    Official tables repeat a few thousand labels over millions of rows; this keeps cleaning
    cost proportional to the distinct labels.

    Raises:
        ParseError: from ``func``, located at the first row (index label) holding the value
            and at the series' name as column.
    """
    out = {}
    for value in series.dropna().unique():
        try:
            out[value] = func(value)
        except ParseError as err:
            row = series.index[(series == value).to_numpy()][0]
            raise err.located(row=row, column=series.name) from None
    return out


def _broadcast(series: pd.Series, table: dict) -> list:
    """``[table[v] for v in series]`` with NaN for missing cells, computed per distinct value.

    (Not ``series.map(table)``: pandas builds an index of the table's keys, and its text dtype
    cannot hold a lone surrogate such as U+D800, which would crash it.)
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = [table[u] for u in uniques]
    values.append(np.nan)
    return [values[c] for c in codes]


def map_unique(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value and broadcast back (see
    :func:`apply_unique`, which also says where a failing value sits). Missing stays missing.

    The result's dtype is inferred as ``Series.map`` would; results that pandas' text dtype
    cannot hold (lone surrogates) stay Python objects.
    """
    values = _broadcast(series, apply_unique(series, func))
    try:
        return pd.Series(values, index=series.index, name=series.name)
    except UnicodeEncodeError:
        return pd.Series(values, index=series.index, name=series.name, dtype="object")
