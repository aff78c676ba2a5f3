"""e-Stat (政府統計の総合窓口) API 3.0: read getStatsData JSON and the CSV download, fetch.

Tidy output, one row per VALUE: for every classification in CLASS_INF (``tab``, ``cat01`` …,
``area``, ``time``) a code column ``<id>_code`` and a label column ``<id>``; ``unit``;
``value`` (float); ``marker`` — the raw special character where the cell holds no number
('-', '…', '***', 'X', full-width '－' …) — and ``marker_meaning`` from the table's own NOTE
list; the parsed time: ``year``, ``period`` ('year', 'fiscal_year', 'month', 'quarter' …),
``period_start``. ``attrs['classes']`` maps ids to the classification names (男女, 地域 …),
``attrs['table']`` holds TABLE_INF.

A value that is neither a number nor a declared marker is an error naming the file, the row
and what the NOTE list allows. ``RESULT.STATUS`` ≠ 0 is an error carrying ERROR_MSG.

``fetch`` reads the appId from ``$ESTAT_APP_ID`` only, never writes it anywhere (the stored
response and the catalog URL are scrubbed), retries transient failures with exponential
backoff, follows NEXT_KEY paging and stores one merged getStatsData document.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pandera import Column

from dxlab.clean.dates import parse_time
from dxlab.clean.text import normalize_text
from dxlab.errors import DataError, FetchError, ParseError
from dxlab.row_accounting import RowAccount
from dxlab.sources import register
from dxlab.sources.tabular import decode_bytes

API_BASE = "https://api.e-stat.go.jp/rest/3.0/app"
APP_ID_ENV = "ESTAT_APP_ID"
_NUMBER = r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"


# --------------------------------------------------------------------------- helpers

def _as_list(node) -> list:
    """e-Stat sends a one-element list as a bare object; normalise to a list."""
    if node is None:
        return []
    return node if isinstance(node, list) else [node]


def _text(node) -> str:
    return node.get("$", "") if isinstance(node, dict) else str(node)


def _check_status(result: dict, file: str | Path) -> None:
    status = result.get("STATUS")
    try:
        code = int(status)
    except (TypeError, ValueError):
        raise DataError("e-Stat RESULT has no numeric STATUS", file=file, column="RESULT.STATUS",
                        value=status) from None
    if code != 0:
        raise DataError(f"e-Stat API error {code}: {result.get('ERROR_MSG', '(no message)')}",
                        file=file, column="RESULT.STATUS", expected="STATUS 0")


def _notes(note_nodes: Iterable) -> dict[str, str]:
    """NOTE list → {normalised marker: meaning}."""
    out = {}
    for n in note_nodes:
        char = n.get("@char") if isinstance(n, dict) else None
        if char is not None:
            out[normalize_text(char)] = _text(n)
    return out


def _time_columns(codes: pd.Series, labels: pd.Series | None) -> pd.DataFrame:
    """Parse time codes once per distinct (code, label)."""
    pairs = pd.DataFrame({"c": codes, "l": labels if labels is not None else None})
    parsed = {}
    for c, label in pairs.drop_duplicates().itertuples(index=False):
        try:
            tp = parse_time(None if pd.isna(c) else str(c), None if pd.isna(label) else label)
            parsed[(c, label)] = (tp.year, tp.period, tp.start.isoformat())
        except ParseError:
            parsed[(c, label)] = (pd.NA, "unparsed", pd.NA)
    keys = list(zip(pairs["c"], pairs["l"], strict=True))
    return pd.DataFrame({
        "year": pd.array([parsed[k][0] for k in keys], dtype="Int64"),
        "period": [parsed[k][1] for k in keys],
        "period_start": [parsed[k][2] for k in keys],
    }, index=codes.index)


def _split_values(raw: pd.Series, notes: dict[str, str], *, file: str | Path,
                  row_label: Callable[[int], object]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Raw value strings → (value float, marker, marker meaning)."""
    text = raw.astype("object")
    numeric = text.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    value = pd.Series(np.nan, index=raw.index)
    value[numeric] = pd.to_numeric(text[numeric].str.replace(",", "", regex=False))
    marker = pd.Series(pd.NA, index=raw.index, dtype="object")
    meaning = pd.Series(pd.NA, index=raw.index, dtype="object")
    rest = ~numeric & text.notna()
    if rest.any():
        for raw_marker in text[rest].unique():
            norm = normalize_text(raw_marker)
            if norm not in notes:
                pos = int(np.flatnonzero((text == raw_marker).to_numpy())[0])
                listed = ", ".join(repr(k) for k in notes) or "none declared"
                raise DataError("value is neither a number nor a declared special marker",
                                file=file, row=row_label(pos), column="value",
                                value=raw_marker,
                                expected=f"a number or a NOTE marker ({listed})")
            mask = text == raw_marker
            marker[mask] = raw_marker
            meaning[mask] = notes[norm]
    return value, marker, meaning


# --------------------------------------------------------------------------- JSON

def parse_stats_data(doc: dict, *, file: str | Path = "<response>") -> pd.DataFrame:
    """A getStatsData JSON document (already decoded) → tidy frame."""
    root = doc.get("GET_STATS_DATA")
    if not isinstance(root, dict):
        raise DataError("not an e-Stat getStatsData response", file=file,
                        column="GET_STATS_DATA", expected="a top-level GET_STATS_DATA object")
    _check_status(root.get("RESULT", {}), file)
    data = root.get("STATISTICAL_DATA", {})
    class_objs = _as_list(data.get("CLASS_INF", {}).get("CLASS_OBJ"))
    classes = {c["@id"]: c.get("@name", c["@id"]) for c in class_objs}
    labels = {c["@id"]: {k["@code"]: k.get("@name", "") for k in _as_list(c.get("CLASS"))}
              for c in class_objs}
    units = {c["@id"]: {k["@code"]: k.get("@unit") for k in _as_list(c.get("CLASS"))}
             for c in class_objs}
    info = data.get("DATA_INF", {})
    notes = _notes(_as_list(info.get("NOTE")))
    values = _as_list(info.get("VALUE"))
    if not values:
        raise DataError("response holds no VALUE rows", file=file, column="DATA_INF.VALUE")
    frame = pd.DataFrame.from_records(values)
    return _tidy(frame.rename(columns={"$": "value_raw", "@unit": "unit"}), classes, labels,
                 units, notes, file=file, row_label=lambda i: f"VALUE[{i}]",
                 table=data.get("TABLE_INF", {}))


def _tidy(frame: pd.DataFrame, classes: dict, labels: dict, units: dict, notes: dict, *,
          file, row_label, table: dict) -> pd.DataFrame:
    out = {}
    for cid in classes:
        col = f"@{cid}"
        if col not in frame.columns:
            raise DataError(f"VALUE rows lack the classification {cid!r}", file=file,
                            column=col)
        codes = frame[col].astype(str)
        out[f"{cid}_code"] = codes
        names = codes.map(labels[cid])
        unknown = names.isna()
        if unknown.any():
            pos = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataError(f"code not listed in CLASS_INF for {cid!r}", file=file,
                            row=row_label(pos), column=col, value=codes.iloc[pos])
        out[cid] = names
    tidy = pd.DataFrame(out, index=frame.index)
    unit = frame["unit"] if "unit" in frame.columns else pd.Series(pd.NA, index=frame.index)
    if "tab" in classes:  # the unit may only be declared on the tab class
        unit = unit.fillna(tidy["tab_code"].map(units["tab"]))
    tidy["unit"] = unit.astype("object")
    value, marker, meaning = _split_values(frame["value_raw"], notes, file=file,
                                           row_label=row_label)
    tidy["value"] = value
    tidy["marker"] = marker
    tidy["marker_meaning"] = meaning
    if "time" in classes:
        tidy = pd.concat([tidy, _time_columns(tidy["time_code"], tidy["time"])], axis=1)
    tidy.attrs["classes"] = classes
    tidy.attrs["notes"] = notes
    tidy.attrs["table"] = {k: _text(v) for k, v in table.items()} if table else {}
    return tidy


def read_json(path: str | Path) -> pd.DataFrame:
    """Read a stored getStatsData JSON file (see :func:`parse_stats_data`).

    Raises:
        DataError: truncated or invalid JSON (naming line and column), API error status.
    """
    text, _enc = decode_bytes(Path(path).read_bytes(), path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid or truncated JSON: {exc.msg}", file=path,
                        row=f"line {exc.lineno}", column=f"char {exc.colno}",
                        expected="a complete getStatsData JSON document") from None
    return parse_stats_data(doc, file=path)


# --------------------------------------------------------------------------- CSV

_SECTION = re.compile(r'^"?([A-Z_]+)"?\s*$')


def _scan_csv_header(text_head: str, file) -> tuple[int, dict, dict]:
    """Find the VALUE section; parse RESULT/TABLE_INF/NOTE metadata before it.

    Returns (line index of the VALUE header row, metadata, notes).
    """
    import csv

    lines = text_head.splitlines()
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
        cells = next(csv.reader([line]))
        if section == "NOTE" and len(cells) >= 2:
            notes[normalize_text(cells[0])] = cells[1]
        elif len(cells) >= 2:
            meta[section][cells[0]] = cells[1]
    raise DataError("no VALUE section found in the first lines", file=file,
                    expected='an e-Stat CSV with a "VALUE" line before the data header')


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read the e-Stat CSV download: a metadata block (RESULT, PARAMETER, TABLE_INF, NOTE …),
    a line "VALUE", then a header such as
    ``tab_code,表章項目,cat01_code,男女,area_code,地域,time_code,時間軸,unit,value,annotation``
    and one row per value (thousands separators allowed, markers as text).

    Vectorised with pyarrow: labels become categoricals, numbers are parsed in Arrow, and
    markers and times are resolved once per distinct string.

    Raises:
        DataError: empty file, API error STATUS, no VALUE section, missing columns,
            undeclared markers (naming the file line).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head_bytes = fh.read(1 << 16)
    if not head_bytes.strip():
        raise DataError("file is empty", file=path, expected="an e-Stat CSV")
    head, encoding = _decode_head(head_bytes, path)
    header_index, meta, notes = _scan_csv_header(head, path)
    if "RESULT" in meta and "STATUS" in meta["RESULT"]:
        _check_status(meta["RESULT"], path)
    skip = header_index
    import csv

    header_line = head.splitlines()[skip] if skip < len(head.splitlines()) else ""
    names = next(csv.reader([header_line]), [])
    # Every column is text (codes such as '00000' must keep their zeros); low-cardinality
    # label columns are dictionary-encoded by the parser itself.
    table = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(skip_rows=skip, encoding=encoding,
                                        block_size=1 << 24),
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa_arrow.string() for n in names}, strings_can_be_null=False,
            auto_dict_encode=True, auto_dict_max_cardinality=50_000),
    )
    names = table.column_names
    if "value" not in names:
        raise DataError("missing column 'value' in the VALUE header", file=path,
                        row=skip + 1, expected="tab_code,表章項目,…,unit,value")
    ids = [n[: -len("_code")] for n in names if n.endswith("_code")]
    classes = {}
    out = {}
    for cid in ids:
        code_col = f"{cid}_code"
        label_col = names[names.index(code_col) + 1]
        classes[cid] = label_col
        out[f"{cid}_code"] = _categorical(table[code_col])
        out[cid] = _categorical(table[label_col])
    tidy = pd.DataFrame(out)
    tidy["unit"] = _categorical(table["unit"]) if "unit" in names else pd.NA
    raw_values = table["value"]
    if pa_arrow.types.is_dictionary(raw_values.type):
        raw_values = raw_values.cast(pa_arrow.string())
    stripped = pc.replace_substring(raw_values, ",", "")
    is_num = pc.match_substring_regex(raw_values, _NUMBER)
    numbers = pc.if_else(is_num, stripped, None).cast(pa_arrow.float64())
    tidy["value"] = numbers.to_numpy(zero_copy_only=False)
    # Markers as categoricals: codes filled once per distinct marker string.
    marker_codes = np.full(len(tidy), -1, dtype=np.int16)
    found: list[str] = []
    not_num = pc.invert(pc.fill_null(is_num, False))
    if pc.any(not_num).as_py():
        rest = pc.filter(raw_values, not_num)
        positions = np.flatnonzero(not_num.to_numpy(zero_copy_only=False))
        for raw_marker in pc.unique(rest).to_pylist():
            norm = normalize_text(raw_marker or "")
            where = positions[pc.equal(rest, raw_marker).to_numpy(zero_copy_only=False)]
            if norm not in notes:
                listed = ", ".join(repr(k) for k in notes) or "none declared"
                raise DataError("value is neither a number nor a declared special marker",
                                file=path, row=int(where[0]) + skip + 2, column="value",
                                value=raw_marker,
                                expected=f"a number or a NOTE marker ({listed})")
            marker_codes[where] = len(found)
            found.append(raw_marker)
    tidy["marker"] = pd.Categorical.from_codes(marker_codes, categories=found)
    meanings = sorted({notes[normalize_text(m)] for m in found})
    meaning_of = np.array([meanings.index(notes[normalize_text(m)]) for m in found] + [-1],
                          dtype=np.int16)
    tidy["marker_meaning"] = pd.Categorical.from_codes(meaning_of[marker_codes],
                                                       categories=meanings)
    if "time" in classes:
        tidy = pd.concat([tidy, _time_from_categories(tidy["time_code"], tidy["time"])], axis=1)
    tidy.attrs["classes"] = classes
    tidy.attrs["notes"] = notes
    tidy.attrs["table"] = meta.get("TABLE_INF", {})
    return tidy


def _decode_head(data: bytes, path: Path) -> tuple[str, str]:
    """Decode the first block of a file as UTF-8 (BOM allowed) or else CP932, tolerating a
    multi-byte character cut at the end of the block."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            return decoder.decode(data, final=False), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    raise DataError("file is neither UTF-8 nor CP932 (Shift_JIS)", file=path,
                    expected="an e-Stat CSV in UTF-8 or CP932")


def _categorical(column) -> pd.Series:
    if not pa_arrow.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    out = column.to_pandas()
    return out if isinstance(out.dtype, pd.CategoricalDtype) else out.astype("category")


def _time_from_categories(codes: pd.Series, labels: pd.Series) -> pd.DataFrame:
    """Parse time once per distinct code (with its first label) and broadcast by category
    codes, so a million rows cost a few hundred parses."""
    code_idx = codes.cat.codes.to_numpy()
    label_idx = labels.cat.codes.to_numpy()
    first_label = pd.Series(label_idx).groupby(code_idx).first()
    cat_codes = pd.Series(codes.cat.categories[first_label.index].astype(str))
    cat_labels = pd.Series(labels.cat.categories[first_label.to_numpy()].astype(str))
    parsed = _time_columns(cat_codes, cat_labels)
    lookup = np.full(len(codes.cat.categories), -1, dtype=np.int64)
    lookup[first_label.index.to_numpy()] = np.arange(len(first_label))
    rows = lookup[code_idx]

    def spread(values: pd.Series) -> pd.Categorical:
        uniq = pd.unique(values.astype("object"))
        position = {v: k for k, v in enumerate(uniq)}
        per_cat = np.array([position[v] for v in values.astype("object")], dtype=np.int32)
        return pd.Categorical.from_codes(per_cat[rows], categories=pd.Index(uniq).dropna()
                                         if not pd.isna(uniq).any() else list(uniq))

    year = parsed["year"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    return pd.DataFrame({
        "year": pd.array(np.where(np.isnan(year), None, year), dtype="Int64")
        if np.isnan(year).any() else pd.array(year.astype("int64"), dtype="Int64"),
        "period": spread(parsed["period"]),
        "period_start": spread(parsed["period_start"].fillna("")),
    }, index=codes.index)


# --------------------------------------------------------------------------- read

def read(path: str | Path) -> pd.DataFrame:
    """Read an e-Stat file, JSON or CSV, told apart by its content (not its name)."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(64)
    if not head.strip():
        raise DataError("file is empty", file=path, expected="e-Stat JSON or CSV")
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return read_json(path) if first in (b"{", b"[") else read_csv(path)


@register("estat", pa.DataFrameSchema({"value": Column(float, nullable=True),
                                        "unit": Column(nullable=True)}),
          {"value": "see unit"})
def read_for_catalog(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Catalog reader for fetched e-Stat files: every VALUE row is kept."""
    frame = read(path)
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(str)
    frame.attrs = {}
    return frame, RowAccount(str(path), len(frame))


# --------------------------------------------------------------------------- fetch

def merge_pages(pages: list[dict]) -> dict:
    """Merge getStatsData pages (NEXT_KEY paging) into one document with every VALUE."""
    if not pages:
        raise ValueError("no pages")
    merged = copy.deepcopy(pages[0])
    data = merged["GET_STATS_DATA"]["STATISTICAL_DATA"]
    values = []
    for page in pages:
        values.extend(_as_list(page["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]))
    data["DATA_INF"]["VALUE"] = values
    info = data.setdefault("RESULT_INF", {})
    info.pop("NEXT_KEY", None)
    info["FROM_NUMBER"] = 1
    info["TO_NUMBER"] = len(values)
    return merged


@dataclass
class FetchResult:
    """What ``fetch`` stored."""

    name: str
    path: Path
    rows: int
    url: str
    pages: int


class _Transient(Exception):
    pass


def _get(session, url: str, params: dict, *, attempts: int, sleep, backoff: float) -> dict:
    delay = backoff
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            resp = session.get(url, params=params, timeout=60)
            status = getattr(resp, "status_code", 200)
            if status >= 500 or status == 429:
                raise _Transient(f"HTTP {status}")
            if status >= 400:
                raise FetchError(f"e-Stat answered HTTP {status} for {_public_url(url, params)}")
            try:
                return resp.json()
            except ValueError:
                raise FetchError("e-Stat answered with something that is not JSON "
                                 f"({_public_url(url, params)})") from None
        except FetchError:
            raise
        except Exception as exc:  # connection errors, timeouts, 5xx
            last = exc
            if attempt < attempts:
                sleep(delay)
                delay *= 2
    raise FetchError(f"e-Stat did not answer after {attempts} attempts: {last} "
                     f"({_public_url(url, params)})")


def _public_url(url: str, params: dict) -> str:
    """The request URL without the appId (safe to print and store)."""
    public = {k: v for k, v in params.items() if k.lower() != "appid"}
    return f"{url}?{urlencode(public)}"


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def fetch(
    stats_data_id: str,
    *,
    filters: dict[str, str] | None = None,
    name: str | None = None,
    raw: Path,
    fmt: str = "json",
    session=None,
    app_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = 4,
    backoff: float = 1.0,
) -> FetchResult:
    """Download an e-Stat table with getStatsData into ``raw`` and add a catalog entry.

    Args:
        stats_data_id: the 統計表ID (10 digits).
        filters: API narrowing parameters (cdArea, cdCat01, cdTime …).
        name: catalog name (default ``estat_<id>``).
        raw: the raw data folder (``data/raw``).
        fmt: 'json' (stored as one merged getStatsData document).
        session: a requests-like object with ``get`` (tests pass recorded responses).
        app_id: defaults to ``$ESTAT_APP_ID``; never written anywhere.
    Raises:
        FetchError: no appId, HTTP or network failure after retries, or an API error status.
    """
    if fmt != "json":
        raise FetchError("only --format json is stored by fetch (the CSV reader is for files "
                         "downloaded by hand)")
    if not re.fullmatch(r"\d{10}", stats_data_id):
        raise FetchError(f"statsDataId must be 10 digits, got {stats_data_id!r}")
    app_id = app_id or os.environ.get(APP_ID_ENV)
    if not app_id:
        raise FetchError(f"no e-Stat appId: set the environment variable {APP_ID_ENV} "
                         "(register at https://www.e-stat.go.jp/api/ to get one)")
    if session is None:
        import requests

        session = requests.Session()
    url = f"{API_BASE}/json/getStatsData"
    params = {"appId": app_id, "statsDataId": stats_data_id, "lang": "J", **(filters or {})}
    pages = []
    start = None
    while True:
        query = dict(params, **({"startPosition": start} if start else {}))
        doc = _get(session, url, query, attempts=attempts, sleep=sleep, backoff=backoff)
        root = doc.get("GET_STATS_DATA", {})
        try:
            _check_status(root.get("RESULT", {}), _public_url(url, query))
        except DataError as err:
            raise FetchError(str(err)) from None
        pages.append(doc)
        start = root.get("STATISTICAL_DATA", {}).get("RESULT_INF", {}).get("NEXT_KEY")
        if not start or len(pages) > 10_000:
            break
    merged = merge_pages(pages)
    merged["GET_STATS_DATA"].get("PARAMETER", {}).pop("APP_ID", None)
    text = _scrub(json.dumps(merged, ensure_ascii=False, indent=1), app_id)
    name = name or f"estat_{stats_data_id}"
    raw.mkdir(parents=True, exist_ok=True)
    target = raw / f"{name}.json"
    fd, tmp = tempfile.mkstemp(dir=raw, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    frame = parse_stats_data(json.loads(text), file=tmp)  # validate before it lands
    os.replace(tmp, target)
    public = _public_url(url, params)
    _append_catalog(raw, name=name, file=target.name, doc=merged, url=public,
                    sha=hashlib.sha256(target.read_bytes()).hexdigest(), pages=len(pages))
    return FetchResult(name, target, len(frame), public, len(pages))


def _append_catalog(raw: Path, *, name: str, file: str, doc: dict, url: str, sha: str,
                    pages: int) -> None:
    import tomli_w

    from dxlab.datasets import CATALOG_FILE, read_catalog

    table = doc["GET_STATS_DATA"]["STATISTICAL_DATA"].get("TABLE_INF", {})
    catalog_path = raw / CATALOG_FILE
    if catalog_path.is_file() and name in read_catalog(raw):
        raise FetchError(f"{catalog_path}: a dataset called {name!r} exists; pass --name")
    entry = {
        "name": name,
        "file": file,
        "title": _text(table.get("TITLE", "")) or _text(table.get("STATISTICS_NAME", name)),
        "statistic": _text(table.get("STAT_NAME", "")) or "e-Stat table",
        "publisher": _text(table.get("GOV_ORG", "")) or "see e-Stat",
        "table_id": f"e-Stat 統計表ID {table.get('@id', '')}".strip(),
        "reference_dates": str(table.get("SURVEY_DATE", "")) or "see time column",
        "unit": "per row (unit column)",
        "source_url": url,
        "licence": "e-Stat terms of use: 政府標準利用規約（第2.0版）, compatible with CC BY 4.0",
        "sha256": sha,
        "reader": "estat",
        "source_quality": "official (e-Stat API)",
        "retrieved_via": f"dxlab fetch estat, {pages} page(s), "
                         f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
    }
    block = tomli_w.dumps({"dataset": [entry]})
    with open(catalog_path, "a", encoding="utf-8") as fh:
        fh.write("\n" + block)

