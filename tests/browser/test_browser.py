"""The reports in a real browser (headless Chromium): the index and one report of each kind
open without console errors, every link resolves, the filter works, Japanese text, the
parameters block, the footer and whole tables are there. Screenshots are saved under
``test-artifacts/browser/`` (or ``$DXLAB_TEST_ARTIFACTS/browser``) to be looked at."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab.run import ReportSpec, run_reports

from .cdp import Browser, chromium_path

pytestmark = pytest.mark.skipif(
    chromium_path() is None and not os.environ.get("DXLAB_REQUIRE_BROWSER"),
    reason="headless Chromium is not installed (apt-get install chromium fonts-noto-cjk; "
           ".ci/run installs them)")

ARTIFACTS = Path(os.environ.get("DXLAB_TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"
GROUPS = {"national": "全国の分析 National analyses", "prefectures": "都道府県 Prefectures",
          "municipalities": "市区町村 Municipalities"}

PROFILE = [
    "md:## 概要\n\n**Question.** How does this area's population compare?",
    "import pandas as pd\nfrom IPython.display import Markdown, display\nfrom dxlab import plot",
    "md:**Table 1.** Population by year (25 columns, all shown).",
    "pd.DataFrame([[1000 * i + y for y in range(25)] for i in range(3)],\n"
    "             index=['総人口', '男性', '女性'], columns=[f'{2000 + y}年' for y in range(25)])",
    "md:**Figure 1.** 人口の推移 (population by year).",
    "import matplotlib.pyplot as plt\nplot.use_style()\nfig, ax = plt.subplots(figsize=(6, 3))\n"
    "ax.bar(['2010年', '2015年', '2020年'], [3, 2, 1])\nax.set_title(f'{label} の人口');",
    "display(Markdown(f'- **{label}** の総人口は減少しています。'))\n"
    "from dxlab.reporting import headline; headline(f'{label}: 人口は2010年から減少。')",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    nbs, out = base / "nbs", base / "reports"
    nbs.mkdir()
    pref = make(nbs / "pref.ipynb", "都道府県プロファイル", PROFILE, "label = '北海道'\nn = 1")
    muni = make(nbs / "muni.ipynb", "市区町村プロファイル", PROFILE, "label = '札幌市'\nn = 1")
    bad = make(nbs / "bad.ipynb", "失敗する分析", ["x = 1", "raise RuntimeError('データがない')"])
    specs = [
        ReportSpec(REPO / "notebooks" / "01_population_pyramid.ipynb", {},
                   "01_population_pyramid", "national", "default"),
        ReportSpec(bad, {}, "failing", "national", "default"),
        *(ReportSpec(pref, {"label": p}, f"pref_{c}", "prefectures", "default")
          for c, p in (("01", "北海道"), ("13", "東京都"), ("47", "沖縄県"))),
        ReportSpec(muni, {"label": "札幌市"}, "muni_01100", "municipalities", "default"),
    ]
    run_reports(specs, out_dir=out, groups=GROUPS, jobs=2, progress=lambda _m: None)
    run_reports([ReportSpec(muni, {"label": "那覇市"}, "muni__label-naha")], out_dir=out,
                groups=GROUPS, progress=lambda _m: None)
    browser = Browser()
    try:
        yield out, browser
    finally:
        browser.close()


# the first cell with a table after the markdown cell whose text starts with the caption
CELL_AFTER = """
function cellAfter(caption) {
  const cells = [...document.querySelectorAll('.jp-Cell')];
  const at = cells.findIndex(c => c.classList.contains('jp-MarkdownCell')
                                  && c.innerText.trim().startsWith(caption));
  for (const c of cells.slice(at + 1)) { if (c.querySelector('table')) return c; }
  return null;
};
"""


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _check_links(page: Path) -> list[str]:
    """Relative links must name an existing file (and anchor); external links must be
    well-formed http(s) URLs (this machine has no network to fetch them)."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    bad = []
    for href in parser.links:
        url = urlparse(href)
        if url.scheme in ("http", "https"):
            if not url.netloc:
                bad.append(href)
        elif url.scheme:
            bad.append(href)
        elif url.path:
            if not (page.parent / unquote(url.path)).is_file():
                bad.append(href)
        elif url.fragment and url.fragment not in parser.ids:
            bad.append(href)
    return bad


def test_index_opens_groups_and_filters(site):
    out, b = site
    b.goto((out / "index.html").as_uri())
    assert b.errors() == []
    assert b.eval("document.documentElement.lang") == "ja"
    headings = b.eval("[...document.querySelectorAll('section.group h2')]"
                      ".map(h => h.firstChild.textContent.trim())")
    assert headings == [*GROUPS.values(), "Ad hoc runs"]
    assert b.eval("document.querySelectorAll('tbody tr').length") == 7
    assert b.eval("document.fonts.check('16px \"Noto Sans CJK JP\"')") is True
    b.screenshot(ARTIFACTS / "index.png", full=True)
    b.eval("const f = document.getElementById('filter'); f.value = '東京都';"
           "f.dispatchEvent(new Event('input'))")
    visible = b.eval("[...document.querySelectorAll('tbody tr')].filter(r => !r.hidden)"
                     ".map(r => r.querySelector('a').textContent)")
    assert visible == ["都道府県プロファイル"]
    assert b.eval("document.getElementById('count').textContent") == "1 of 7 reports"
    assert b.eval("[...document.querySelectorAll('section.group')].filter(s => !s.hidden)"
                  ".length") == 1
    b.screenshot(ARTIFACTS / "index-filtered-tokyo.png")
    b.eval("const g = document.getElementById('filter'); g.value = 'failed';"
           "g.dispatchEvent(new Event('input'))")
    assert b.eval("document.getElementById('count').textContent") == "1 of 7 reports"
    assert _check_links(out / "index.html") == []


@pytest.mark.parametrize(("name", "title"), [
    ("01_population_pyramid", "Population pyramid of Japan"),
    ("pref_13", "都道府県プロファイル"),
    ("muni_01100", "市区町村プロファイル"),
    ("muni__label-naha", "市区町村プロファイル"),
    ("failing", "失敗する分析"),
])
def test_each_kind_of_report_opens_whole(site, name, title):
    out, b = site
    b.goto((out / f"{name}.html").as_uri())
    assert b.errors() == []
    assert b.eval("document.title").startswith(title)
    assert b.eval("document.documentElement.lang") == "ja"
    params = b.eval("document.querySelector('.dxlab-parameters').innerText")
    assert params.startswith("Parameters used")
    footer = b.eval("document.querySelector('.dxlab-footer').innerText")
    assert "JST" in footer and "UTC" in footer and "commit" in footer and "0.1.0" in footer
    if name.startswith("01"):  # the census table of the catalog: publisher and table id
        assert "総務省統計局" in footer and "0003410380" in footer
    assert b.eval("document.querySelectorAll('a[href=\"index.html\"]').length") == 2
    # whole tables: no '...' cell; every figure has alt text and retina pixels
    assert b.eval("[...document.querySelectorAll('td, th')].filter(c => c.textContent.trim()"
                  " === '...').length") == 0
    imgs = b.eval("[...document.querySelectorAll('img')].map(i => [i.alt, i.naturalWidth,"
                  " i.width])")
    for alt, natural, shown in imgs:
        assert alt and not alt.startswith("No description")
        assert natural >= 2 * shown - 2, (alt, natural, shown)
    assert _check_links(out / f"{name}.html") == []
    folder = ARTIFACTS / name
    b.screenshot(folder / "top.png")
    b.screenshot(folder / "parameters.png", clip=b.element_clip(".dxlab-parameters"))
    b.screenshot(folder / "footer.png", clip=b.element_clip(".dxlab-footer"))
    if name == "failing":
        text = b.eval("document.body.innerText")
        assert "This report failed" in text and "データがない" in text
    else:
        tables = b.eval("document.querySelectorAll('.jp-OutputArea-output table').length")
        assert tables >= 1
        b.eval(f"{CELL_AFTER}cellAfter('Table {2 if name.startswith('01') else 1}.')"
               ".id = 'shot'")
        b.screenshot(folder / "table.png", clip=b.element_clip("#shot"))
        b.eval("document.querySelector('img').closest('.jp-Cell').id = 'fig'")
        b.screenshot(folder / "figure.png", clip=b.element_clip("#fig"))


def test_pyramid_table_2_shows_every_census_year_on_the_page(site):
    out, b = site
    b.goto((out / "01_population_pyramid.html").as_uri())
    # one row per census year (row labels in the body; pandas' own truncation would hide some)
    labels = b.eval(f"{CELL_AFTER}[...cellAfter('Table 2.').querySelectorAll('tbody th')]"
                    ".map(h => h.textContent.trim())")
    years = [h for h in labels if re.fullmatch(r"\d{4}", h)]
    assert years == [str(y) for y in range(1920, 2021, 5)]
    # a wide table is split into column blocks that fit: nothing to scroll sideways
    assert b.eval("[...document.querySelectorAll('.jp-OutputArea-output')]"
                  ".every(o => o.scrollWidth <= o.clientWidth + 1)")
    assert b.eval("document.documentElement.scrollWidth <= window.innerWidth")
