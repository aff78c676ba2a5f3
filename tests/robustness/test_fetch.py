"""``dxlab fetch estat`` against a fake e-Stat server on 127.0.0.1 (no network): every failure
mode the HTTP client can meet, in-process (:func:`dxlab.fetch.estat`), through the CLI in a
subprocess, and inside a notebook built by ``dxlab run``.

A case is a 'clear error' only if dxlab raised its own error (the CLI: exit status 2 and one
'dxlab: error:' line, no traceback) saying what happened, AND the appId appears in no output:
not in the message, its repr, the formatted traceback with its whole exception chain
(``__context__``/``__cause__``), stdout, stderr, or any file under the test's folder (data/raw,
the catalog, the cache, the report's HTML, ipynb and index). A leak is recorded as 'silent
wrong'. After every failing fetch, data/raw must be byte-for-byte what it was (no file lost or
changed, no temporary file left): otherwise 'data lost'.

The appId is a random 40-hex-digit string made per run (the shape of a real one); a second
key with characters that URL-encoding changes checks the scrubbing of encoded forms.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import traceback
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import REPO
from fixtures.estat_synthetic import synthetic_stats_data
from fixtures.make_notebooks import make

from dxlab import fetch
from dxlab.errors import DxlabError
from robustness.fake_estat import STATS_ID, WRONG_TYPES, FakeEstat, FullBacklog, closed_port
from robustness.harness import Probe, lost, snapshot

KEY = secrets.token_hex(20)
ODD_KEY = secrets.token_hex(12) + "+/ &=%"  # URL-encoding changes these characters
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
              "https_proxy", "all_proxy", "no_proxy")


def forms(key: str) -> list[str]:
    """The ways a key can appear in text: as is, upper-case, URL-encoded, JSON-escaped."""
    return list(dict.fromkeys([key, key.upper(), quote(key, safe=""), quote_plus(key),
                               json.dumps(key)[1:-1]]))


def leaks(text: str, key: str) -> bool:
    return any(f in text for f in forms(key))


def leaked_files(folder: Path, key: str) -> list[str]:
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            text = p.read_bytes().decode("utf-8", errors="replace")
            if leaks(text, key):
                out.append(str(p.relative_to(folder)))
    return out


def chain_text(exc: BaseException) -> str:
    """Message, repr and traceback of ``exc`` and of every exception chained to it, whether
    or not Python would print it (a suppressed ``__context__`` is still reachable)."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts += [str(exc), repr(exc), *traceback.format_exception(exc)]
        parts += [repr(a) for a in exc.args]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


@pytest.fixture(scope="module")
def server():
    srv = FakeEstat(slow_s=1.5)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def backlog():
    b = FullBacklog()
    yield b
    b.close()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """tmp/data/raw with one catalogued dataset already in it (a fetch must never touch it)."""
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    monkeypatch.setenv("DXLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DXLAB_CACHE_DIR", str(tmp_path / "data" / "processed"))
    fetch.estat(STATS_ID, name="existing_table", raw=raw, app_id="not-the-key",
                session=_OneShot(synthetic_stats_data()))
    return tmp_path


class _OneShot:
    """A session answering one synthetic document (to seed data/raw without a server)."""

    def __init__(self, doc):
        self.doc = doc

    def get(self, url, params=None, timeout=None, allow_redirects=True):
        from fixtures.estat_synthetic import FakeResponse

        return FakeResponse(self.doc)


# (id, how to build the base URL, extra environment, fragment the message must hold,
#  whether the request reaches the fake server with the key)
def _cases():
    def srv(mode, scheme="http"):
        return lambda s, b: s.base(mode, scheme)

    cases = [
        ("connection refused", lambda s, b: f"http://127.0.0.1:{closed_port()}", {},
         "ConnectionError", False),
        ("DNS failure", lambda s, b: "https://no-such-host.invalid/rest/3.0/app", {},
         "ConnectionError", False),
        ("TLS error (https to a plain-HTTP port)", srv("ok", "https"), {}, "SSLError", False),
        ("HTTP proxy unreachable", srv("ok"), {"HTTP_PROXY": "PROXY"}, "ProxyError", False),
        ("HTTPS proxy unreachable", srv("ok", "https"), {"HTTPS_PROXY": "PROXY"}, "ProxyError",
         False),
        ("connect timeout", lambda s, b: f"http://127.0.0.1:{b.port}", {}, "ConnectTimeout",
         False),
        ("read timeout (slow server)", srv("slow"), {}, "ReadTimeout", True),
        ("HTTP 500 echoing the key", srv("e500"), {}, "HTTP 500", True),
        ("HTTP 403 echoing the key", srv("e403"), {}, "HTTP 403", True),
        ("HTTP 404", srv("e404"), {}, "HTTP 404", True),
        ("HTTP 429", srv("e429"), {}, "HTTP 429", True),
        ("invalid JSON echoing the key", srv("badjson"), {}, "not JSON", True),
        ("empty body", srv("empty"), {}, "not JSON", True),
        ("JSON that is not an object", srv("notobject"), {}, "not an object", True),
        ("STATUS≠0, ERROR_MSG echoing the key", srv("status"), {}, "API error 100", True),
        ("STATUS that is the key", srv("nostatus"), {}, "STATUS", True),
        ("redirect elsewhere", srv("redirect"), {}, "redirect", True),
        ("redirect loop", srv("loop"), {}, "redirect", True),
        ("constant NEXT_KEY", srv("nextkey"), {}, "NEXT_KEY", True),
        ("NEXT_KEY that is the key", srv("nextkey_echo"), {}, "NEXT_KEY", True),
        ("NEXT_KEY cycling back", srv("nextkey_back"), {}, "NEXT_KEY", True),
        ("JSON nested 100,000 deep", srv("deep"), {}, "nested", True),
        ("body shorter than Content-Length", srv("truncated"), {}, "e-Stat", True),
    ]
    cases += [(f"wrong node type: {v}", srv(f"shape_{v}"), {}, "e-Stat", True)
              for v in WRONG_TYPES]
    return cases


CASES = _cases()
IDS = [c[0] for c in CASES]


def _environment(extra: dict, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env.update(DXLAB_DATA_DIR=str(workdir / "data"),
               DXLAB_CACHE_DIR=str(workdir / "data" / "processed"))
    dead = f"http://127.0.0.1:{closed_port()}"
    env.update({k: dead if v == "PROXY" else v for k, v in extra.items()})
    return env


def _judge(probe: Probe, *, error: BaseException | None, texts: list[str], key: str,
           workdir: Path, before: dict, fragment: str, cli_rc: int | None = None) -> None:
    raw = workdir / "data" / "raw"
    after = snapshot(raw)
    gone = lost(before, after)
    extra = sorted(set(after) - set(before))
    found = [t[:200] for t in texts if leaks(t, key)]
    files = leaked_files(workdir, key)
    if found or files:
        probe.outcome("silent wrong", f"appId leaked: {files or found}")
    elif gone or extra:
        probe.outcome("data lost", f"changed or lost {gone}, left behind {extra}")
    elif cli_rc is not None:
        out = "\n".join(texts)
        if cli_rc not in (1, 2) or "Traceback" in out:
            probe.outcome("crash", f"exit {cli_rc}: {out[-300:]}")
        elif fragment not in out or "dxlab: error:" not in out:
            probe.outcome("unclear error", f"exit {cli_rc}, lacks {fragment!r}: {out[-300:]}")
        else:
            probe.outcome("clear error", out[-200:])
    elif error is None:
        probe.outcome("silent wrong", "the fetch succeeded")
    elif not isinstance(error, DxlabError):
        probe.outcome("crash", f"{type(error).__name__}: {str(error)[:200]}")
    elif fragment not in str(error):
        probe.outcome("unclear error", f"lacks {fragment!r}: {error}")
    else:
        probe.outcome("clear error", str(error))


@pytest.mark.parametrize(("base", "env", "fragment", "reaches"),
                         [c[1:] for c in CASES], ids=IDS)
def test_fetch_in_process(server, backlog, workdir, monkeypatch, request, base, env,
                          fragment, reaches):
    kind = request.node.callspec.id
    url = base(server, backlog)
    for k, v in _environment(env, workdir).items():
        if k in env:
            monkeypatch.setenv(k, v)
    monkeypatch.setenv("ESTAT_APP_ID", KEY)
    raw = workdir / "data" / "raw"
    before = snapshot(raw)
    seen = len(server.seen_keys)
    error = None
    try:
        fetch.estat(STATS_ID, raw=raw, base=url, attempts=2, sleep=lambda s: None,
                    timeout=0.5)
    except Exception as exc:  # judged below: dxlab's own error or a crash
        error = exc
    if reaches:  # the failure happened with the key in the request
        assert KEY in server.seen_keys[seen:], "the request did not reach the fake server"
    texts = [chain_text(error)] if error is not None else []
    _judge(Probe("fetch", kind), error=error, texts=texts, key=KEY, workdir=workdir,
           before=before, fragment=fragment)


CLI_CASES = [c for c in CASES if not c[0].startswith("wrong node type")] + [
    c for c in CASES if c[0] == "wrong node type: statistical_data_list"]


@pytest.mark.parametrize(("base", "env", "fragment", "reaches"),
                         [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_fetch_cli(server, backlog, workdir, request, base, env, fragment, reaches):
    kind = request.node.callspec.id
    url = base(server, backlog)
    raw = workdir / "data" / "raw"
    before = snapshot(raw)
    environ = _environment(env, workdir)
    environ["ESTAT_APP_ID"] = KEY
    proc = subprocess.run(
        [sys.executable, "-m", "dxlab.cli", "fetch", "estat", STATS_ID, "--base", url,
         "--attempts", "1", "--timeout", "0.5"],
        capture_output=True, text=True, cwd=workdir, env=environ, timeout=60)
    _judge(Probe("fetch cli", kind), error=None, texts=[proc.stdout, proc.stderr], key=KEY,
           workdir=workdir, before=before, fragment=fragment, cli_rc=proc.returncode)


@pytest.mark.parametrize("mode", ["refused", "status"])
def test_url_encoded_key_is_scrubbed_too(server, workdir, monkeypatch, mode):
    """A key whose URL-encoded form differs from the key: neither form appears anywhere."""
    monkeypatch.setenv("ESTAT_APP_ID", ODD_KEY)
    url = f"http://127.0.0.1:{closed_port()}" if mode == "refused" else server.base("status")
    raw = workdir / "data" / "raw"
    before = snapshot(raw)
    error = None
    try:
        fetch.estat(STATS_ID, raw=raw, base=url, attempts=1, timeout=0.5)
    except Exception as exc:
        error = exc
    if mode == "status":
        assert ODD_KEY in server.seen_keys
    _judge(Probe("fetch", f"appId with URL-special characters ({mode})"), error=error,
           texts=[chain_text(error)] if error else [], key=ODD_KEY, workdir=workdir,
           before=before, fragment="ConnectionError" if mode == "refused" else "API error")


def test_server_echoing_the_key_in_a_good_response(server, workdir, monkeypatch):
    """A successful download whose document and headers echo the key (title, NOTE, PARAMETER,
    ERROR_MSG): it is stored and catalogued, and the key is in none of it."""
    monkeypatch.setenv("ESTAT_APP_ID", KEY)
    raw = workdir / "data" / "raw"
    before = snapshot(raw)
    old_catalog = (raw / "catalog.toml").read_text(encoding="utf-8")
    probe = Probe("fetch", "success echoing the key in body and headers")
    result = probe.accepts(
        lambda: fetch.estat(STATS_ID, raw=raw, base=server.base("echo"), attempts=1),
        lambda r: r.rows == 5 and not leaks(repr(r), KEY))
    assert KEY in server.seen_keys
    assert leaked_files(workdir, KEY) == []
    after = snapshot(raw)
    assert lost(before, after) == ["catalog.toml"]  # the only file that changed: one entry more
    assert sorted(set(after) - set(before)) == ["estat_0003410379.json"]
    assert (raw / "catalog.toml").read_text(encoding="utf-8").startswith(old_catalog.rstrip())
    import dxlab

    frame = dxlab.load(result.name, cache=False)
    assert not any(leaks(str(v), KEY) for v in frame.attrs["provenance"].values())
    # the CLI too: exit 0, nothing printed or written carries the key
    environ = _environment({}, workdir)
    environ["ESTAT_APP_ID"] = KEY
    proc = subprocess.run(
        [sys.executable, "-m", "dxlab.cli", "fetch", "estat", STATS_ID, "--base",
         server.base("echo"), "--attempts", "1", "--name", "echoed_again"],
        capture_output=True, text=True, cwd=workdir, env=environ, timeout=60)
    Probe("fetch cli", "success echoing the key").accepts(
        lambda: proc, lambda p: p.returncode == 0 and not leaks(p.stdout + p.stderr, KEY)
        and leaked_files(workdir, KEY) == [])


def test_a_notebook_calling_fetch_leaks_nothing_into_its_report(server, backlog, workdir):
    """A notebook (run by ``dxlab run``) that prints every failing fetch's error with its
    traceback and chain, then fails on one: the report's HTML, ipynb, index.json and
    index.html, and dxlab run's own output, hold no trace of the key."""
    raw = workdir / "data" / "raw"
    bases = [f"http://127.0.0.1:{closed_port()}", server.base("ok", "https"),
             server.base("e500"), server.base("badjson"), server.base("status"),
             server.base("redirect"), server.base("nextkey_echo"),
             server.base("shape_statistical_data_list"), server.base("shape_code_object")]
    body = f"""
import traceback
from dxlab import fetch
for i, base in enumerate({bases!r}):
    try:
        fetch.estat({STATS_ID!r}, base=base, attempts=1, timeout=0.5, name=f"t{{i}}")
    except Exception as exc:
        print(type(exc).__name__, exc)
        print(repr(exc), repr(exc.__context__), repr(exc.__cause__))
        traceback.print_exception(exc)
fetch.estat({STATS_ID!r}, base={server.base("status")!r}, attempts=1)
"""
    nb = make(workdir / "fetching.ipynb", "Fetch in a notebook", body)
    out = workdir / "reports"
    before = snapshot(raw)
    environ = _environment({}, workdir)
    environ["ESTAT_APP_ID"] = KEY
    proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "run", str(nb), "-o", str(out)],
                          capture_output=True, text=True, cwd=REPO, env=environ, timeout=300)
    written = sorted(p.name for p in out.iterdir())
    assert {"fetching.html", "fetching.ipynb", "index.json", "index.html"} <= set(written)
    html = (out / "fetching.html").read_text(encoding="utf-8")
    probe = Probe("fetch report", "notebook calling fetch (9 failure modes, 1 uncaught)")
    after = snapshot(raw)
    new = sorted(set(after) - set(before))
    leaked = leaked_files(workdir, KEY) + (["stdout/stderr"] if leaks(proc.stdout + proc.stderr,
                                                                       KEY) else [])
    if leaked:
        probe.outcome("silent wrong", f"appId in {leaked}")
    elif lost(before, after) or [n for n in new if n.startswith(".")]:
        probe.outcome("data lost", f"{lost(before, after)} {new}")
    elif proc.returncode != 1 or "FetchError" not in html or "API error 100" not in html:
        probe.outcome("unclear error", f"exit {proc.returncode}; {proc.stderr[-300:]}")
    else:
        probe.outcome("clear error", "report failed with FetchError, no key anywhere")


def test_debug_logging_of_the_http_client_shows_no_key(server, workdir, monkeypatch, caplog):
    """urllib3 logs every request line, query included, at DEBUG level: with logging turned
    up (a notebook's logging.basicConfig(level=DEBUG), a cron wrapper), no record, message
    or traceback holds the key — for a failing and for a successful fetch."""
    import logging

    monkeypatch.setenv("ESTAT_APP_ID", KEY)
    raw = workdir / "data" / "raw"
    caplog.set_level(logging.DEBUG)
    error = None
    try:
        fetch.estat(STATS_ID, raw=raw, base=server.base("e404"), attempts=1)
    except Exception as exc:
        error = exc
    fetch.estat(STATS_ID, raw=raw, base=server.base("ok"), attempts=1, name="logged")
    fetch_lines = [r for r in caplog.records if r.name.startswith("urllib3")]
    assert fetch_lines, "urllib3 logged nothing: the test does not test anything"
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    probe = Probe("fetch", "HTTP client's DEBUG log")
    if leaks(text, KEY):
        probe.outcome("silent wrong", "appId in the log records")
    elif not isinstance(error, DxlabError):
        probe.outcome("crash", repr(error))
    else:
        probe.outcome("clear error", str(error))
