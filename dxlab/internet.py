"""Internet use (通信利用動向調査, MIC) beside My Number Card uptake, and the arithmetic of
the DX training material's 'the digital generation is the mainstream' argument.

What each measure is:

- *Internet use* (インターネット利用率（個人）): share of persons aged 6 and over who used the
  internet at least once in the past year, from a sample survey of households (about 40,000
  persons a year). National series 1997-2023 from the white paper's figure data: 1997-1999
  cover ages 15-69, 2000 ages 15-79, 6+ from 2001; the 2019 survey used a partly different
  questionnaire (MIC: not comparable with other years).
- *My Number Card issuance* (交付枚数率): cumulative cards issued ÷ resident-register
  population, all ages, from administrative counts — card uptake, which depends on campaigns
  (マイナポイント), on parents for children and on card validity; not internet use.
- *The training material's 96%*: an industry survey (LY Corporation, 〈調査報告〉インターネットの
  利用環境 定点調査 2023年上期): 96% of 15-59-year-olds own a smartphone and use the internet
  at least weekly. Not official; a different question (weekly use) from the official survey
  (use in the past year).

The official survey's full tables by age are not bundled; :data:`BY_AGE_TABLES` lists their
e-Stat file ids and :func:`download_commands` how to fetch them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dxlab.clean.ages import parse_age_band, reband
from dxlab.errors import DxlabError

#: The industry figure quoted by the training material (slide 18): share of 15-59-year-olds
#: who own a smartphone and use the internet weekly. LY Corporation, 2023 (first half); not
#: official statistics.
TRAINING_SURVEY_SHARE = 0.96
TRAINING_SURVEY_SOURCE = ("LY Corporation 〈調査報告〉インターネットの利用環境 "
                          "定点調査(2023年上期), https://linecorp.com/ja/pr/news/ja/2023/4634 — "
                          "industry survey, not official")

#: e-Stat files (statInfId) of 通信利用動向調査 世帯構成員編 「過去1年間のインターネット利用経験」
#: by attribute incl. age (SOURCES.md section 10). They are statistical-table files, not
#: database tables: ``dxlab fetch estat`` (getStatsData, 10-digit statsDataId) cannot fetch
#: them; they download without an appId from e-Stat's file-download address.
BY_AGE_TABLES: tuple[dict[str, str], ...] = tuple(
    {"survey_year": year, "stat_inf_id": sid,
     "title": "通信利用動向調査 世帯構成員編: 過去1年間のインターネット利用経験",
     "page": f"https://www.e-stat.go.jp/stat-search/files?layout=dataset&stat_infid={sid}",
     "download": f"https://www.e-stat.go.jp/stat-search/file-download?statInfId={sid}"
                 "&fileKind=1",
     "file": f"mic_internet_use_experience_{year}.csv"}
    for year, sid in (("2022", "000040057181"), ("2023", "000040185447"),
                      ("2024", "000040278945")))


def national_series(frame: pd.DataFrame) -> pd.DataFrame:
    """The white-paper series of individuals' internet use with comparability flags.

    Args:
        frame: ``dxlab.load('mic_whitepaper_internet_use_individuals')``.
    Returns:
        year, percent, age_basis, design_break and ``comparable`` (6+ basis and not the 2019
        questionnaire), sorted by year.
    """
    out = frame[["year", "percent", "age_basis", "design_break"]].sort_values("year").copy()
    out["comparable"] = (out["age_basis"] == "6+") & ~out["design_break"]
    return out.reset_index(drop=True)


def age_points(frame: pd.DataFrame, indicator: str = "internet_usage_rate") -> pd.DataFrame:
    """The official internet-use figures by age quoted in white-paper text (sparse points,
    2002-2016), for annotation; the 6+ totals are left out.

    Args:
        frame: ``dxlab.load('mic_internet_usage_by_age_whitepaper', totals=True)``.
    Returns:
        survey_year, age_group, percent, source_document — rows of ``indicator`` with a
        numeric age band (the unspecified '高齢者' row is dropped: its ages are not stated).
    """
    rows = frame[(frame["indicator"] == indicator) & frame["age_lo"].notna()
                 & ~frame.get("is_total", pd.Series(False, index=frame.index))]
    return rows[["survey_year", "age_group", "percent", "source_document"]].sort_values(
        ["survey_year", "age_group"]).reset_index(drop=True)


def download_commands(raw: str = "data/raw") -> list[str]:
    """Shell commands that fetch the by-age tables of :data:`BY_AGE_TABLES` into ``raw``
    (needs internet; no appId). After downloading, add a catalog entry for each file
    (provenance, sha256) before dxlab reads it as a dataset."""
    return [f"curl -L -o {raw}/{t['file']} '{t['download']}'" for t in BY_AGE_TABLES]


def by_age_status(raw: Path) -> pd.DataFrame:
    """Which by-age tables are present in ``raw`` and whether dxlab can read them.

    A present file is read with :func:`dxlab.sources.estat.read` (the e-Stat database CSV
    layout); if its layout is a statistical-table file that reader does not know, the error
    is reported in ``status`` — nothing is guessed from an unknown layout.

    Returns:
        One row per table: survey_year, stat_inf_id, file, present (bool), status
        ('absent', 'read: N age rows' or the reader's error).
    """
    from dxlab.sources.estat import read

    rows = []
    for t in BY_AGE_TABLES:
        path = Path(raw) / t["file"]
        status = "absent"
        if path.exists():
            try:
                status = f"read: {len(age_rows(read(path)))} age rows"
            except DxlabError as err:
                status = f"present but not readable by dxlab yet: {err}"
        rows.append({"survey_year": t["survey_year"], "stat_inf_id": t["stat_inf_id"],
                     "file": t["file"], "present": path.exists(), "status": status})
    return pd.DataFrame(rows)


def age_rows(tidy: pd.DataFrame) -> pd.DataFrame:
    """Rows of a tidy e-Stat frame (:func:`dxlab.sources.estat.read`) whose classification
    label is an age band in years ('6～12歳', '80歳以上'), with ``age_lo``/``age_hi`` added.
    The first label column (not ``*_code``, ``time`` or ``unit``) holding such labels is used;
    a frame without one gives no rows."""
    skip = {"time", "unit", "marker", "marker_meaning", "period"}
    for col in tidy.columns:
        if col.endswith("_code") or col in skip or col == "value":
            continue
        if not isinstance(tidy[col].dtype, pd.CategoricalDtype | pd.StringDtype) \
                and tidy[col].dtype != object:
            continue
        labels = tidy[col].astype(str)
        bands = labels.map(lambda s: _band_or_none(s) if "歳" in s else None)
        if bands.notna().any():
            out = tidy[bands.notna()].copy()
            out["age_lo"] = pd.array([b[0] for b in bands[bands.notna()]], dtype="Int64")
            out["age_hi"] = pd.array([b[1] for b in bands[bands.notna()]], dtype="Int64")
            return out
    return tidy.iloc[0:0]


def _band_or_none(label: str):
    try:
        return parse_age_band(label)
    except DxlabError:
        return None


def training_argument(pop: pd.DataFrame, *, internet_rate: float, card_share: float,
                      card_band_rates: pd.Series | None = None,
                      survey_share: float = TRAINING_SURVEY_SHARE,
                      bands: str = "0-14,15-59,60+") -> pd.DataFrame:
    """The training material's arithmetic on an official population.

    Claim (slides 18-21): in the pyramid regrouped 0-14 / 15-59 / 60+, 15-59 is the largest
    group and 96% of 15-59s use smartphones and the internet weekly, so the digital-using
    generation is the mainstream. Computed here:

    - the shares of the three groups;
    - implied = share(15-59) × ``survey_share``: the weekly-using 15-59s as a share of the
      whole population (what the argument can claim with its own numbers);
    - the official internet-use rate (persons 6+ who used the internet in the past year)
      converted to a share of the whole population: rate × share(6+), with ages 5-9 split
      evenly to find 6+;
    - the rate among 60+ that the two figures jointly imply, if both were right: users 6+ =
      rate × P(6+); 60+ users = users − ``survey_share`` × P(15-59) − u × P(6-14), with the
      unknown rate u of 6-14-year-olds between 0 and 1 (a range);
    - the My Number Card adopter share, for contrast.

    Args:
        pop: persons by band (``age_lo``, ``age_hi``, ``population``) of one date.
        internet_rate: official internet use, fraction of persons 6+.
        card_share: card adopter share (fraction of all ages).
        card_band_rates: optional card rates (fraction) for the three groups.
    Returns:
        One row per quantity: quantity, percent (of the whole population unless stated),
        persons (where a count), basis (what it rests on).
    """
    groups = reband(pop, bands).set_index("age_group")["population"]
    total = float(groups.sum())
    six = reband(pop, "0-5,6+").set_index("age_group")["population"]
    kids = reband(pop, "0-5,6-14,15+").set_index("age_group")["population"]
    p6, p6_14 = float(six["6+"]), float(kids["6-14"])
    labels = list(groups.index)
    working = labels[1]
    older = labels[-1]
    users = internet_rate * p6
    after_working = users - survey_share * float(groups[working])
    older_hi = after_working / float(groups[older])
    older_lo = (after_working - p6_14) / float(groups[older])
    rows = [{"quantity": f"share {g}", "percent": 100 * float(n) / total, "persons": float(n),
             "basis": "official population"} for g, n in groups.items()]
    rows += [
        {"quantity": f"{working} using the internet weekly (× {survey_share:.0%})",
         "percent": 100 * survey_share * float(groups[working]) / total,
         "persons": survey_share * float(groups[working]),
         "basis": "industry survey × official population"},
        {"quantity": "internet users 6+ (official rate × share 6+)",
         "percent": 100 * users / total, "persons": users,
         "basis": "official survey × official population"},
        {"quantity": f"implied internet use among {older}, lowest (6-14 all users)",
         "percent": 100 * older_lo, "persons": older_lo * float(groups[older]),
         "basis": f"percent of {older}; mixes the industry and official surveys"},
        {"quantity": f"implied internet use among {older}, highest (6-14 none)",
         "percent": 100 * older_hi, "persons": older_hi * float(groups[older]),
         "basis": f"percent of {older}; mixes the industry and official surveys"},
        {"quantity": "My Number Card adopter share (all ages)", "percent": 100 * card_share,
         "persons": None, "basis": "administrative counts (cards issued ÷ register)"},
    ]
    if card_band_rates is not None:
        rows += [{"quantity": f"card rate {g}", "percent": 100 * float(r), "persons": None,
                  "basis": f"percent of {g}; administrative counts"}
                 for g, r in card_band_rates.items()]
    return pd.DataFrame(rows)


def sources_table(tables: Sequence[dict[str, str]] = BY_AGE_TABLES) -> pd.DataFrame:
    """:data:`BY_AGE_TABLES` as a frame for display."""
    return pd.DataFrame(list(tables))[["survey_year", "stat_inf_id", "title", "page"]]
