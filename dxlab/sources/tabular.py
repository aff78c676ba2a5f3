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
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
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
    refuse_wide_or_binary(data, path)
    if encoding != "auto":
        problem = None
        try:
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except UnicodeDecodeError as err:
            problem, line = f" (first bad byte at offset {err.start})", _line_of(data, err.start)
        except LookupError:
            problem, line = f" (no codec called {encoding!r})", None
        raise DataError(f"file does not decode as {encoding}{problem}", file=path, row=line,
                        expected=f"a {encoding} text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf_err:
        bad = utf_err.start
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError:
        pass
    raise DataError(f"file is neither UTF-8 nor CP932 (Shift_JIS); first bad byte at offset "
                    f"{bad}", file=path, row=_line_of(data, bad),
                    expected="a UTF-8 or CP932 text file")


def _line_of(data: bytes, offset: int) -> int:
    """1-based line of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
              (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def refuse_wide_or_binary(data: bytes, path: str | Path) -> None:
    """UTF-16/32 text (Excel's "Unicode text") and binary files hold NUL bytes, which no
    UTF-8 or CP932 table does; CP932 would otherwise 'decode' them into garbage."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise DataError(f"file is {name} text (byte-order mark {bom.hex(' ')})", file=path,
                            row=1, expected="a UTF-8 or CP932 text file (save as CSV UTF-8)")
    nul = data.find(b"\x00", 0, 1 << 16)
    if nul >= 0:
        raise DataError(f"file holds a NUL byte at offset {nul}: UTF-16 text or a binary file, "
                        "not a CSV", file=path, row=_line_of(data, nul),
                        expected="a UTF-8 or CP932 text file")


def read_text(path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Read and decode a text file; see :func:`decode_bytes`.

    Raises:
        DataError: the file cannot be read (missing, a folder, no permission) or decoded.
    """
    data = read_bytes(path)
    return decode_bytes(data, path, encoding)


def read_bytes(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file (the first ``limit`` bytes if given).

    A directory, FIFO, socket or device in place of the file is refused before it is opened
    (opening a FIFO would wait for a writer forever).

    Raises:
        DataError: missing, not a regular file, or unreadable (naming the OS's reason).
    """
    import stat

    problem = None
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device or special file")
            problem = f"not a regular file ({kind})"
        else:
            with open(path, "rb") as fh:
                return fh.read() if limit is None else fh.read(limit)
    except OSError as exc:
        problem = f"cannot read the file: {exc.strerror or exc}"
    raise DataError(problem, file=path, expected="a readable regular file")


def csv_records(text: str, path: str | Path, *, header_after: int | None = 0
                ) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first file line, cells)`` for every CSV record of ``text``.

    Only CR, LF and CRLF end a record (U+2028, U+0085 and form feeds stay inside cells);
    a quoted cell may span lines, and the record is numbered by its first line.

    Args:
        header_after: lines before the header (the header names the column of a cell that
            is too large); None: no header (the column is named 'field N').
    Raises:
        DataError: a malformed record (e.g. a cell larger than the csv module's limit),
            naming its line and, for a cell over the limit, its column.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    header: list[str] | None = None
    while True:
        problem = None
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = str(exc)
        if problem is not None:
            field = _field_over_limit(text, previous)
            column = None
            if field is not None:
                column = header[field] if header and field < len(header) else f"field {field + 1}"
            raise DataError(f"malformed CSV record: {problem}", file=path, row=previous + 1,
                            column=column)
        if header is None and header_after is not None and previous >= header_after:
            header = [h.strip() for h in record]
        yield previous + 1, record
        previous = reader.line_num


def _field_over_limit(text: str, lines_before: int) -> int | None:
    """0-based index of the first cell longer than the csv module's limit in the record that
    starts after ``lines_before`` lines (a quote-aware scan), or None."""
    limit = csv.field_size_limit()
    pos = 0
    for _ in range(lines_before):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return None
    field, size, quoted, i = 0, 0, False, pos
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text.startswith('""', i):
                i += 1
            elif ch == '"':
                quoted = False
                i += 1
                continue
        elif ch == '"':
            quoted = True
            i += 1
            continue
        elif ch == ",":
            field, size = field + 1, 0
            i += 1
            continue
        elif ch in "\r\n":
            return None
        size += 1
        if size > limit:
            return field
        i += 1
    return None


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
    records = ((line, rec) for line, rec in csv_records(text, path, header_after=skip_lines)
               if line > skip_lines)
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
        raise DataError("file has a header but no data rows", file=path, row=header_line,
                        expected="data rows after the header")
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(line_numbers, name="line"),
                         dtype="object")
    return frame.replace({"": pd.NA})


def _first_bad(series: pd.Series, bad: pd.Series) -> tuple[object, object]:
    """(row label, value) of the first True in ``bad``, by position (long frames repeat
    their file-line labels, so a label may hold several values)."""
    pos = int(np.flatnonzero(np.asarray(bad, dtype=bool))[0])
    return series.index[pos], series.iloc[pos]


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


def check_field(series: pd.Series, field_name: str, *, file: str | Path, column: str) -> None:
    """The rules of a field in the field dictionary, on a typed series that a hook reads from
    a raw column of its own (so the error names that raw column, not the tidy field).

    Raises:
        DataError: naming the first line whose value breaks a rule.
    """
    from dxlab.fields import FIELDS

    kept = series[series.notna()]
    for rule in FIELDS[field_name].rules:
        ok = np.asarray(rule.test(kept).fillna(False), dtype=bool)
        if not ok.all():
            pos = int(np.flatnonzero(~ok)[0])
            raise DataError(f"value breaks the rule: {rule.text}", file=file,
                            row=kept.index[pos], column=column, value=kept.iloc[pos])


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
