"""Statistics Bureau (総務省統計局) census tables: the hooks that are custom to them.

Everything else about the census datasets is declared in ``dxlab/specs/census.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dxlab.clean.dates import to_gregorian_year
from dxlab.errors import DataError
from dxlab.sources.spec import Context
from dxlab.sources.tabular import check_field, to_int

C03_COLUMNS = ["都道府県コード", "都道府県名", "年齢5歳階級", "元号", "和暦（年）", "西暦（年）",
               "人口（総数）", "人口（男）", "人口（女）"]
C03_SEXES = (("total", "人口（総数）"), ("male", "人口（男）"), ("female", "人口（女）"))


def c03_wide_to_long(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Census time series CSV c03 (男女，年齢（5歳階級）別人口 － 都道府県, 1920-2015) → one row
    per prefecture × year × sex × age label.

    The file is wide (総数, 男, 女 side by side) and names each year twice (元号 + 和暦 and
    西暦): the two must agree. Prefecture codes lose their leading zero in some copies and
    are zero-padded. '-' cells (no figure) become missing. Each record carries three values,
    so the accounting counts values: rows in = 3 × records kept + records dropped.

    Raises:
        DataError: an era year that disagrees with the Western year, naming the line.
    """
    year = to_int(frame["西暦（年）"], file=ctx.path, column="西暦（年）")
    label = frame["元号"].astype(str) + frame["和暦（年）"].astype(str) + "年"
    era = to_gregorian_year(label.rename("元号・和暦（年）"))  # errors name both columns
    bad = (era != year).fillna(True)
    if bad.any():
        line = frame.index[bad][0]
        raise DataError("era year and Western year disagree", file=ctx.path, row=line,
                        column="和暦（年）", value=f"{frame.loc[line, '元号']}"
                        f"{frame.loc[line, '和暦（年）']}", expected=str(year.loc[line]))
    parts = []
    for sex, column in C03_SEXES:
        # parsed here, column by column, so an error names the raw column ('人口（男）')
        counts = to_int(frame[column].where(frame[column] != "-", None), file=ctx.path,
                        column=column, allow_missing=True)
        check_field(counts, "population", file=ctx.path, column=column)
        parts.append(pd.DataFrame({
            "year": year.astype("int64"),
            "pref_code": frame["都道府県コード"].str.zfill(2),
            "prefecture": frame["都道府県名"],
            "sex": sex,
            "age_group": frame["年齢5歳階級"],
            "population": counts,
        }, index=frame.index))
    ctx.account.rows_in += 2 * len(frame)
    return pd.concat(parts)


def c03_sexes_add_up(known: Mapping[tuple[int, str, str], str]):
    """A spec check for c03: on every line, 人口（総数） = 人口（男） + 人口（女） exactly (where
    all three are published), except the ``known`` (year, pref_code, age_group) lines, each with
    the documented reason the published figures do not add up.

    Raises (from the returned check):
        DataError: naming the line, the published total and the sum of the sexes.
    """
    known = dict(known)

    def check(frame: pd.DataFrame, ctx: Context) -> None:
        by_sex = frame.set_index("sex", append=True)["population"].unstack("sex")
        first = frame[~frame.index.duplicated()]
        total, parts = by_sex["total"], by_sex["male"] + by_sex["female"]
        off = (total != parts).fillna(False).astype(bool)
        if off.any():
            keys = first.loc[off.index[off], ["year", "pref_code", "age_group"]]
            exempt = keys.apply(lambda r: (int(r["year"]), r["pref_code"], r["age_group"])
                                in known, axis=1)
            off.loc[exempt.index[exempt.to_numpy(dtype=bool)]] = False
        if off.any():
            line = off.index[off][0]
            raise DataError("人口（総数） is not 人口（男） + 人口（女）", file=ctx.path, row=line,
                            column="人口（総数）", value=total.loc[line],
                            expected=f"{parts.loc[line]} = {by_sex['male'].loc[line]} + "
                            f"{by_sex['female'].loc[line]}")

    check.__doc__ = ("人口（総数） = 人口（男） + 人口（女） on every line" +
                     (f" (documented exceptions: {len(known)} line(s))" if known else ""))
    return check
