"""The reader-facing HTML of one report (nbconvert's 'lab' template, extended).

Each page has: ``<title>`` = the notebook's title and ``lang="ja"``; a link back to the index
at the top and bottom; a "Parameters used" block where the notebook's parameters cell is
(the cell papermill-style injection adds stays hidden); figures as retina PNG with alt text
taken from their caption (the "**Figure N.** …" markdown above them); when the report
failed, a banner naming the error and the cell, linked to it; a footer with the build time
(JST and UTC), dxlab version, git commit (and "modified" when the work tree was dirty), the
datasets loaded (publisher, table id, link, short sha256) and links to the executed
notebook and the cache key.

Pages load nothing from the network: nbconvert's require.js, MathJax and mermaid script tags
(CDN links) are left out, so a report opens the same offline and shows no broken requests.
Every value that comes from outside (parameters, errors, dataset fields) is HTML-escaped.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
from dataclasses import dataclass, field

from dxlab.run.notebooks import parameter_literal, source_of

JST = dt.timezone(dt.timedelta(hours=9), "JST")

REPORT_TEMPLATE = r"""
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta name="generator" content="dxlab {{ resources.dxlab.version }}">
{%- endblock extra_css -%}
{%- block notebook_css -%}
{{ super() }}
<style type="text/css">{{ resources.dxlab.css }}</style>
{%- endblock notebook_css -%}
{%- block body_header -%}
{{ super() }}
{{ resources.dxlab.header }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.dxlab.footer }}
{{ super() }}
{% endblock body_footer %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
alt="{{ ((output | get_metadata('alt', 'image/png')) or 'Figure') | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/png') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}>
</div>
{%- endblock data_png %}
{% block data_jpg scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/jpeg;base64,{{ output.data['image/jpeg'] | escape_html }}"
alt="{{ ((output | get_metadata('alt', 'image/jpeg')) or 'Figure') | escape_html }}"
{%- set width=output | get_metadata('width', 'image/jpeg') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
{%- set height=output | get_metadata('height', 'image/jpeg') -%}
{%- if height is not none %} height={{ height | escape_html }}{%- endif %}>
</div>
{%- endblock data_jpg %}
"""

REPORT_CSS = """
body.jp-Notebook { max-width: 1200px; margin: 0 auto; padding: 0 1rem; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedHTMLCommon table { font-size: 12px; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: .3em .45em; }
.jp-RenderedHTMLCommon th { white-space: nowrap; }
.jp-RenderedHTMLCommon td { overflow-wrap: anywhere; }
.dxlab-split-note { color: #555; font-size: 12px; margin: .75em 0 .25em; }
.dxlab-nav a, .dxlab-footer a, .dxlab-failed a { color: #1a5fb4; text-decoration: underline; }
.jp-RenderedHTMLCommon .dxlab-parameters th, .jp-RenderedHTMLCommon .dxlab-parameters td {
  text-align: left; background: transparent; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.dxlab-nav { font: 14px system-ui, "Noto Sans CJK JP", sans-serif; padding: .75rem 0; }
.dxlab-parameters, .dxlab-failed, .dxlab-footer {
  font: 14px/1.5 system-ui, "Noto Sans CJK JP", "Hiragino Sans", sans-serif; }
.dxlab-parameters { border-left: 4px solid #3b6ea8; background: #f3f6fa; padding: .5rem 1rem;
  margin: .5rem 0 1rem; }
.dxlab-parameters h3 { margin: .25rem 0 .5rem; font-size: 15px; }
.dxlab-parameters table { border-collapse: collapse; }
.dxlab-parameters th { text-align: left; padding: .15rem 1rem .15rem 0; font-weight: 600; }
.dxlab-parameters td { padding: .15rem 1rem .15rem 0; }
.dxlab-parameters .src { color: #666; font-size: 12px; }
.dxlab-failed { border: 2px solid #b00020; background: #fff4f4; padding: .75rem 1rem;
  margin: 1rem 0; }
.dxlab-failed strong { color: #b00020; }
.dxlab-footer { border-top: 1px solid #ccc; margin: 2rem 0 1rem; padding-top: 1rem; color: #333; }
.dxlab-footer h2 { font-size: 16px; margin: 0 0 .5rem; }
.dxlab-footer dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
  margin: 0 0 1rem; }
.dxlab-footer dt { font-weight: 600; }
.dxlab-footer dd { margin: 0; }
.dxlab-footer ul { margin: 0; padding-left: 1.2rem; }
.dxlab-footer code { font-size: 12px; }
"""

_EXPORTERS: dict[bool, object] = {}
_FOCUSABLE = re.compile(r'<div class="(jp-Cell-inputWrapper|[^"]*jp-OutputArea-output[^"]*)"')


def _exporter_class():
    """HTMLExporter without its BeautifulSoup pass (2/3 of a report's render time).

    That pass only adds alt text to images (our template writes it from the caption) and
    ``tabindex="0"`` to input and output areas (done here with one regular expression).
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(lambda m: m.group(0) + ' tabindex="0"', body), resources

    return ReportExporter


def _exporter(show_code: bool):
    """One configured exporter per ``show_code`` value, reused (templates compile once)."""
    exp = _EXPORTERS.get(show_code)
    if exp is not None:
        return exp
    from jinja2 import DictLoader
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"injected-parameters"}
    config.TagRemovePreprocessor.remove_input_tags = {"dxlab-block"}
    config.HTMLExporter.exclude_input = not show_code
    config.HTMLExporter.exclude_input_prompt = not show_code
    config.HTMLExporter.exclude_output_prompt = True
    exp = _exporter_class()(config=config, template_name="lab",
                       extra_loaders=[DictLoader({"dxlab_report.html.j2": REPORT_TEMPLATE})],
                       template_file="dxlab_report.html.j2")
    exp.language_code = "ja"
    exp.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    _EXPORTERS[show_code] = exp
    return exp


def warm_up(show_code: bool = False) -> None:
    """Compile the templates once (done in the warm template process before forking)."""
    tiny = {"cells": [{"cell_type": "markdown", "id": "warm", "metadata": {},
                       "source": "# warm"}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    render_report(tiny, ReportContext(name="warm", title="warm"), show_code=show_code)


@dataclass
class ReportContext:
    """What the page says about its report besides the notebook's own content."""

    name: str
    title: str
    parameters: list[tuple[str, object, bool]] = field(default_factory=list)
    # (name, value, given explicitly?) in declaration order
    sources: list[dict] = field(default_factory=list)
    built_at: str = ""  # ISO UTC
    duration_s: float | None = None
    version: str = ""
    commit: str = ""
    dirty: bool = False
    notebook: str = ""
    status: str = "ok"
    error: str = ""
    failed_cell: int | None = None  # index in the executed notebook's cells
    index_href: str = "index.html"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def format_times(iso_utc: str) -> str:
    """'2025-01-02 15:04 JST (06:04 UTC)' from an ISO UTC time."""
    if not iso_utc:
        return ""
    t = dt.datetime.fromisoformat(iso_utc)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    j, u = t.astimezone(JST), t.astimezone(dt.UTC)
    return f"{j:%Y-%m-%d %H:%M} JST ({u:%Y-%m-%d %H:%M} UTC)"


def commit_text(commit: str, dirty: bool) -> str:
    if not commit:
        return "unknown (not a git checkout)"
    return commit[:12] + (" (modified: the work tree had uncommitted changes)" if dirty else "")


def parameters_html(params: list[tuple[str, object, bool]]) -> str:
    """The "Parameters used" block."""
    if not params:
        body = "<p>This notebook has no parameters.</p>"
    else:
        rows = "".join(
            f"<tr><th>{_esc(n)}</th><td><code>{_esc(parameter_literal(v))}</code></td>"
            f'<td class="src">{"set for this report" if given else "default"}</td></tr>'
            for n, v, given in params)
        body = f"<table>{rows}</table>"
    return f'<div class="dxlab-parameters"><h3>Parameters used</h3>{body}</div>'


def source_item(s: dict) -> str:
    """One dataset as a list item: linked title, publisher, table id, short sha256."""
    title = _esc(s.get("title") or s.get("name", ""))
    url = s.get("source_url") or ""
    link = (f'<a href="{_esc(url)}">{title}</a>' if url.startswith(("http://", "https://"))
            else title)
    bits = [f"<code>{_esc(s.get('name', ''))}</code>"]
    if s.get("publisher"):
        bits.append(_esc(s["publisher"]))
    if s.get("table_id"):
        bits.append(f"table {_esc(s['table_id'])}")
    if s.get("sha256"):
        bits.append(f"sha256 <code>{_esc(str(s['sha256'])[:12])}</code>")
    return f"<li>{link} — {' · '.join(bits)}</li>"


def footer_html(ctx: ReportContext) -> str:
    """The report's footer."""
    built = format_times(ctx.built_at)
    if ctx.duration_s is not None:
        built += f", in {ctx.duration_s:.1f} s"
    data = ("<ul>" + "".join(source_item(s) for s in ctx.sources) + "</ul>"
            if ctx.sources else "no catalogued dataset was loaded")
    return (
        '<footer class="dxlab-footer"><h2>About this report</h2><dl>'
        f"<dt>Status</dt><dd>{_esc(ctx.status)}{(': ' + _esc(ctx.error)) if ctx.error else ''}"
        "</dd>"
        f"<dt>Built</dt><dd>{_esc(built)}</dd>"
        f"<dt>dxlab</dt><dd>{_esc(ctx.version)}, commit <code>"
        f"{_esc(commit_text(ctx.commit, ctx.dirty))}</code></dd>"
        f"<dt>Notebook</dt><dd>{_esc(ctx.notebook)} · "
        f'<a href="{_esc(ctx.name)}.ipynb">executed notebook</a> · '
        f'<a href="{_esc(ctx.name)}.key.json">cache key and its inputs</a></dd>'
        f"<dt>Data</dt><dd>{data}</dd></dl>"
        f'<p><a href="{_esc(ctx.index_href)}">← All reports</a></p></footer>')


def _block_cell(html_text: str, cell_id: str) -> dict:
    """A code cell without input whose one output is our HTML (escaped by us)."""
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {"tags": ["dxlab-block"]}, "source": "",
            "outputs": [{"output_type": "display_data", "metadata": {},
                         "data": {"text/html": html_text}}]}


_MD_STRIP = [(re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""), (re.compile(r"\[([^\]]*)\]\([^)]*\)"),
             r"\1"), (re.compile(r"[*_`#>]+"), ""), (re.compile(r"\s+"), " ")]


def caption_text(markdown: str) -> str:
    """Plain text of a caption paragraph (markdown syntax removed)."""
    text = markdown.strip().split("\n\n")[0]
    for pat, rep in _MD_STRIP:
        text = pat.sub(rep, text)
    return text.strip()


def add_alt_text(cells: list[dict], title: str) -> None:
    """Give every image output alt text: the caption in the markdown cell above its cell."""
    caption = ""
    n = 0
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            src = source_of(cell).strip()
            caption = caption_text(src) if re.match(r"\**(Figure|Fig\.|図)", src) else ""
            continue
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    n += 1
                    meta = out.setdefault("metadata", {}).setdefault(mime, {})
                    meta.setdefault("alt", caption or f"Figure {n} of '{title}'")


def html_notebook(nb: dict, ctx: ReportContext) -> dict:
    """The notebook as the page shows it: blocks added, alt text set, injected cell removed."""
    nb = copy.deepcopy(nb)
    cells = [c for c in nb["cells"]
             if "injected-parameters" not in (c.get("metadata", {}).get("tags") or [])]
    failed_id = None
    if ctx.failed_cell is not None and 0 <= ctx.failed_cell < len(nb["cells"]):
        failed_id = id(nb["cells"][ctx.failed_cell])
    add_alt_text(cells, ctx.title)
    out: list[dict] = []
    for cell in cells:
        if failed_id is not None and id(cell) == failed_id:
            out.append(_block_cell(
                '<div class="dxlab-failed" id="dxlab-failed-cell"><strong>The report stopped '
                f"in the next cell:</strong> {_esc(ctx.error)}</div>", "dxlab-failed-here"))
        out.append(cell)
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            out.append(_block_cell(parameters_html(ctx.parameters), "dxlab-parameters"))
    if not any(c.get("id") == "dxlab-parameters" for c in out):
        out.insert(0, _block_cell(parameters_html(ctx.parameters), "dxlab-parameters"))
    if ctx.status != "ok":
        link = ' <a href="#dxlab-failed-cell">Go to the cell.</a>' if failed_id else ""
        out.insert(0, _block_cell(
            f'<div class="dxlab-failed"><strong>This report failed.</strong> '
            f"{_esc(ctx.error)}.{link} Everything up to that point is shown below.</div>",
            "dxlab-failed-banner"))
    nb["cells"] = out
    return nb


def render_report(nb: dict, ctx: ReportContext, *, show_code: bool = False) -> str:
    """The report page for an executed notebook.

    Args:
        nb: the executed notebook (dict, nbformat 4).
        ctx: what the page says about the report (parameters, sources, status ...).
        show_code: keep code cells (input) in the page.
    Returns:
        The HTML page as text.
    """
    import nbformat
    from nbformat.v4.rwbase import rejoin_lines

    page_nb = rejoin_lines(nbformat.from_dict(html_notebook(nb, ctx)))
    resources = {
        "metadata": {"name": ctx.title},
        "dxlab": {
            "version": ctx.version,
            "css": REPORT_CSS,
            "header": (f'<nav class="dxlab-nav"><a href="{_esc(ctx.index_href)}">'
                       "← All reports</a></nav>"),
            "footer": footer_html(ctx),
        },
    }
    body, _ = _exporter(show_code).from_notebook_node(page_nb, resources=resources)
    return body
