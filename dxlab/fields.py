"""The field dictionary: every column of every tidy dataset, declared once.

A :class:`Field` says what a column holds (description), its kind of value (``integer``,
``float``, ``text``, ``date``, ``bool``), its unit, and the checks every value must pass
(ranges, patterns, vocabularies). Dataset specs (``dxlab/specs``) list which fields they
produce; the engine (:mod:`dxlab.sources.engine`) coerces raw text through these declarations
and derives the pandera schema, the units and the uniqueness check from them. A column name
therefore means the same thing, with the same unit and checks, in every dataset.

Why one module and not a package: it is one dictionary that every other layer reads; splitting
it by publisher would let two publishers declare ``population`` twice, which is what it exists
to prevent. Provenance (who published which file) is data, kept in ``data/raw/catalog.toml``.

Naming rules (after PUDL's naming grammar; see ``../shared/STYLE.md``): snake_case English;
units in the name where not obvious (``issuance_rate_percent``, ``activity_minutes``); a
``*_rate`` column without a unit suffix is a fraction 0-1; codes name their issuer
(``pref_code`` JIS X 0401, ``muni_code5`` JIS X 0402); ``year`` is a calendar year,
``fiscal_year`` an April-March year named by its first year, ``reference_date`` an ISO date.
Generic ``value``/``unit`` columns appear only in multi-indicator datasets, where an
``indicator`` or ``item_code`` column says what the value is.

dtypes: ``integer`` becomes int64, or nullable Int64 where a dataset declares the field
nullable (a count that is missing in the source, e.g. 沖縄県 1945) — always for ``age_lo`` and
``age_hi``, which are missing for total and open rows; ``float`` float64 (NaN for missing);
``text`` and ``date`` pandas ``str``; ``bool`` bool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

KINDS = ("integer", "float", "text", "date", "bool")


@dataclass(frozen=True)
class Rule:
    """One check on a column's non-missing values.

    Attributes:
        text: what is required, in words (shown in errors and in the data dictionary).
        test: vectorised predicate, True where a value passes.
    """

    text: str
    test: Callable[[pd.Series], pd.Series]


def in_range(lo: float | None = None, hi: float | None = None) -> Rule:
    """Values between ``lo`` and ``hi`` inclusive (either may be open)."""
    text = (f"between {lo} and {hi}" if lo is not None and hi is not None
            else f">= {lo}" if lo is not None else f"<= {hi}")

    def test(s: pd.Series) -> pd.Series:
        ok = pd.Series(True, index=s.index)
        if lo is not None:
            ok &= s >= lo
        if hi is not None:
            ok &= s <= hi
        return ok

    return Rule(text, test)


def matches(pattern: str, text: str | None = None) -> Rule:
    """Text values matching the regular expression ``pattern`` in full."""
    regex = re.compile(pattern)
    return Rule(text or f"matching {pattern}",
                lambda s: s.astype(str).map(lambda v: bool(regex.fullmatch(v))))


def one_of(*values: object, text: str | None = None) -> Rule:
    """Values from a fixed vocabulary (``text`` describes a long one in words)."""
    return Rule(text or f"one of {', '.join(map(str, values))}", lambda s: s.isin(values))


def _real_date(s: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(s.astype(str), format="%Y-%m-%d", errors="coerce")
    return parsed.notna() & s.astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}")


REAL_DATE = Rule("an ISO date YYYY-MM-DD that exists on the calendar", _real_date)
PREF_CODES = tuple(f"{i:02d}" for i in range(48))  # 00 = 全国 (national total)


@dataclass(frozen=True)
class Field:
    """One tidy column.

    Attributes:
        name: column name.
        kind: 'integer', 'float', 'text', 'date' or 'bool'.
        description: what a value means (one or two sentences).
        unit: the unit of a value ('persons', 'percent', 'calendar year' ...), '' for labels.
        rules: checks on every non-missing value.
        always_nullable: missing values are part of the meaning (age_hi of an open band).
    """

    name: str
    kind: str
    description: str
    unit: str = ""
    rules: tuple[Rule, ...] = ()
    always_nullable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: kind must be one of {KINDS}")

    def dtype(self, nullable: bool) -> str:
        """The pandas dtype of this field in a dataset (nullable: missing values allowed)."""
        if self.kind == "integer":
            return "Int64" if (nullable or self.always_nullable) else "int64"
        return {"float": "float64", "text": "str", "date": "str", "bool": "bool"}[self.kind]


FIELDS: dict[str, Field] = {}


def _finite(s: pd.Series) -> pd.Series:
    return pd.Series(np.isfinite(s.to_numpy(dtype="float64")), index=s.index)


FINITE = Rule("finite (not ±inf)", _finite)


def _f(name: str, kind: str, description: str, unit: str = "", *rules: Rule,
       always_nullable: bool = False) -> None:
    if name in FIELDS:
        raise ValueError(f"field {name} declared twice")
    if kind == "float":  # every decimal field: a number, never ±inf ('inf', '1e400' text)
        rules = (FINITE, *rules)
    FIELDS[name] = Field(name, kind, description, unit, rules, always_nullable)


COUNT = in_range(0)
PERCENT = in_range(0, 100)
YEAR = in_range(1800, 2200)

# ---------------------------------------------------------------- time
_f("year", "integer", "Calendar year the figure refers to.", "calendar year", YEAR)
_f("survey_year", "integer", "Calendar year in which the survey was taken (通信利用動向調査 are "
   "taken at the end of the year they name).", "calendar year", YEAR)
_f("reference_year", "integer", "Year the item refers to, as the publisher states it per item "
   "(SSDSE header row 2).", "calendar or fiscal year (per item)", YEAR)
_f("fiscal_year", "integer", "Japanese fiscal year (年度), April to March, named by the calendar "
   "year in which it starts: 令和5年度 = 2023.", "fiscal year", YEAR)
_f("reference_date", "date", "Date the figure refers to (count date, 算出基準日; census: 1 "
   "October).", "ISO date", REAL_DATE)
_f("population_reference_date", "date", "Date of the population used as denominator (resident "
   "register on 1 January for the My Number Card tables).", "ISO date", REAL_DATE)
_f("cards_reference_date", "date", "Date the card count refers to (交付枚数算出基準日).",
   "ISO date", REAL_DATE)
_f("dispatch_date", "date", "Date of the advisor's visit or lecture.", "ISO date", REAL_DATE)
_f("reference_label", "text", "The reference period as the source prints it ('平成19年末', "
   "'2020 survey').")
_f("start_time", "text", "Start time of day, 24-hour 'H:MM' or 'HH:MM' (JST).", "time of day",
   matches(r"(?:[01]?\d|2[0-3]):[0-5]\d", "a time of day HH:MM"))
_f("end_time", "text", "End time of day, 24-hour 'H:MM' or 'HH:MM' (JST).", "time of day",
   matches(r"(?:[01]?\d|2[0-3]):[0-5]\d", "a time of day HH:MM"))

# ---------------------------------------------------------------- areas
_f("pref_code", "text", "Prefecture, JIS X 0401 two-digit code '01' (北海道) … '47' (沖縄県); "
   "'00' marks a national (全国) row.", "", one_of(*PREF_CODES, text="a two-digit code 00-47"))
_f("prefecture", "text", "Official Japanese name of the prefecture ('東京都'), or '全国' on a "
   "national row.")
_f("muni_code5", "text", "Municipality, 5-digit local-government code (JIS X 0402) without its "
   "check digit: '13101' 千代田区, '01100' 札幌市 (政令市 as whole cities).", "",
   matches(r"(0[1-9]|[1-3]\d|4[0-7])\d{3}", "five digits starting with a prefecture code 01-47"))
_f("municipality", "text", "Japanese name of the municipality as the source prints it "
   "(normalised to a later code list in the MIC municipal tables).")
_f("prefecture_ja", "text", "Prefecture named in the source text (Japanese).")
_f("organisation_ja", "text", "Organisation named in the source (Japanese).")
_f("organisation_level", "text", "Kind of organisation: prefecture, designated_city (政令市), "
   "city, town, village or ward.", "", one_of("prefecture", "designated_city", "city", "town",
                                              "village", "ward"))
_f("department_ja", "text", "Department of the organisation (Japanese).")

# ---------------------------------------------------------------- people and ages
_f("sex", "text", "Sex: 'male', 'female', or 'total' for a published both-sexes row.", "",
   one_of("male", "female", "total"))
_f("age_group", "text", "Age band label: '15-19', '85+' (open top band), '90' (one year), "
   "'total' (all ages, a published total row) or 'unknown' (年齢不詳); survey groups such as "
   "'6+' keep the survey's label.")
_f("age_lo", "integer", "First year of age in the band (completed years, inclusive); missing for "
   "total and unknown rows.", "years", in_range(0, 125), always_nullable=True)
_f("age_hi", "integer", "Last year of age in the band (inclusive); missing for an open top band "
   "('85+') and for total and unknown rows.", "years", in_range(0, 125), always_nullable=True)
_f("age", "integer", "Single year of age (completed years).", "years", in_range(0, 125))
_f("age_is_open_top", "bool", "True where ``age`` is the open top of the table (e.g. 85 = 85 "
   "and over).")
_f("population", "integer", "Number of persons.", "persons", COUNT)
_f("rounding_persons", "integer", "Precision of the published count in persons: 1 for exact "
   "counts, 1000 where the source published thousands.", "persons",
   one_of(1, 1000, 10000))
_f("population_scope", "text", "Who is counted: 'total_incl_foreigners' (everyone usually "
   "resident) or 'japanese_nationals_only'.", "",
   one_of("total_incl_foreigners", "japanese_nationals_only"))
_f("statistic", "text", "Which official statistic a row comes from: 'census' (国勢調査) or "
   "'population_estimates' (人口推計).", "", one_of("census", "population_estimates"))
_f("series", "text", "Series within a projection table: the base population the projection "
   "starts from, or the projection itself (vocabulary per dataset).")
_f("standard", "text", "Which standard (model) population a row belongs to.")

# ---------------------------------------------------------------- projections
_f("projection_vintage", "text", "Projection release ('平成29年推計', '令和5年推計'; '-' for "
   "actuals).")
_f("variant", "text", "Projection variant (出生中位(死亡中位) …; '-' for actuals).")
_f("series_type", "text", "'actual', 'projection' or 'projection_long_range_auxiliary'.", "",
   one_of("actual", "projection", "projection_long_range_auxiliary"))
_f("rounding", "float", "Precision of the published value, in the unit of ``value`` (1000 for "
   "a count published in thousands; 0.1 for a percent with one decimal).", "see value",
   in_range(0))

# ---------------------------------------------------------------- cards
_f("cards_issued", "integer", "My Number Cards issued, cumulative since 2016 (交付枚数; not net "
   "of deaths, expiry or returns).", "cards", COUNT)
_f("issuance_rate_percent", "float", "Cards issued per 100 persons of the population column, "
   "as published (交付率, one decimal).", "percent", PERCENT)
_f("share_of_all_cards_percent", "float", "The group's share of all cards issued on that date, "
   "as published.", "percent", PERCENT)
_f("value_status", "text", "How the collector obtained the row: 'as_published' or a note on a "
   "row re-flowed from merged PDF cells.")

# ---------------------------------------------------------------- indicators
_f("indicator", "text", "What ``value`` or ``percent`` measures in a multi-indicator table "
   "(vocabulary per dataset, e.g. 'internet_usage_rate_any_device').")
_f("indicator_label", "text", "The indicator as the source names it.")
_f("indicator_ja", "text", "The indicator in Japanese, as published.")
_f("percent", "float", "Share of persons (or households) with the characteristic named by "
   "``indicator``.", "percent", PERCENT)
_f("value", "float", "The number named by ``indicator`` or ``item_code``; its unit is given "
   "by the ``unit`` column or the indicator's name.", "see unit or indicator")
_f("unit", "text", "Unit of ``value`` in this row.")
_f("item_code", "text", "SSDSE item code (e.g. 'A1101' 総人口); says what ``value`` is.")
_f("item_name_ja", "text", "SSDSE item name in Japanese, as published.")
_f("age_basis", "text", "Population the survey's rate refers to: '6+' from 2001, '15-79' in "
   "2000, '15-69' up to 1999 (MIC's footnote; years on different bases are not strictly "
   "comparable).", "", one_of("6+", "15-79", "15-69"))
_f("design_break", "bool", "True for a year whose survey design MIC flags as not comparable "
   "with other years (the 2019 questionnaire).")
_f("sample_size_n", "integer", "Number of respondents (households or persons) behind the "
   "figure, as printed in the row label.", "respondents", COUNT, always_nullable=True)

# ---------------------------------------------------------------- KPI and cases
_f("indicator_id", "text", "Short English identifier of an outcome indicator.")
_f("management_issue_no", "integer", "Number of the management issue (経営課題) the indicator "
   "belongs to.", "", in_range(1))
_f("management_issue_en", "text", "The management issue in English.")
_f("kind", "text", "Kind of indicator: 'count', 'percent' or 'milestone' (a state reached, "
   "e.g. 策定済).", "", one_of("count", "percent", "milestone"))
_f("record", "text", "'target' (目標) or 'actual' (実績).", "", one_of("target", "actual"))
_f("unit_name", "text", "English name of the unit ('persons' for 人 and 名, 'cases' for 件).")
_f("approx", "bool", "True where the source hedges the number ('約', '程度', 'およそ').")
_f("bound", "text", "Bound stated with the number: '>=' (以上), '<=' (以下), '>' (超), '<' "
   "(未満).", "", one_of(">=", "<=", ">", "<"))
_f("per", "text", "Period of a rate stated with the number ('year' for '/年').")
_f("value_raw", "text", "The cell exactly as published.")
_f("grade", "text", "Self-assigned grade as published.")
_f("case_no", "integer", "Case number in the collection.", "", in_range(1))
_f("category_no", "integer", "Category number in the collection.", "", in_range(1))
_f("category_en", "text", "Category of the case in English.")
_f("population_raw", "text", "The population as printed in the source ('134.2万人').")
_f("advisor_rating_ja", "text", "The receiving organisation's rating of the dispatch "
   "(Japanese).")
_f("break_minutes", "integer", "Break during the activity.", "minutes", COUNT)
_f("activity_minutes", "integer", "Reported duration of the activity.", "minutes", in_range(1))
_f("format_ja", "text", "Format of the activity (lecture, online …), Japanese.")
_f("audience_ja", "text", "Who attended, Japanese (roles, never names).")
_f("audience_count", "integer", "Number of attendees.", "persons", COUNT)
_f("outcome_category_ja", "text", "Outcome category ticked in the report (Japanese).")
_f("plan_category_ja", "text", "Plan category ticked in the report (Japanese).")

# ---------------------------------------------------------------- provenance per row
_f("source_url", "text", "Page or file each row was taken from.", "",
   matches(r"https?://\S+", "an http(s) URL"))
_f("source_quality", "text", "'official …' or 'secondary: …' (a non-government page "
   "reproducing official figures), as labelled by the collector.")
_f("source_document", "text", "Document the figure is quoted from.")
_f("source_location", "text", "File and line (or page) of the quote in the source document.")
_f("source_quote", "text", "The sentence that states the figure, verbatim.")
_f("source_table", "text", "The source table as the collector names it.")
_f("source_object", "text", "The R object and column the figures were parsed from ('Jpop$M2020'; "
   "a trailing J = Japanese nationals only).")
_f("marker", "text", "e-Stat special character where a cell holds no number ('-', '…', '***', "
   "'X'), as published.")
_f("marker_meaning", "text", "Meaning of ``marker`` from the table's own NOTE list.")
_f("period", "text", "Kind of period a time code names: 'year', 'fiscal_year', 'month', "
   "'quarter', 'fiscal_quarter', 'months', 'date' or 'unparsed'.")
_f("period_start", "date", "First day of the period.", "ISO date")
_f("raw_label", "text", "The row's label as published (kept to check derived columns).")
_f("note", "text", "Collector's or publisher's note on the row.")
_f("is_total", "bool", "True on a published total row (全体, 総数, 全国, both sexes); such rows "
   "are dropped by ``dxlab.load`` unless ``totals=True``.")


def field(name: str) -> Field:
    """The :class:`Field` called ``name``; KeyError lists near names when unknown."""
    try:
        return FIELDS[name]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(name, FIELDS, n=3)
        raise KeyError(f"no field {name!r} in the field dictionary"
                       + (f"; did you mean {', '.join(near)}?" if near else "")) from None


__all__ = ["FIELDS", "FINITE", "KINDS", "REAL_DATE", "Field", "Rule", "field", "in_range",
           "matches", "one_of"]
