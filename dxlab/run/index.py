"""``reports/index.html`` and ``index.json``: every report in the folder, grouped, filterable.

The index is rebuilt from the reports' own ``NAME.key.json`` records at the end of every
run, so it lists every report in the folder — this run's (ok, failed or cached), the other
sets' built earlier, and ad hoc runs (in their own section) — and never a report whose files
are gone. Pages without a record (built by an older dxlab) are listed at the end.

The filter box needs no server: a few lines of inline JavaScript hide the rows that do not
contain the typed words (it stays fast for thousands of rows).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from pathlib import Path

from dxlab.run.cache import KEY_SUFFIX
from dxlab.run.notebooks import parameter_literal
from dxlab.run.render import format_times

ADHOC = "__adhoc__"
OTHER = "__other__"

INDEX_CSS = """
body { font: 15px/1.5 system-ui, "Noto Sans CJK JP", "Hiragino Sans", sans-serif; margin: 2rem;
  color: #222; }
h1 { margin: 0 0 .25rem; }
.meta { color: #555; margin: 0 0 1rem; }
.filter { position: sticky; top: 0; background: #fff; padding: .5rem 0; z-index: 1; }
.filter input { font-size: 15px; padding: .35rem .6rem; width: min(32rem, 90%); }
.filter .count { color: #555; margin-left: .75rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; table-layout: fixed; }
th:nth-child(1) { width: 34%; } th:nth-child(2) { width: 15%; } th:nth-child(3) { width: 13%; }
th:nth-child(4) { width: 7%; } th:nth-child(5) { width: 18%; } th:nth-child(6) { width: 13%; }
td { overflow-wrap: anywhere; }
th, td { border-bottom: 1px solid #ddd; padding: .45rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f4f4f4; font-size: 13px; }
td.num { text-align: right; white-space: nowrap; }
.nb, .pub, .when { color: #666; font-size: 12px; }
.headline { margin-top: .2rem; font-size: 13px; color: #333; }
.status { font-weight: 600; white-space: nowrap; }
.status.ok { color: #1b7f3b; } .status.cached { color: #2d5f9a; }
.status.failed { color: #b00020; } .status.earlier { color: #666; font-weight: normal; }
.err { font-weight: normal; font-size: 12px; color: #b00020; max-width: 28rem; }
code { font-size: 12px; }
td.params code { white-space: pre-wrap; }
ul.src { margin: 0; padding-left: 1rem; font-size: 13px; }
"""

FILTER_JS = """
(function () {
  var box = document.getElementById('filter');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tbody tr'));
  var count = document.getElementById('count');
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (r, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      r.hidden = !ok; if (ok) { shown++; }
    });
    document.querySelectorAll('section.group').forEach(function (s) {
      s.hidden = !s.querySelector('tbody tr:not([hidden])');
    });
    count.textContent = shown + ' of ' + rows.length + ' reports';
  }
  box.addEventListener('input', apply);
  apply();
})();
"""


def _e(v: object) -> str:
    return html.escape(str(v), quote=True)


def load_records(out_dir: Path) -> list[dict]:
    """Records of every report in ``out_dir`` whose page still exists."""
    records = []
    for path in sorted(out_dir.glob(f"*{KEY_SUFFIX}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rec = data["record"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(rec, dict) and (out_dir / str(rec.get("html", ""))).is_file():
            records.append(rec)
    return records


def _short_commit(r: dict) -> str:
    commit = r.get("commit") or ""
    if not commit:
        return "unknown"
    return commit[:12] + (" (modified)" if r.get("dirty") else "")


def _row(r: dict, run_status: str | None) -> str:
    params = "\n".join(f"{k} = {parameter_literal(v)}" for k, v in
                       (r.get("parameters") or {}).items()) or "(no parameters)"
    status = run_status or "earlier"
    label = {"ok": "ok", "failed": "failed", "cached": "cached",
             "earlier": f"{r.get('status', '?')} (earlier run)"}[status]
    err = f'<div class="err">{_e(r["error"])}</div>' if r.get("error") else ""
    text = r.get("headline") or r.get("question") or ""
    headline = f'<div class="headline">{_e(text)}</div>' if text else ""
    sources = "".join(
        f'<li><a href="{_e(s.get("source_url", ""))}">{_e(s.get("title") or s.get("name"))}'
        f'</a> <span class="pub">{_e((s.get("publisher") or "").split(" (")[0])}</span></li>'
        if str(s.get("source_url", "")).startswith(("http://", "https://")) else
        f'<li>{_e(s.get("title") or s.get("name"))}</li>'
        for s in r.get("sources", []))
    sources = f'<ul class="src">{sources}</ul>' if sources else "—"
    dur = r.get("duration_s")
    dur_txt = f"{dur:.1f} s" if isinstance(dur, int | float) else "—"
    key = r.get("key_file") or f'{r["name"]}{KEY_SUFFIX}'
    return (
        f'<tr class="{_e(status)}"><td><a href="{_e(r["html"])}">{_e(r.get("title", r["name"]))}'
        f'</a>{headline}<div class="nb">{_e(r["name"])} · {_e(r.get("notebook", ""))} · '
        f'<a href="{_e(r.get("ipynb", ""))}">ipynb</a> · <a href="{_e(key)}">key</a></div></td>'
        f'<td class="params"><code>{_e(params)}</code></td>'
        f'<td><span class="status {_e(status if status != "earlier" else "earlier")}">'
        f"{_e(label)}</span>{err}</td>"
        f'<td class="num">{_e(dur_txt)}</td>'
        f"<td>{sources}</td>"
        f'<td class="when">{_e(format_times(r.get("built_at", "")))}<br>commit '
        f'<code>{_e(_short_commit(r))}</code></td>'
        "</tr>")


def render_index(records: Sequence[dict], *, groups: dict[str, str],
                 run_status: dict[str, str], generated_at: str, version: str,
                 loose_pages: Sequence[str] = ()) -> str:
    """The index page.

    Args:
        records: one per report in the folder (see :func:`load_records`).
        groups: declared index sections (key -> heading), in order.
        run_status: report name -> 'ok' | 'failed' | 'cached' for reports of this run.
        generated_at: ISO UTC time the index was written.
        version: dxlab version.
        loose_pages: .html files in the folder without a record.
    """
    sections: dict[str, list[dict]] = {}
    for r in records:
        if r.get("set"):
            key = r.get("group") or "reports"
            if groups and key not in groups:
                key = OTHER
        else:
            key = ADHOC
        sections.setdefault(key, []).append(r)
    order = [g for g in groups if g in sections]
    order += sorted(k for k in sections if k not in order and k not in (ADHOC, OTHER))
    order += [k for k in (OTHER, ADHOC) if k in sections]
    titles = {**{k: k.capitalize() for k in sections}, **groups,
              ADHOC: "Ad hoc runs", OTHER: "Other reports (their group is no longer declared)"}
    head = ("<thead><tr><th>Report</th><th>Parameters</th><th>Status</th><th>Duration</th>"
            "<th>Data sources</th><th>Built</th></tr></thead>")
    parts = []
    for key in order:
        rows = sorted(sections[key], key=lambda r: r["name"])
        body = "\n".join(_row(r, run_status.get(r["name"])) for r in rows)
        parts.append(f'<section class="group" id="group-{_e(key)}"><h2>{_e(titles[key])} '
                     f'<span class="meta">({len(rows)})</span></h2>'
                     f"<table>{head}<tbody>\n{body}\n</tbody></table></section>")
    if loose_pages:
        items = "".join(f'<li><a href="{_e(p)}">{_e(p)}</a></li>' for p in loose_pages)
        parts.append('<section id="loose"><h2>Pages without a record</h2><p class="meta">'
                     f"Built by an older dxlab; rebuild or delete them.</p><ul>{items}</ul>"
                     "</section>")
    counts = {s: sum(1 for v in run_status.values() if v == s) for s in ("ok", "cached",
                                                                           "failed")}
    summary = (f"{len(records)} report(s) · this run: {counts['ok']} built, "
               f"{counts['cached']} cached, {counts['failed']} failed")
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dxlab reports</title>
<style>{INDEX_CSS}</style></head>
<body>
<h1>dxlab reports</h1>
<p class="meta">{_e(summary)} · index written {_e(format_times(generated_at))} ·
dxlab {_e(version)}</p>
<div class="filter"><label>Filter <input id="filter" type="search"
placeholder="e.g. 東京 or failed or 2020" autocomplete="off"></label>
<span class="count" id="count"></span></div>
{chr(10).join(parts)}
<script>{FILTER_JS}</script>
</body></html>
"""


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
