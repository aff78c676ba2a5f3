"""Text normalisation for Japanese official tables.

NFKC folds full-width digits and letters, half-width katakana and the ideographic space, but
leaves several characters that official tables use as punctuation: the wave dash U+301C
(「0〜4歳」), the minus sign U+2212, dashes, and the triangles △/▲ that Japanese accounts
print in front of negative numbers. :func:`normalize_text` handles those too.
(neologdn is deliberately not used: it deletes '～', which carries meaning in age labels.)
"""

from __future__ import annotations

import re
import unicodedata
from typing import overload

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


def map_unique(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value and broadcast back (see
    :func:`apply_unique`, which also says where a failing value sits). Missing stays missing."""
    return series.map(apply_unique(series, func))
