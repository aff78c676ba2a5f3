"""e-Stat API 3.0 getStatsData over HTTP: paging, retries, and an appId that is never
printed.

The appId is added to the query at the moment of sending and appears in no exception text,
return value or stored document: every message is built from the public URL (without the
appId) and scrubbed of the key as a last defence, whatever the HTTP client puts in its own
error text. Storing the response and cataloguing it is :mod:`dxlab.fetch`'s job.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from dxlab.errors import DataError, FetchError
from dxlab.sources.estat.common import as_list, check_status

API_BASE = "https://api.e-stat.go.jp/rest/3.0/app"
APP_ID_ENV = "ESTAT_APP_ID"
MAX_PAGES = 10_000


def public_url(url: str, params: dict) -> str:
    """The request URL without the appId (safe to print and store)."""
    public = {k: v for k, v in params.items() if k.lower() != "appid"}
    return f"{url}?{urlencode(public)}" if public else url


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by '***'."""
    return text.replace(secret, "***") if secret else text


class _Transient(Exception):
    pass


def _get(session, url: str, params: dict, app_id: str, *, attempts: int, sleep,
         backoff: float, timeout: float) -> dict:
    """GET with the appId added at the last moment; JSON back or FetchError (no key in it)."""
    shown = public_url(url, params)
    delay = backoff
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            resp = session.get(url, params={"appId": app_id, **params}, timeout=timeout,
                               allow_redirects=False)
            status = int(getattr(resp, "status_code", 200))
            if status >= 500 or status == 429:
                raise _Transient(f"HTTP {status}")
            if 300 <= status < 400:
                raise FetchError(f"e-Stat answered with a redirect (HTTP {status}) for {shown}; "
                                 "redirects are not followed (the appId must not travel on)")
            if status >= 400:
                raise FetchError(f"e-Stat answered HTTP {status} for {shown}")
            try:
                doc = resp.json()
            except ValueError:
                raise FetchError(f"e-Stat answered with something that is not JSON ({shown})"
                                 ) from None
            if not isinstance(doc, dict):
                raise FetchError(f"e-Stat answered with JSON that is not an object ({shown})")
            return doc
        except FetchError as exc:
            raise FetchError(scrub(str(exc), app_id)) from None
        except (_Transient, OSError) as exc:  # connection errors and timeouts (requests'
            # exceptions are OSErrors), 5xx and 429: retried
            # The client's own text may contain the full URL with the key: keep only the
            # exception's type and the scrubbed text.
            problem = scrub(f"{type(exc).__name__}: {exc}", app_id)
            if attempt < attempts:
                sleep(delay)
                delay *= 2
    raise FetchError(f"e-Stat did not answer after {attempts} attempts ({problem}) for {shown}")


def merge_pages(pages: list[dict]) -> dict:
    """Merge getStatsData pages (NEXT_KEY paging) into one document with every VALUE."""
    if not pages:
        raise ValueError("no pages")
    merged = copy.deepcopy(pages[0])
    data = merged["GET_STATS_DATA"]["STATISTICAL_DATA"]
    values = []
    for page in pages:
        values.extend(as_list(page["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"]))
    data["DATA_INF"]["VALUE"] = values
    info = data.setdefault("RESULT_INF", {})
    info.pop("NEXT_KEY", None)
    info["FROM_NUMBER"] = 1
    info["TO_NUMBER"] = len(values)
    return merged


@dataclass
class Download:
    """One table downloaded: the merged document (appId removed), its public URL, pages."""

    doc: dict
    url: str
    pages: int


def download(stats_data_id: str, *, app_id: str, filters: dict[str, str] | None = None,
             session=None, sleep: Callable[[float], None] = time.sleep, attempts: int = 4,
             backoff: float = 1.0, timeout: float = 60.0, base: str = API_BASE) -> Download:
    """Download every page of a getStatsData table.

    Raises:
        FetchError: HTTP or network failure after retries, an API error STATUS, a response
            that is not a getStatsData document, or a NEXT_KEY that repeats (a server that
            would page forever). No message contains the appId.
    """
    if session is None:
        import requests

        session = requests.Session()
    url = f"{base}/json/getStatsData"
    params = {"statsDataId": stats_data_id, "lang": "J", **(filters or {})}
    pages, seen = [], set()
    start = None
    while True:
        query = dict(params, **({"startPosition": start} if start else {}))
        doc = _get(session, url, query, app_id, attempts=attempts, sleep=sleep,
                   backoff=backoff, timeout=timeout)
        root = doc.get("GET_STATS_DATA")
        if not isinstance(root, dict):
            raise FetchError(f"not a getStatsData response ({public_url(url, query)})")
        try:
            check_status(root.get("RESULT", {}), public_url(url, query))
        except DataError as err:
            raise FetchError(scrub(str(err), app_id)) from None
        pages.append(doc)
        start = (root.get("STATISTICAL_DATA") or {}).get("RESULT_INF", {}).get("NEXT_KEY")
        if not start:
            break
        if str(start) in seen or len(pages) >= MAX_PAGES:
            raise FetchError(f"e-Stat repeated NEXT_KEY {start} after {len(pages)} page(s) "
                             f"({public_url(url, params)}); stopped instead of looping")
        seen.add(str(start))
    try:
        merged = merge_pages(pages)
    except (KeyError, TypeError) as exc:
        raise FetchError(f"a page lacks {exc} ({public_url(url, params)})") from None
    merged["GET_STATS_DATA"].get("PARAMETER", {}).pop("APP_ID", None)
    return Download(merged, public_url(url, params), len(pages))
