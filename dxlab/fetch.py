"""``dxlab fetch``: download fuller official tables into ``data/raw`` and catalogue them.

Order of work, so that nothing catalogued is ever lost: check the name is free (a file or
catalog entry of that name is never replaced); download every page; validate the document by
reading it; write it under a temporary name in ``data/raw`` and rename it into place; append
the catalog entry atomically. A failure at any step leaves ``data/raw`` as it was (the
temporary file is removed).

The e-Stat appId comes from ``$ESTAT_APP_ID`` only and is never written anywhere (the stored
document, the catalog entry and every message are free of it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dxlab import paths
from dxlab.datasets import CATALOG_FILE, append_entry, read_catalog, sha256_of
from dxlab.errors import CatalogError, DataError, FetchError
from dxlab.sources.estat import api
from dxlab.sources.estat.common import text_of
from dxlab.sources.estat.json import parse_stats_data

NAME_PATTERN = r"[a-z][a-z0-9_]{0,79}"


@dataclass
class FetchResult:
    """What :func:`estat` stored."""

    name: str
    path: Path
    rows: int
    url: str
    pages: int


def _check_name(name: str, raw: Path) -> Path:
    if not re.fullmatch(NAME_PATTERN, name):
        raise FetchError(f"dataset name {name!r} is not allowed; expected lower-case letters, "
                         "digits and '_' (starting with a letter, at most 80 characters)")
    target = raw / f"{name}.json"
    if (raw / CATALOG_FILE).is_file() and name in read_catalog(raw):
        raise FetchError(f"{raw / CATALOG_FILE}: a dataset called {name!r} exists; choose "
                         "another --name (catalogued files are never replaced)")
    if target.exists():
        raise FetchError(f"{target} exists (not catalogued); move it away or choose another "
                         "--name")
    return target


def estat(stats_data_id: str, *, filters: dict[str, str] | None = None, name: str | None = None,
          raw: Path | None = None, session=None, app_id: str | None = None, **options
          ) -> FetchResult:
    """Download an e-Stat table with getStatsData into ``raw`` and add its catalog entry.

    Args:
        stats_data_id: the 統計表ID (10 digits).
        filters: API narrowing parameters (cdArea, cdCat01, cdTime …).
        name: catalog name (default ``estat_<id>``).
        raw: the raw data folder (default ``data/raw``).
        session: a requests-like object with ``get`` (tests pass a fake or a local server).
        app_id: defaults to ``$ESTAT_APP_ID``; never written anywhere.
        options: passed to :func:`dxlab.sources.estat.api.download` (attempts, backoff,
            sleep, timeout, base).
    Raises:
        FetchError: no appId, a bad or taken name, HTTP or network failure after retries,
            an API error status, or a response that does not read as a table.
    """
    if not re.fullmatch(r"\d{10}", stats_data_id or ""):
        raise FetchError(f"statsDataId must be 10 digits, got {stats_data_id!r}")
    app_id = app_id or os.environ.get(api.APP_ID_ENV)
    if not app_id:
        raise FetchError(f"no e-Stat appId: set the environment variable {api.APP_ID_ENV} "
                         "(register at https://www.e-stat.go.jp/api/ to get one)")
    raw = raw or paths.raw_dir()
    name = name or f"estat_{stats_data_id}"
    target = _check_name(name, raw)
    got = api.download(stats_data_id, app_id=app_id, filters=filters, session=session,
                       **options)
    text = api.scrub(json.dumps(got.doc, ensure_ascii=False, indent=1), app_id)
    try:
        frame = parse_stats_data(json.loads(text), file=got.url)
    except DataError as err:
        raise FetchError(api.scrub(f"the response does not read as a table: {err}", app_id)
                         ) from None
    raw.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=raw, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            os.link(tmp, target)  # unlike rename, fails rather than replace a file
        except FileExistsError:
            raise FetchError(f"{target} appeared while downloading; nothing replaced") from None
        try:
            append_entry(raw, _entry(name, target, got))
        except (CatalogError, OSError):
            target.unlink(missing_ok=True)  # never leave an uncatalogued file behind
            raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return FetchResult(name, target, len(frame), got.url, got.pages)


def _entry(name: str, target: Path, got: api.Download) -> dict:
    table = got.doc["GET_STATS_DATA"]["STATISTICAL_DATA"].get("TABLE_INF", {})
    return {
        "name": name,
        "file": target.name,
        "title": text_of(table.get("TITLE", "")) or text_of(table.get("STATISTICS_NAME", name)),
        "statistic": text_of(table.get("STAT_NAME", "")) or "e-Stat table",
        "publisher": text_of(table.get("GOV_ORG", "")) or "see e-Stat",
        "table_id": f"e-Stat 統計表ID {table.get('@id', '')}".strip(),
        "reference_dates": str(table.get("SURVEY_DATE", "")) or "see time column",
        "unit": "per row (unit column)",
        "source_url": got.url,
        "licence": "e-Stat terms of use: 政府標準利用規約（第2.0版）, compatible with CC BY 4.0",
        "sha256": sha256_of(target),
        "reader": "estat",
        "source_quality": "official (e-Stat API)",
        "retrieved_via": f"dxlab fetch estat, {got.pages} page(s), "
                         f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
    }
