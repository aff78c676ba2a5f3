"""Reading delimited text files the way official tables arrive.

- Encoding: UTF-8 (with or without BOM) first; a file that is not valid UTF-8 but decodes as
  CP932 (Shift_JIS as written by Excel and e-Stat downloads) is decoded as CP932 and the
  choice is recorded; anything else is an error naming the byte offset.
- Every frame returned by :func:`read_csv_text` is indexed by the **file line number** of
  each record (header = line 1), so later errors can say 'line 57'.
- Coercion helpers raise :class:`~dxlab.errors.DataError` naming file, line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from dxlab.errors import DataError


def decode_bytes(data: bytes, path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Decode file bytes; returns (text, encoding used).

    Args:
        data: the file's bytes.
        path: named in errors.
        encoding: 'auto' — UTF-8 (a BOM is stripped), else CP932 (Shift_JIS as written by
            Excel and e-Stat downloads); or a codec name that must decode the whole file.
    Raises:
        DataError: empty file, or bytes the encoding(s) cannot decode (naming the offset).
    """
    if not data.strip():
        raise DataError("file is empty", file=path, expected="a header line and data rows")
    if encoding != "auto":
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except (UnicodeDecodeError, LookupError) as err:
            where = f" at byte offset {err.start}" if isinstance(err, UnicodeDecodeError) else ""
            raise DataError(f"file does not decode as {encoding}{where}", file=path,
                            expected=f"a {encoding} text file") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf_err:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            raise DataError(
                f"file is neither UTF-8 nor CP932 (Shift_JIS); first bad byte at offset "
                f"{utf_err.start}",
                file=path,
                expected="a UTF-8 or CP932 text file",
            ) from None


def read_text(path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Read and decode a text file; see :func:`decode_bytes`.

    Raises:
        DataError: the file cannot be read (missing, a folder, no permission) or decoded.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", file=path) from None
    return decode_bytes(data, path, encoding)


def csv_records(text: str, path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first file line, cells)`` for every CSV record of ``text``.

    Only CR, LF and CRLF end a record (U+2028, U+0085 and form feeds stay inside cells);
    a quoted cell may span lines, and the record is numbered by its first line.

    Raises:
        DataError: a malformed record (e.g. a cell larger than the csv module's limit),
            naming its line.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"malformed CSV record: {exc}", file=path,
                            row=previous + 1) from None
        yield previous + 1, record
        previous = reader.line_num


def read_csv_text(
    path: str | Path,
    required: Sequence[str],
    *,
    text: str | None = None,
    skip_lines: int = 0,
    encoding: str = "auto",
) -> pd.DataFrame:
    """Read a CSV whose first (non-skipped) line is the header, all cells as strings.

    Args:
        path: the file (used for messages even when ``text`` is given).
        required: columns that must be present.
        text: already-decoded content (else the file is read and decoded).
        skip_lines: physical lines before the header (metadata blocks).
        encoding: see :func:`decode_bytes`.
    Returns:
        DataFrame of str cells (empty cells as NA) indexed by the file line of each record
        (header = line ``skip_lines + 1``); blank records are skipped.
    Raises:
        DataError: empty file, no data rows, ragged rows, or missing columns.
    """
    if text is None:
        text, _enc = read_text(path, encoding)
    records = ((line, rec) for line, rec in csv_records(text, path) if line > skip_lines)
    first = next(records, None)
    if first is None:
        raise DataError("file has no header line", file=path)
    header_line, header = first
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}",
            file=path,
            row=header_line,
            expected=f"a header with {', '.join(required)}",
            value=",".join(header)[:300],
        )
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise DataError(f"column(s) {dupes} appear twice in the header", file=path,
                        row=header_line, expected="unique column names")
    rows, line_numbers = [], []
    for line, rec in records:
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            raise DataError(
                f"row has {len(rec)} fields where the header has {len(header)}",
                file=path, row=line, value=",".join(rec)[:120],
            )
        rows.append(rec)
        line_numbers.append(line)
    if not rows:
        raise DataError("file has a header but no data rows", file=path)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(line_numbers, name="line"),
                         dtype="object")
    return frame.replace({"": pd.NA})


def _first_bad(series: pd.Series, bad: pd.Series) -> tuple[object, object]:
    idx = series.index[bad][0]
    return idx, series.loc[idx]


def to_int(series: pd.Series, *, file: str | Path, column: str | None = None,
           allow_missing: bool = False) -> pd.Series:
    """Strings → nullable Int64; thousands separators allowed.

    The grammar is :func:`dxlab.clean.numbers.parse_integers`: commas only between groups of
    three digits, no exponent, inf or nan, and the value within Int64.

    Raises:
        DataError: naming the first line whose value is not a whole number.
    """
    from dxlab.clean.numbers import parse_integers

    try:
        out = parse_integers(series.rename(column or str(series.name)),
                             allow_missing=allow_missing)
    except DataError as err:
        raise err.located(file=file) from None
    return out.rename(series.name)


def to_float(series: pd.Series, *, file: str | Path, column: str | None = None,
             markers: Iterable[str] = (), allow_missing: bool = False) -> pd.Series:
    """Strings → float64; declared ``markers`` (e.g. '-', '…') and blanks become NaN.

    The grammar is :func:`dxlab.clean.numbers.parse_decimals`: commas only between groups of
    three digits, no inf or nan, and a finite float64 (1e400 is an error, not inf).

    Raises:
        DataError: naming the first line whose value is neither a number nor a marker.
    """
    from dxlab.clean.numbers import parse_decimals

    try:
        out = parse_decimals(series.rename(column or str(series.name)), markers=markers,
                             allow_missing=allow_missing)
    except DataError as err:
        raise err.located(file=file) from None
    return out.rename(series.name)


def check_values(series: pd.Series, allowed: Iterable[str], *, file: str | Path,
                 column: str | None = None) -> None:
    """Raise DataError at the first value not in ``allowed``."""
    allowed = set(allowed)
    bad = ~series.isin(allowed)
    if bad.any():
        line, value = _first_bad(series, bad)
        raise DataError("unexpected value", file=file, row=line, column=column or series.name,
                        value=value, expected=f"one of {sorted(allowed)}")


def check_unique(frame: pd.DataFrame, keys: Sequence[str], *, file: str | Path) -> None:
    """Raise DataError naming the first two lines that share the same key."""
    dup = frame.duplicated(list(keys), keep=False)
    if dup.any():
        rows = frame[dup]
        first = rows.iloc[0][list(keys)]
        same = rows[(rows[list(keys)] == first).all(axis=1)].index[:2].tolist()
        raise DataError(
            f"duplicate key {dict(first.astype(str))} on lines {same[0]} and {same[1]}",
            file=file, row=same[1], column=",".join(keys),
            expected="one row per key",
        )


def check_unit(series: pd.Series, expected: Iterable[str], *, file: str | Path,
               column: str = "unit") -> None:
    """Raise DataError where a row's unit conflicts with the units the schema accepts."""
    expected = set(expected)
    bad = ~series.isin(expected)
    if bad.any():
        line, value = _first_bad(series, bad)
        raise DataError("unit conflicts with the schema", file=file, row=line, column=column,
                        value=value, expected=f"unit in {sorted(expected)}")


def check_prefectures(frame: pd.DataFrame, *, file: str | Path, code: str = "pref_code",
                      name: str = "prefecture", national: str = "00") -> None:
    """Check every (pref_code, prefecture) pair names the same JIS prefecture.

    ``national`` ('00', 全国) is accepted with the name 全国.

    Raises:
        DataError: naming the first line with an unknown code or name, or a mismatch.
    """
    from dxlab.clean.areas import prefecture as lookup
    from dxlab.errors import ParseError

    pairs = frame[[code, name]].drop_duplicates()
    for line, (c, n) in zip(pairs.index, pairs.itertuples(index=False), strict=True):
        if c == national and n == "全国":
            continue
        try:
            by_code = lookup(c) if re.fullmatch(r"[0-9]{2}", str(c)) else None
        except ParseError:
            by_code = None
        if by_code is None:
            raise DataError("prefecture code not found", file=file, row=line, column=code,
                            value=c, expected="a JIS X 0401 code 01-47 (or 00 for 全国)")
        try:
            by_name = lookup(n)
        except ParseError:
            raise DataError("prefecture name not found", file=file, row=line, column=name,
                            value=n, expected="one of the 47 prefecture names") from None
        if by_name.code != by_code.code:
            raise DataError(f"code {c} is {by_code.name}, not {n}", file=file, row=line,
                            column=code, value=c, expected=by_name.code)
