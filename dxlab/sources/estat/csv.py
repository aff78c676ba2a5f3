"""The e-Stat CSV download → the tidy frame of :mod:`.common`, vectorised with pyarrow.

Layout: a metadata block (RESULT, PARAMETER, TABLE_INF, NOTE …), a line "VALUE", a header
such as ``tab_code,表章項目,cat01_code,男女,area_code,地域,time_code,時間軸,unit,value,annotation``
and one row per value (thousands separators allowed, markers as text). UTF-8 (BOM allowed) or
CP932.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from dxlab.clean.text import normalize_text
from dxlab.errors import DataError
from dxlab.sources.estat.common import NUMBER, check_status, finish, interpret_markers
from dxlab.sources.tabular import csv_records, read_bytes, read_text, refuse_wide_or_binary

_SECTION = re.compile(r'^"?([A-Z_]+)"?\s*$')


def _scan_header(text_head: str, file) -> tuple[int, dict, dict]:
    """Find the VALUE section; parse RESULT/TABLE_INF/NOTE metadata before it.

    Returns (line index of the VALUE header row, metadata, notes).
    """
    lines = physical_lines(text_head)
    meta: dict[str, dict] = {}
    notes: dict[str, str] = {}
    section = None
    for i, line in enumerate(lines):
        m = _SECTION.match(line.strip())
        if m and "," not in line:
            section = m.group(1)
            if section == "VALUE":
                if i + 1 >= len(lines):
                    break
                return i + 1, meta, notes
            meta.setdefault(section, {})
            continue
        if not line.strip() or section is None:
            continue
        try:
            cells = next(csv.reader([line]), [])
        except csv.Error as exc:
            raise DataError(f"malformed metadata line in section {section}: {exc}", file=file,
                            row=i + 1) from None
        if section == "NOTE" and len(cells) >= 2:
            notes[normalize_text(cells[0])] = cells[1]
        elif len(cells) >= 2:
            meta[section][cells[0]] = cells[1]
    raise DataError("no VALUE line followed by a header in the first 64 KiB", file=file,
                    expected='an e-Stat CSV with a "VALUE" line before the data header')


def physical_lines(text: str) -> list[str]:
    """Lines ended by CR, LF or CRLF only — as the CSV parser sees them (str.splitlines would
    also split on U+2028, U+0085, form feeds … inside cells)."""
    return re.split(r"\r\n|\r|\n", text)


def _decode_head(data: bytes, path: Path) -> tuple[str, str]:
    """Decode the first block as UTF-8 (BOM allowed) or else CP932, tolerating a multi-byte
    character cut at the end of the block."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return decoder.decode(data, final=False), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    raise DataError("file is neither UTF-8 nor CP932 (Shift_JIS)", file=path,
                    expected="an e-Stat CSV in UTF-8 or CP932")


def _check_header(names: list[str], path: Path, line: int) -> None:
    """The VALUE header: unique names, a 'value' column, each '<id>_code' followed by its
    label column."""
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(f"column(s) {dupes} appear twice in the VALUE header", file=path,
                        row=line, expected="unique column names")
    if "value" not in names:
        raise DataError("missing column 'value' in the VALUE header", file=path, row=line,
                        expected="tab_code,表章項目,…,unit,value")
    for i, n in enumerate(names):
        if n.endswith("_code") and (i + 1 >= len(names) or names[i + 1].endswith("_code")
                                    or names[i + 1] in ("unit", "value")):
            raise DataError(f"classification column {n!r} has no label column after it",
                            file=path, row=line, column=n,
                            expected="each <id>_code column followed by its label column")


def _locate_problem(path: Path, encoding: str, skip: int, width: int, problem: str
                    ) -> DataError:
    """The parser's complaint located: the first record whose field count differs from the
    header's (found with the csv module, only on this error path)."""
    try:
        text, _enc = read_text(path, encoding)
        for line, rec in csv_records(text, path, header_after=skip):
            if line > skip + 1 and rec and len(rec) != width:
                return DataError(f"row has {len(rec)} fields where the header has {width}",
                                 file=path, row=line, value=",".join(rec)[:120])
    except DataError as err:
        return err
    return DataError(f"the VALUE table does not parse: {problem[:200]}", file=path,
                     row=skip + 1)


def _categorical(column) -> pd.Series:
    if not pa_arrow.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    out = column.to_pandas()
    return out if isinstance(out.dtype, pd.CategoricalDtype) else out.astype("category")


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read the e-Stat CSV download (see the module docstring).

    Labels become categoricals, numbers are parsed in Arrow, and markers and times are
    resolved once per distinct string.

    Raises:
        DataError: empty or unreadable file, API error STATUS, no VALUE section, missing
            columns, undeclared markers (naming the file line).
    """
    path = Path(path)
    head_bytes = read_bytes(path, limit=1 << 16)
    if not head_bytes.strip():
        raise DataError("file is empty", file=path, expected="an e-Stat CSV")
    refuse_wide_or_binary(head_bytes, path)
    head, encoding = _decode_head(head_bytes, path)
    skip, meta, notes = _scan_header(head, path)
    if "RESULT" in meta and "STATUS" in meta["RESULT"]:
        check_status(meta["RESULT"], path)
    head_lines = physical_lines(head)
    names = next(csv.reader([head_lines[skip] if skip < len(head_lines) else ""]), [])
    _check_header(names, path, skip + 1)
    # Every column is text (codes such as '00000' keep their zeros); low-cardinality label
    # columns are dictionary-encoded by the parser itself.
    problem = None
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(skip_rows=skip, encoding=encoding,
                                            block_size=1 << 24),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa_arrow.string() for n in names}, strings_can_be_null=False,
                auto_dict_encode=True, auto_dict_max_cardinality=50_000),
        )
    except (pa_arrow.ArrowException, UnicodeError) as exc:  # ragged rows, bad quoting ...
        problem = str(exc)
    if problem is not None:
        raise _locate_problem(path, encoding, skip, len(names), problem)
    names = table.column_names
    if table.num_rows == 0:
        raise DataError("the VALUE table has a header but no rows", file=path, row=skip + 1,
                        expected="one row per value")
    classes, out = {}, {}
    for cid in [n[: -len("_code")] for n in names if n.endswith("_code")]:
        code_col = f"{cid}_code"
        label_col = names[names.index(code_col) + 1]
        classes[cid] = label_col
        out[code_col] = _categorical(table[code_col])
        out[cid] = _categorical(table[label_col])
    tidy = pd.DataFrame(out)
    tidy["unit"] = _categorical(table["unit"]) if "unit" in names else pd.NA
    raw_values = table["value"]
    if pa_arrow.types.is_dictionary(raw_values.type):
        raw_values = raw_values.cast(pa_arrow.string())
    is_num = pc.match_substring_regex(raw_values, NUMBER)
    numbers = pc.if_else(is_num, pc.replace_substring(raw_values, ",", ""), None)
    tidy["value"] = numbers.cast(pa_arrow.float64()).to_numpy(zero_copy_only=False)
    too_big = np.isinf(tidy["value"].to_numpy())
    if too_big.any():
        pos = int(np.flatnonzero(too_big)[0])
        raise DataError("number too large for a float", file=path, row=pos + skip + 2,
                        column="value", value=str(raw_values[pos])[:40] + "…",
                        expected="a number below 1.8e308")
    marker_codes = np.full(len(tidy), -1, dtype=np.int32)
    found: list[str] = []
    not_num = pc.invert(pc.fill_null(is_num, False))
    if pc.any(not_num).as_py():
        rest = pc.filter(raw_values, not_num)
        positions = np.flatnonzero(not_num.to_numpy(zero_copy_only=False))
        distinct = pc.unique(rest).to_pylist()

        def locate(s: str) -> int:
            where = positions[pc.equal(rest, s).to_numpy(zero_copy_only=False)]
            return int(where[0]) + skip + 2

        meaning = interpret_markers(distinct, notes, file=path, locate=locate)
        for raw_marker in distinct:
            where = positions[pc.equal(rest, raw_marker).to_numpy(zero_copy_only=False)]
            marker_codes[where] = len(found)
            found.append(raw_marker)
    else:
        meaning = {}
    tidy["marker"] = pd.Categorical.from_codes(marker_codes, categories=found)
    tidy["marker_meaning"] = tidy["marker"].map(meaning)
    return finish(tidy, classes, notes, meta.get("TABLE_INF", {}))
