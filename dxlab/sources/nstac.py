"""NSTAC (独立行政法人統計センター) SSDSE: the hook for SSDSE-A's layout.

SSDSE-B and -E are bundled in long form and need no hook (see ``dxlab/specs/nstac.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dxlab.errors import DataError
from dxlab.sources.spec import Context
from dxlab.sources.tabular import check_field, csv_records, read_text, to_float

SSDSE_MARKERS = ("-", "***", "X")


def read_ssdse_a(path, ctx: Context) -> pd.DataFrame:
    """SSDSE-A (municipalities) as NSTAC distributes it: CP932, CRLF, three header rows —
    (1) 'SSDSE-A-YYYY', 'Prefecture', 'Municipality', item codes; (2) the reference year of
    each item; (3) '地域コード', '都道府県', '市区町村', item names — then one row per
    municipality with region code 'R' + 5 digits.

    Returns one row per municipality × item (values as float; the cells '-', '***' and 'X'
    are missing); the accounting counts values, not lines.

    Raises:
        DataError: not an SSDSE-A file, a ragged row, a bad region code or a non-number,
            naming the line and the item.
    """
    text, _encoding = read_text(path, ctx.spec.encoding)
    records = list(csv_records(text, path, header_after=2))
    if len(records) < 3:
        raise DataError("SSDSE-A needs three header rows", file=path,
                        expected="item codes, reference years and item names")
    (_, codes), (_, years), (_, names) = records[:3]
    if not codes or not codes[0].startswith("SSDSE-A"):
        raise DataError("not an SSDSE-A file", file=path, row=1, value=codes[:1],
                        expected="first cell 'SSDSE-A-YYYY'")
    width = len(codes)
    if len(years) != width or len(names) != width:
        raise DataError("the three header rows differ in length", file=path, row=2,
                        expected=f"{width} cells in each header row")
    rows = [(line, rec) for line, rec in records[3:] if any(c.strip() for c in rec)]
    if not rows:
        raise DataError("file has the three header rows but no data rows", file=path,
                        expected="one row per municipality")
    for line, rec in rows:
        if len(rec) != width:
            raise DataError(f"row has {len(rec)} fields where the header has {width}",
                            file=path, row=line)
    lines = [line for line, _ in rows]
    cells = np.array([rec for _, rec in rows], dtype=object)
    region = pd.Series(cells[:, 0], index=lines)
    bad = ~region.str.fullmatch(r"R\d{5}")
    if bad.any():
        line = region.index[bad][0]
        raise DataError("region code is not 'R' + 5 digits", file=path, row=line,
                        column=names[0], value=region.loc[line])
    n_items = width - 3
    for j in range(n_items):
        if not years[3 + j].strip().isdigit():
            raise DataError("reference year of an item is not a year", file=path, row=2,
                            column=names[3 + j], value=years[3 + j])
    values = {}
    for j in range(n_items):
        column = pd.Series(cells[:, 3 + j], index=lines).replace({"": None})
        parsed = to_float(column, file=path, column=names[3 + j], markers=SSDSE_MARKERS,
                          allow_missing=True)
        check_field(parsed, "value", file=path, column=names[3 + j])
        values[j] = parsed.to_numpy()
    n = len(lines)
    long = pd.DataFrame({
        "muni_code5": np.repeat(region.str[1:].to_numpy(), n_items),
        "prefecture": np.repeat(cells[:, 1], n_items),
        "municipality": np.repeat(cells[:, 2], n_items),
        "item_code": np.tile(np.array(codes[3:], dtype=object), n),
        "item_name_ja": np.tile(np.array(names[3:], dtype=object), n),
        "reference_year": np.tile(np.array(years[3:], dtype=object), n),
        "value": np.column_stack([values[j] for j in range(n_items)]).ravel(),
    }, index=np.repeat(lines, n_items))
    long["pref_code"] = long["muni_code5"].str[:2]
    ctx.account.rows_in = len(long)
    return long
