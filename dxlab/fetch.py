"""``dxlab fetch``: download fuller official tables into ``data/raw`` and catalogue them.

Order of work, so that nothing catalogued is ever lost: check the name is free (a file or
catalog entry of that name is never replaced); download every page; validate the document by
reading it; write it under a temporary name in ``data/raw`` and link it into place (a link,
unlike a rename, fails rather than replace a file); append the catalog entry atomically, under
a lock so that concurrent fetches do not lose each other's entries. A failure at any step
leaves ``data/raw`` as it was (the temporary file is removed, an uncatalogued file unlinked).

The e-Stat appId comes from ``$ESTAT_APP_ID`` only and is never written anywhere: the stored
document and the catalog entry are scrubbed of it in every form, every message too, and no
exception leaving :func:`estat` is chained to one that carries it (see
:mod:`dxlab.sources.estat.api`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dxlab import paths
from dxlab.datasets import CATALOG_FILE, append_entry, read_catalog
from dxlab.errors import CatalogError, DataError, DxlabError, FetchError
from dxlab.sources.estat import api

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
            an API error status, a response that does not read as a table, or a failure to
            store it (data/raw is then as it was). No message contains the appId and no
            exception is chained to one that does.
        CatalogError: the catalog cannot be read or a concurrent fetch took the name.
    """
    if not re.fullmatch(r"\d{10}", stats_data_id or ""):
        raise FetchError(f"statsDataId must be 10 digits, got {stats_data_id!r}")
    value = app_id or os.environ.get(api.APP_ID_ENV)
    if not value or not str(value).strip():
        raise FetchError(f"no e-Stat appId: set the environment variable {api.APP_ID_ENV} "
                         "(register at https://www.e-stat.go.jp/api/ to get one)")
    key = value if isinstance(value, api.AppId) else api.AppId(value)
    app_id = value = None  # only the AppId (which prints as '***') stays in this frame
    raw = raw or paths.raw_dir()
    name = name or f"estat_{stats_data_id}"
    target = _check_name(name, raw)
    error: Exception | None = None
    try:
        return _download_and_store(stats_data_id, key, filters, name, raw, target, session,
                                   options)
    except (FetchError, CatalogError) as exc:
        error = type(exc)(key.scrub(str(exc)))
    except DxlabError as exc:
        error = FetchError(key.scrub(str(exc)))
    except OSError as exc:
        error = FetchError(key.scrub(f"could not store the table in {raw}: "
                                     f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # never let an unexpected error carry the key out
        error = FetchError(key.scrub(f"the e-Stat response could not be stored "
                                     f"({type(exc).__name__}: {exc})"))
    raise error  # outside the except blocks: no chained exception


def _download_and_store(stats_data_id: str, key: api.AppId, filters, name: str, raw: Path,
                        target: Path, session, options: dict) -> FetchResult:
    got = api.download(stats_data_id, app_id=key, filters=filters, session=session, **options)
    from dxlab.sources.estat.json import parse_stats_data  # pandas: only once downloaded

    # The document as stored, scrubbed of every form of the key (a server may echo it in any
    # field); the table is read and the catalog entry built from this text only.
    text = key.scrub(json.dumps(got.doc, ensure_ascii=False, indent=1))
    doc = json.loads(text)
    problem = None
    try:
        frame = parse_stats_data(doc, file=got.url)
    except DataError as err:
        problem = f"the e-Stat response does not read as a table: {err}"
    if problem is not None:
        raise FetchError(problem)
    data = text.encode("utf-8")
    item = _entry(name, target, doc, got, hashlib.sha256(data).hexdigest())
    item = {k: key.scrub(v) if isinstance(v, str) else v for k, v in item.items()}
    raw.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=raw, prefix=f".{name}.", suffix=".tmp")
    linked = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.link(tmp, target)  # unlike rename, fails rather than replace a file
        except FileExistsError:
            raise FetchError(f"{target} appeared while downloading; nothing replaced") from None
        linked = True
        append_entry(raw, item)
        linked = False  # catalogued: the file stays
    finally:
        if linked:
            target.unlink(missing_ok=True)  # never leave an uncatalogued file behind
        if os.path.exists(tmp):
            os.unlink(tmp)
    return FetchResult(name, target, len(frame), got.url, got.pages)


def _entry(name: str, target: Path, doc: dict, got: api.Download, sha256: str) -> dict:
    from dxlab.sources.estat.common import text_of

    data = doc["GET_STATS_DATA"]["STATISTICAL_DATA"]
    table = data.get("TABLE_INF") if isinstance(data.get("TABLE_INF"), dict) else {}
    return {
        "name": name,
        "file": target.name,
        "title": text_of(table.get("TITLE", "")) or text_of(table.get("STATISTICS_NAME", name)),
        "statistic": text_of(table.get("STAT_NAME", "")) or "e-Stat table",
        "publisher": text_of(table.get("GOV_ORG", "")) or "see e-Stat",
        "table_id": f"e-Stat 統計表ID {text_of(table.get('@id', ''))}".strip(),
        "reference_dates": str(table.get("SURVEY_DATE", "")) or "see time column",
        "unit": "per row (unit column)",
        "source_url": got.url,
        "licence": "e-Stat terms of use: 政府標準利用規約（第2.0版）, compatible with CC BY 4.0",
        "sha256": sha256,
        "reader": "estat",
        "source_quality": "official (e-Stat API)",
        "retrieved_via": f"dxlab fetch estat, {got.pages} page(s), "
                         f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
    }
