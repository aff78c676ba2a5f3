"""Japanese-specific cleaning helpers: pure functions on a scalar or a pandas Series.

Public names (stable): normalize_text, to_gregorian_year, to_fiscal_year, parse_number,
parse_age_band, with_check_digit; plus the helpers re-exported below.

Every helper reads text by an explicit grammar (stated in its module's docstring) and either
returns a value or raises :class:`dxlab.errors.ParseError` saying what was expected; a Series
is parsed once per distinct value and errors name the row label and the column.
"""

from dxlab.clean.ages import (
    AgeBand,
    age_label,
    band_labels,
    bands_label,
    collapse_top_band,
    is_total_age,
    is_unknown_age,
    overlap_fraction,
    parse_age_band,
    parse_age_bands,
    parse_bands,
    reband,
)
from dxlab.clean.areas import (
    PREFECTURES,
    Prefecture,
    check_digit,
    estat_area_code,
    parse_estat_area_code,
    pref_code,
    pref_name,
    prefecture,
    strip_check_digit,
    with_check_digit,
)
from dxlab.clean.dates import (
    ERA_OFFSETS,
    TimePeriod,
    decimal_year,
    fiscal_year_bounds,
    fiscal_year_of,
    parse_estat_time_code,
    parse_time,
    parse_time_label,
    to_fiscal_year,
    to_gregorian_year,
)
from dxlab.clean.numbers import (
    ParsedNumber,
    kanji_to_int,
    parse_decimals,
    parse_integers,
    parse_number,
    parse_numbers,
)
from dxlab.clean.text import map_unique, normalize_text

__all__ = [
    "ERA_OFFSETS", "PREFECTURES", "AgeBand", "ParsedNumber", "Prefecture", "TimePeriod",
    "age_label", "band_labels", "bands_label", "check_digit", "collapse_top_band",
    "decimal_year", "estat_area_code", "fiscal_year_bounds", "fiscal_year_of",
    "is_total_age", "is_unknown_age", "kanji_to_int", "map_unique", "normalize_text",
    "overlap_fraction", "parse_age_band", "parse_age_bands", "parse_bands", "parse_decimals",
    "parse_estat_area_code", "parse_estat_time_code", "parse_integers", "parse_number",
    "parse_numbers",
    "parse_time", "parse_time_label", "pref_code", "pref_name", "prefecture", "reband",
    "strip_check_digit", "to_fiscal_year", "to_gregorian_year", "with_check_digit",
]
