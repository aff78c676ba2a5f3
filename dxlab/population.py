"""National population facts the reports need beside the pyramid: how many persons of
unknown age each census leaves out, the shares of the age-known population against the
official imputed ones, and how to label the census years that are not ordinary censuses.

Age not stated (年齢不詳) is excluded from the 5-year census table; the Statistics Bureau's
headline shares for 2020 are computed on the population with age imputed (不詳補完値). The
two differ by fractions of a point — this module says by how much.
"""

from __future__ import annotations

import pandas as pd

from dxlab.clean.ages import reband

#: Census years that are not ordinary 1 October censuses, with what they are.
SURVEY_NOTES: dict[int, str] = {
    1945: "1945 is not a census: it is the population survey (人口調査) of 1 November 1945, "
          "without Okinawa; its original tabulation uses bands shifted by one year (1-5, "
          "6-10 … 86+, census file c03), shown here on the standard 0-4 … 85+ bands of the "
          "e-Stat time series",
}


def year_label(year: int) -> str:
    """'2020' or, for a year in :data:`SURVEY_NOTES`, '1945 (人口調査, 1 Nov)'."""
    return f"{year} (人口調査, 1 Nov)" if year in SURVEY_NOTES else str(year)


def age_unknown(bands: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Persons of unknown age per census year: the census total (age not stated included)
    minus the sum of the age bands.

    Args:
        bands: ``dxlab.load('census_population_japan_age_sex')`` (age-known bands).
        totals: ``dxlab.load('census_population_prefecture_total', totals=True)`` (its
            全国 rows, pref_code '00').
    Returns:
        DataFrame indexed by year: total, age_known, age_unknown (persons) and
        age_unknown_percent (of the total). Years with a difference below 1,000 persons may
        reflect boundary or basis notes rather than age not stated (1960: 73 persons of a
        disputed area are counted only in 全国).
    """
    nat = totals[totals["pref_code"] == "00"].set_index("year")["population"]
    known = bands.groupby("year")["population"].sum()
    out = pd.DataFrame({"total": nat.reindex(known.index), "age_known": known})
    out["age_unknown"] = out["total"] - out["age_known"]
    out["age_unknown_percent"] = 100 * out["age_unknown"] / out["total"]
    return out


def shares_both_ways(bands: pd.DataFrame, age3: pd.DataFrame, year: int = 2020
                     ) -> pd.DataFrame:
    """0-14 / 15-64 / 65+ shares of the age-known census population against the official
    shares computed with age imputed.

    The imputed shares come from ``projection_japan_age3``: its 令和5年推計 jump-off rows
    (the 2020 census with 不詳補完, as quoted by secondary pages; the Statistics Bureau
    publishes the same 11.9 / 59.5 / 28.6 in the 2020 census results). They exist for 2020
    only.

    Returns:
        DataFrame indexed by age_group: population_age_known (persons), percent_age_known,
        percent_imputed (as published, one decimal), difference_points (age-known − imputed)
        and imputed_source_quality.
    """
    known = reband(bands[bands["year"] == year], "0-14,15-64,65+").set_index("age_group")
    known["percent"] = 100 * known["population"] / known["population"].sum()
    imputed = age3[age3["projection_vintage"].str.contains("jump-off")
                   & (age3["year"] == year) & (age3["indicator"] == "share_of_total")
                   ].set_index("age_group")
    out = pd.DataFrame({"population_age_known": known["population"],
                        "percent_age_known": known["percent"],
                        "percent_imputed": imputed["value"].reindex(known.index)})
    out["difference_points"] = out["percent_age_known"] - out["percent_imputed"]
    out["imputed_source_quality"] = imputed["source_quality"].reindex(known.index)
    return out
