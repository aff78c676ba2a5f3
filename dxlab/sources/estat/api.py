"""e-Stat API 3.0 getStatsData over HTTP: paging, retries, and an appId that is never
printed.

How the appId is kept out of every output:

- It travels as an :class:`AppId`, whose ``str()`` and ``repr()`` are '***'; the key itself is
  handed to the HTTP client only inside the ``get`` call, as a query parameter.
- Every message is built from the public URL (:func:`public_url`, without the appId), and
  text that comes from outside — the HTTP client's exception text (which holds the full URL
  with the query), the server's ERROR_MSG, NEXT_KEY or any other field — is scrubbed of the
  key in every form it can take (as is, any letter case, URL-encoded, JSON-escaped) before it
  is put in a message.
- No dxlab exception raised here carries another exception in its chain (``__context__`` /
  ``__cause__``): errors are built and raised outside ``except`` blocks, so a traceback
  printed by a notebook, a logger or a cron mail shows dxlab's scrubbed message only.
- :func:`download` is a boundary: any failure inside it, including a document of unexpected
  shape, leaves as a scrubbed :class:`~dxlab.errors.FetchError`; the document it returns is
  scrubbed too (a server may echo the key in any field).
- While it runs, log records of the HTTP client (urllib3 logs every request line, query
  included, at DEBUG level) are scrubbed by a filter on its loggers.
- Redirects are not followed (the query, key included, would travel to another host), and a
  plain-http base URL is refused unless it is on this machine.

Storing the response and cataloguing it is :mod:`dxlab.fetch`'s job.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlencode, urlsplit

from dxlab.errors import DataError, FetchError

API_BASE = "https://api.e-stat.go.jp/rest/3.0/app"
APP_ID_ENV = "ESTAT_APP_ID"
MAX_PAGES = 10_000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class AppId:
    """The e-Stat appId: ``str()`` and ``repr()`` show '***'; :meth:`reveal` gives the key
    (only to the HTTP client); :meth:`scrub` removes it from text."""

    __slots__ = ("_pattern", "_value")

    def __init__(self, value: str) -> None:
        value = str(value).strip()
        if not value:
            raise FetchError(f"the e-Stat appId is empty (environment variable {APP_ID_ENV})")
        self._value = value
        forms = {value, quote(value, safe=""), quote_plus(value), quote(value),
                 json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
        self._pattern = re.compile("|".join(re.escape(f) for f in
                                            sorted(forms, key=len, reverse=True)),
                                   re.IGNORECASE)

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with every form of the key replaced by '***'."""
        return self._pattern.sub("***", text)

    def __repr__(self) -> str:
        return "AppId('***')"

    __str__ = __repr__

    def __reduce__(self):  # never pickled (into a cache, a worker process ...)
        raise TypeError("an AppId is not picklable")


class _ScrubRecords(logging.Filter):
    """Rewrites a log record whose text (or traceback) holds the key."""

    def __init__(self, key: AppId) -> None:
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record whose args do not format: keep its raw text
            text = str(record.msg)
        clean = self.key.scrub(text)
        if clean != text:
            record.msg, record.args = clean, ()
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, self.key.scrub(formatted)
        elif record.exc_text:
            record.exc_text = self.key.scrub(record.exc_text)
        return True


CLIENT_LOGGERS = ("urllib3", "requests", "charset_normalizer")


@contextlib.contextmanager
def _scrubbed_client_logs(key: AppId):
    """Scrub the key from every record of the HTTP client's loggers while inside."""
    names = [n for n in list(logging.root.manager.loggerDict)
             if n.split(".")[0] in CLIENT_LOGGERS]
    loggers = [logging.getLogger(n) for n in {*CLIENT_LOGGERS, *names}]
    scrubber = _ScrubRecords(key)
    for lg in loggers:
        lg.addFilter(scrubber)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(scrubber)


def public_url(url: str, params: dict) -> str:
    """The request URL without the appId (safe to print and store)."""
    public = {k: v for k, v in params.items() if k.lower() != "appid"}
    return f"{url}?{urlencode(public)}" if public else url


def scrub(text: str, secret: str | AppId | None) -> str:
    """``text`` with every form of ``secret`` (as is, any case, URL-encoded, JSON-escaped)
    replaced by '***'."""
    if not secret:
        return text
    key = secret if isinstance(secret, AppId) else AppId(secret)
    return key.scrub(text)


def check_base(base: str) -> str:
    """The API base URL, checked: http(s), a host, no query or credentials; plain http only
    to this machine (the appId is part of the query and would cross the network unencrypted).

    Raises:
        FetchError: naming what is wrong with the URL.
    """
    try:
        parts = urlsplit(base)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise FetchError(f"e-Stat base URL {base!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise FetchError(f"e-Stat base URL {base!r} must not carry a query, fragment or "
                         "credentials")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise FetchError(f"e-Stat base URL {base!r} is plain http: the appId would cross the "
                         "network unencrypted; use https (http is allowed only to this machine)")
    return base.rstrip("/")


class _Retry:
    """A transient failure (connection, timeout, 5xx, 429): worth another attempt."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def _attempt(session, url: str, params: dict, key: AppId, timeout: float, shown: str
             ) -> dict | _Retry:
    """One request. Returns the decoded JSON object or a :class:`_Retry`; raises FetchError
    for answers that retrying will not change. Nothing raised here has a chained exception."""
    problem = retry = None
    try:
        resp = session.get(url, params={"appId": key.reveal(), **params}, timeout=timeout,
                           allow_redirects=False)
    except Exception as exc:  # requests' errors are OSErrors (retried); anything else the
        # client raises (http.client.InvalidURL, UnicodeError ...) is not
        problem = key.scrub(f"{type(exc).__name__}: {exc}")
        retry = isinstance(exc, OSError)
    if problem is not None:
        if retry:
            return _Retry(problem)
        raise FetchError(f"the request to e-Stat failed ({problem}) for {shown}")
    try:
        status = int(getattr(resp, "status_code", 200))
    except (TypeError, ValueError):
        status = 0
    if status >= 500 or status == 429:
        return _Retry(f"HTTP {status}")
    if 300 <= status < 400:
        raise FetchError(f"e-Stat answered with a redirect (HTTP {status}) for {shown}; "
                         "redirects are not followed (the appId must not travel on)")
    if status == 403:
        raise FetchError(f"e-Stat answered HTTP 403 (forbidden) for {shown}; check the appId "
                         f"in {APP_ID_ENV}")
    if status >= 400 or status < 200:
        raise FetchError(f"e-Stat answered HTTP {status} for {shown}")
    doc = problem = None
    try:
        doc = resp.json()
    except RecursionError:
        problem = "JSON nested too deeply to read"
    except ValueError:  # json's and requests' JSONDecodeError
        problem = "something that is not JSON"
    if problem is not None:
        raise FetchError(f"e-Stat answered with {problem} ({shown})")
    if not isinstance(doc, dict):
        raise FetchError(f"e-Stat answered with JSON that is not an object ({shown})")
    return doc


def _get(session, url: str, params: dict, key: AppId, *, attempts: int, sleep,
         backoff: float, timeout: float) -> dict:
    """GET with the appId added at the last moment; JSON back or FetchError (no key in it)."""
    shown = public_url(url, params)
    delay = backoff
    problem = ""
    for attempt in range(1, attempts + 1):
        got = _attempt(session, url, params, key, timeout, shown)
        if not isinstance(got, _Retry):
            return got
        problem = got.problem
        if attempt < attempts:
            sleep(delay)
            delay *= 2
    raise FetchError(f"e-Stat did not answer after {attempts} attempt(s) ({problem}) for "
                     f"{shown}")


def _node(parent: dict, name: str, path: str, *, required: bool = True) -> dict:
    """``parent[name]`` as an object, or FetchError naming the JSON path."""
    node = parent.get(name)
    if node is None and not required:
        return {}
    if not isinstance(node, dict):
        raise FetchError(f"e-Stat response: {path}.{name} is "
                         f"{'missing' if node is None else type(node).__name__}, "
                         "expected an object")
    return node


def _values(page: dict) -> list:
    from dxlab.sources.estat.common import as_list

    data = _node(_node(page, "GET_STATS_DATA", "$"), "STATISTICAL_DATA", "$.GET_STATS_DATA")
    info = _node(data, "DATA_INF", "$.GET_STATS_DATA.STATISTICAL_DATA")
    return as_list(info.get("VALUE"))


def merge_pages(pages: list[dict]) -> dict:
    """Merge getStatsData pages (NEXT_KEY paging) into one document with every VALUE.

    Raises:
        FetchError: a page without GET_STATS_DATA.STATISTICAL_DATA.DATA_INF objects.
    """
    if not pages:
        raise FetchError("no pages to merge")
    values = []
    for page in pages:
        values.extend(_values(page))
    merged = copy.deepcopy(pages[0])
    data = merged["GET_STATS_DATA"]["STATISTICAL_DATA"]
    data["DATA_INF"]["VALUE"] = values
    info = _node(data, "RESULT_INF", "$.GET_STATS_DATA.STATISTICAL_DATA", required=False)
    data["RESULT_INF"] = info
    info.pop("NEXT_KEY", None)
    info["FROM_NUMBER"] = 1
    info["TO_NUMBER"] = len(values)
    return merged


def _next_position(info: dict, previous: int, key: AppId, pages: int, shown: str
                   ) -> int | None:
    """NEXT_KEY of a page as a start position, or None on the last page.

    Raises:
        FetchError: a NEXT_KEY that is not a whole number, or one that does not move forward
            (a server repeating or cycling would otherwise be paged forever).
    """
    nxt = info.get("NEXT_KEY")
    if nxt is None or nxt == "":
        return None
    text = str(nxt).strip()
    if isinstance(nxt, bool) or not re.fullmatch(r"[0-9]{1,12}", text):
        raise FetchError(f"e-Stat NEXT_KEY {key.scrub(text)[:60]!r} after {pages} page(s) is "
                         f"not a start position ({shown})")
    position = int(text)
    if position <= previous:
        raise FetchError(f"e-Stat repeated NEXT_KEY {position} after {pages} page(s) (it must "
                         f"move past {previous}); stopped instead of looping ({shown})")
    return position


@dataclass
class Download:
    """One table downloaded: the merged document (appId removed), its public URL, pages."""

    doc: dict
    url: str
    pages: int


def download(stats_data_id: str, *, app_id: str | AppId, filters: dict[str, str] | None = None,
             session=None, sleep: Callable[[float], None] = time.sleep, attempts: int = 4,
             backoff: float = 1.0, timeout: float = 60.0, base: str = API_BASE) -> Download:
    """Download every page of a getStatsData table.

    Args:
        stats_data_id: the 統計表ID.
        app_id: the appId (a str or an :class:`AppId`).
        filters: narrowing parameters (cdArea …); a filter named appId is refused.
        session: requests-like object with ``get`` (default a new ``requests.Session``).
        sleep, attempts, backoff: retries of transient failures (connection errors,
            timeouts, HTTP 5xx and 429), waiting ``backoff`` seconds, doubled each time.
        timeout: seconds for the connection and for each read.
        base: the API base URL (:func:`check_base`).
    Raises:
        FetchError: HTTP or network failure after retries, an API error STATUS, a response
            that is not a getStatsData document, or a NEXT_KEY that does not move forward.
            No message contains the appId, and no exception is chained to it.
    """
    key = app_id if isinstance(app_id, AppId) else AppId(app_id)
    error = None
    if session is None:
        import requests  # before the log filters: its loggers exist once imported

        session = requests.Session()
    try:
        with _scrubbed_client_logs(key):
            got = _download(stats_data_id, key, filters or {}, session, sleep, attempts,
                            backoff, timeout, base)
        got.doc = json.loads(key.scrub(json.dumps(got.doc, ensure_ascii=False)))
        return got
    except FetchError as exc:
        error = FetchError(key.scrub(str(exc)))
    except Exception as exc:  # a document of a shape nobody expected: still no key out
        error = FetchError(key.scrub(f"the e-Stat response could not be read "
                                     f"({type(exc).__name__}: {exc})"))
    raise error


def _download(stats_data_id, key: AppId, filters: dict, session, sleep, attempts, backoff,
              timeout, base) -> Download:
    if any(str(k).lower() == "appid" for k in filters):
        raise FetchError(f"the appId is read from {APP_ID_ENV} only, never from a filter")
    if attempts < 1:
        raise FetchError(f"attempts must be at least 1, got {attempts}")
    url = f"{check_base(base)}/json/getStatsData"
    params = {"statsDataId": stats_data_id, "lang": "J", **filters}
    shown = public_url(url, params)
    pages: list[dict] = []
    start = 0
    while True:
        query = dict(params, **({"startPosition": start} if start else {}))
        doc = _get(session, url, query, key, attempts=attempts, sleep=sleep, backoff=backoff,
                   timeout=timeout)
        root = doc.get("GET_STATS_DATA")
        if not isinstance(root, dict):
            raise FetchError(f"not a getStatsData response: no GET_STATS_DATA object "
                             f"({public_url(url, query)})")
        from dxlab.sources.estat.common import check_status  # pandas: only once answered

        problem = None
        try:
            check_status(root.get("RESULT", {}), public_url(url, query))
        except DataError as err:
            problem = key.scrub(str(err))
        if problem is not None:
            raise FetchError(problem)
        pages.append(doc)
        data = _node(root, "STATISTICAL_DATA", "$.GET_STATS_DATA")
        info = _node(data, "RESULT_INF", "$.GET_STATS_DATA.STATISTICAL_DATA", required=False)
        start = _next_position(info, start or 1, key, len(pages), shown)
        if start is None:
            break
        if len(pages) >= MAX_PAGES:
            raise FetchError(f"e-Stat sent NEXT_KEY on {MAX_PAGES} pages ({shown}); stopped")
    merged = merge_pages(pages)
    params_node = merged["GET_STATS_DATA"].get("PARAMETER")
    if isinstance(params_node, dict):
        params_node.pop("APP_ID", None)
    return Download(merged, shown, len(pages))
