"""Plotting: dxlab's house style and the figures the notebooks share.

Japanese text renders with IPAexGothic from matplotlib-fontja (bundled in that package, so
no system font is needed). :func:`use_style` applies the house style; every plotting function
here calls it, so a notebook needs no set-up cell.

The house style also covers how tables and figures are shown: importing this module applies
:func:`use_display_style` (pandas shows every column and whole cell text, so a table that a
finding quotes is never cut with "..."), and in IPython figures are shown as retina PNG
(twice the pixels, crisp on HiDPI screens). Grid lines are drawn behind the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib_fontja
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

FONT_FAMILY = "IPAexGothic"
MALE_COLOR = "#3b6ea8"
FEMALE_COLOR = "#c8553d"
OUTLINE_COLOR = "#222222"
PALETTE = ["#3b6ea8", "#c8553d", "#5a9e6f", "#d9a441", "#7d5ba6", "#4d4d4d", "#56b4e9"]

HOUSE_STYLE: dict[str, object] = {
    "font.family": FONT_FAMILY,
    "axes.unicode_minus": False,  # IPAexGothic has no U+2212; use ASCII minus
    "figure.figsize": (8.0, 5.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,  # grid lines behind bars and lines, never over the data
    "grid.alpha": 0.3,
    "axes.titleweight": "normal",  # IPAexGothic ships one weight
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


# pandas display options of the house style: no column, cell text or table of up to
# 1,000 rows is cut; numbers keep pandas' default precision.
DISPLAY_OPTIONS: dict[str, object] = {
    "display.max_columns": None,
    "display.max_colwidth": None,
    "display.max_rows": 1000,
    "display.min_rows": 1000,
    "display.width": 200,
}


# A table wider than this many characters (estimated from its longest texts) is shown as
# several tables of consecutive columns, each with the row labels, instead of one table
# the reader has to scroll sideways (on paper or a phone, the hidden part is simply lost).
SPLIT_TABLE_CHARS = 120


def _text_width(values: object) -> int:
    return max((len(str(v)) for v in values), default=0)


def split_wide_frame_html(frame: pd.DataFrame, max_chars: int = SPLIT_TABLE_CHARS) -> str:
    """HTML of ``frame`` as pandas shows it, split into column blocks when it is wide.

    Args:
        frame: the table.
        max_chars: the estimated width (characters) one block may take.
    Returns:
        One ``_repr_html_`` table, or several (each with the row labels and a note saying
        which columns it holds).
    """
    html = frame._repr_html_
    if frame.shape[1] <= 2:
        return html()
    sample = frame if len(frame) <= 60 else pd.concat([frame.head(30), frame.tail(30)])
    index_w = max(_text_width(sample.index), _text_width(frame.index.names)) + 2
    widths = []
    for i in range(frame.shape[1]):
        col = sample.iloc[:, i]
        shown = col.map(lambda v: f"{v:.6g}" if isinstance(v, float) else v)
        widths.append(max(_text_width([frame.columns[i]]), _text_width(shown)) + 2)
    if index_w + sum(widths) <= max_chars:
        return html()
    blocks, start, used = [], 0, index_w
    for i, w in enumerate(widths):
        if i > start and used + w > max_chars:
            blocks.append((start, i))
            start, used = i, index_w
        used += w
    blocks.append((start, len(widths)))
    total = frame.shape[1]
    parts = [f'<p class="dxlab-split-note">Columns {a + 1}–{b} of {total}'
             f'{" (continued below)" if b < total else ""}</p>'
             + frame.iloc[:, a:b]._repr_html_() for a, b in blocks]
    return '<div class="dxlab-split">' + "".join(parts) + "</div>"


def use_display_style() -> None:
    """Apply the house display options to pandas (see ``DISPLAY_OPTIONS``); under IPython
    also show wide tables split into column blocks (:func:`split_wide_frame_html`)."""
    for key, value in DISPLAY_OPTIONS.items():
        pd.set_option(key, value)
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is a dependency
        shell = None
    if shell is not None:
        html = shell.display_formatter.formatters["text/html"]
        html.for_type(pd.DataFrame, split_wide_frame_html)


def retina_png(fig: Figure) -> tuple[str, dict[str, int]] | None:
    """A figure as IPython's retina PNG shows it, drawn once instead of twice.

    IPython's retina format saves the figure at twice its dpi with ``bbox_inches="tight"``,
    for which matplotlib draws the figure twice: once to measure the tight bounding box, once
    to render into a canvas of that size (about 40% of a report figure's cost). Here the
    figure is rendered once at twice its dpi, the tight box (padded by
    ``savefig.pad_inches``) is measured on that drawing, and the image is cropped to it at
    whole pixels: the same size as matplotlib's, the drawing shifted by less than half a
    (retina) pixel; padding that reaches past the figure's edge is filled with its face
    colour, as in matplotlib's image; an opaque image is stored without its alpha channel.
    A figure whose drawing itself reaches past its edges (a legend or annotation outside)
    is saved by matplotlib with the box already measured (two draws, as before). One with a
    transparent or hidden background, or on another canvas than plain Agg (a GUI or web
    canvas), takes IPython's own path.

    Returns:
        (base64 PNG, {'width', 'height'}: half the image's pixels, its CSS size), as an
        IPython ``image/png`` formatter returns; None for an empty figure.
    """
    import base64
    import io

    from IPython.core.pylabtools import retina_figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if not fig.axes and not fig.lines:
        return None
    canvas = fig.canvas
    face = mpl.colors.to_rgba(fig.get_facecolor())
    if (type(canvas) is not FigureCanvasAgg  # not a GUI or web canvas: no window to disturb
            or mpl.rcParams["savefig.transparent"] or face[3] < 1
            or not fig.patch.get_visible()):
        return retina_figure(fig, base64=True)
    dpi = 2 * fig.dpi
    old_dpi = fig.dpi
    fig.set_dpi(dpi)
    try:
        canvas.draw()
        content = fig.get_tightbbox(canvas.get_renderer())
        box = content.padded(mpl.rcParams["savefig.pad_inches"])
        pixels = np.asarray(canvas.buffer_rgba())
        fig_w, fig_h = fig.get_size_inches()
        inside = (content.x0 >= 0 and content.y0 >= 0 and content.x1 <= fig_w
                  and content.y1 <= fig_h)
        width, height = int(box.width * dpi), int(box.height * dpi)
        if inside and width > 0 and height > 0:
            # the padded box, in the render's pixels; where the padding reaches past the
            # figure's edge, matplotlib's image has the figure's face colour, and so does this
            left, top = round(box.x0 * dpi), pixels.shape[0] - round(box.y1 * dpi)
            crop = np.empty((height, width, 4), dtype=np.uint8)
            crop[:] = np.round(np.array(face) * 255).astype(np.uint8)
            x0, y0 = max(left, 0), max(top, 0)
            x1, y1 = min(left + width, pixels.shape[1]), min(top + height, pixels.shape[0])
            crop[y0 - top:y1 - top, x0 - left:x1 - left] = pixels[y0:y1, x0:x1]
            # An opaque image (alpha 255 everywhere, as with the house style's white
            # background) is written as RGB at zlib level 4: a file smaller than matplotlib's
            # RGBA at level 6 (by about 8%), in about 70% of the time.
            opaque = bool((crop[..., 3] == 255).all())
            buf = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(crop[..., :3]) if opaque else crop).save(
                buf, format="png", dpi=(dpi, dpi), compress_level=4 if opaque else 6)
        else:
            inside = False
    finally:
        fig.set_dpi(old_dpi)
    if not inside:
        # matplotlib's tight image, given the box already measured: one more draw, not two
        buf = io.BytesIO()
        canvas.print_figure(buf, format="png", dpi=dpi, facecolor=fig.get_facecolor(),
                            edgecolor=fig.get_edgecolor(), bbox_inches=box)
        width, height = Image.open(io.BytesIO(buf.getvalue())).size
    return (base64.b64encode(buf.getvalue()).decode("ascii"),
            {"width": width // 2, "height": height // 2})


def use_retina_png(shell: object | None = None) -> None:
    """Show matplotlib figures in IPython as :func:`retina_png` (crisp on HiDPI screens).

    ``shell`` defaults to the running IPython shell; outside IPython nothing happens.
    """
    try:
        if shell is None:
            from IPython import get_ipython

            shell = get_ipython()
        if shell is None:
            return
        shell.display_formatter.formatters["image/png"].for_type(Figure, retina_png)
    except Exception:  # pragma: no cover - an IPython without display formatters
        pass


_retina_done = False


def _use_retina_figures() -> None:
    """In IPython with the inline backend, show figures as retina PNG (once per session)."""
    global _retina_done
    if _retina_done:
        return
    _retina_done = True
    if "inline" in mpl.get_backend():
        use_retina_png()


def use_japanese_font() -> None:
    """Make IPAexGothic (bundled with matplotlib-fontja) the font family.

    ``matplotlib_fontja.japanize()`` registers the font file again on every call, and each
    registration empties matplotlib's font-lookup cache; so it is called only while the font
    is not registered yet (importing matplotlib_fontja registers it, so normally never).
    """
    from matplotlib import font_manager

    name = matplotlib_fontja.matplotlib_fontja.FONT_NAME
    if any(f.name == name for f in font_manager.fontManager.ttflist):
        mpl.rc("font", family=name)
    else:
        matplotlib_fontja.japanize()


def use_style() -> None:
    """Apply the house style (Japanese font included) to matplotlib's rcParams."""
    use_japanese_font()
    mpl.rcParams.update(HOUSE_STYLE)
    _use_retina_figures()


use_display_style()


def _thousands(x: float, _pos: int) -> str:
    return f"{abs(x) / 1e6:,.1f}" if abs(x) >= 1e5 else f"{abs(x):,.0f}"


def pyramid(
    current: pd.DataFrame,
    compare: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    labels: tuple[str, str] | None = None,
    percent: bool = False,
    colors: Mapping[str, object] | tuple[Mapping[str, object], Mapping[str, object]] | None = None,
) -> Figure:
    """Draw a population pyramid: males to the left, females to the right.

    Args:
        current: output of :func:`dxlab.pyramid.pyramid` (index age_group; male, female).
        compare: a second pyramid drawn as an outline so the shift is visible at a glance;
            its bands must match ``current``'s (harmonise top bands first).
        ax: draw into this axes (else a new figure).
        title: figure title.
        labels: legend labels for (current, compare), e.g. ('2020年', '1970年').
        percent: plot shares of the total (%) instead of persons (millions).
        colors: optional per-band bar colours {age_group: colour} for both sexes, or a pair
            (male colours, female colours), e.g. by each sex's adoption rate.
    Returns:
        The matplotlib Figure.
    Raises:
        ValueError: when ``compare`` has different age bands.
    """
    use_style()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 6.5))
    else:
        fig = ax.figure
    m_col, f_col = ("male_percent", "female_percent") if percent else ("male", "female")
    y = range(len(current))
    label_now, label_then = labels or ("", "")
    m_map, f_map = colors if isinstance(colors, tuple) else (colors, colors)
    male_colors = [m_map.get(a, MALE_COLOR) for a in current.index] if m_map else MALE_COLOR
    female_colors = ([f_map.get(a, FEMALE_COLOR) for a in current.index]
                     if f_map else FEMALE_COLOR)
    ax.barh(y, -current[m_col], color=male_colors, height=0.85,
            label=f"男性 {label_now}".strip())
    ax.barh(y, current[f_col], color=female_colors, height=0.85,
            label=f"女性 {label_now}".strip())
    if compare is not None:
        if list(compare.index) != list(current.index):
            raise ValueError(
                "compare pyramid has different age bands: "
                f"{list(compare.index)} vs {list(current.index)}; harmonise the top band first"
            )
        for sign, col in ((-1, m_col), (1, f_col)):
            ax.step(sign * compare[col].to_numpy(), list(y), where="mid", color=OUTLINE_COLOR,
                    linewidth=1.4)
        ax.plot([], [], color=OUTLINE_COLOR, linewidth=1.4, label=label_then or "比較年")
    ax.set_yticks(list(y), [str(a) for a in current.index])
    ax.axvline(0, color="#666666", linewidth=0.8)
    ax.set_ylabel("年齢 (歳)")
    ax.set_xlabel("人口割合 (%)" if percent else "人口 (百万人)")
    ax.xaxis.set_major_formatter(
        mpl.ticker.FuncFormatter(lambda x, _p: f"{abs(x):.1f}" if percent else _thousands(x, _p))
    )
    lim = max(current[[m_col, f_col]].to_numpy().max(),
              compare[[m_col, f_col]].to_numpy().max() if compare is not None else 0) * 1.08
    ax.set_xlim(-lim, lim)
    ax.text(0.02, 0.98, "男性", transform=ax.transAxes, ha="left", va="top", fontsize=12)
    ax.text(0.98, 0.98, "女性", transform=ax.transAxes, ha="right", va="top", fontsize=12)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    return fig


def band_shares_bar(shares: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
                    ) -> Figure:
    """Stacked horizontal bars of band shares (%) per year, output of ``band_shares``."""
    use_style()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.6 * shares["year"].nunique() + 1.5))
    else:
        fig = ax.figure
    wide = shares.pivot_table(index="year", columns="age_group", values="percent", sort=False)
    order = shares.drop_duplicates("age_group").sort_values("age_lo")["age_group"]
    wide = wide[list(order)]
    left = pd.Series(0.0, index=wide.index)
    for i, band in enumerate(wide.columns):
        ax.barh([str(y) for y in wide.index], wide[band], left=left,
                color=PALETTE[i % len(PALETTE)], label=f"{band}歳")
        for yi, (val, lft) in enumerate(zip(wide[band], left, strict=True)):
            ax.text(lft + val / 2, yi, f"{val:.1f}%", ha="center", va="center", color="white",
                    fontsize=10)
        left = left + wide[band]
    ax.set_xlim(0, 100)
    ax.set_xlabel("人口割合 (%)")
    ax.grid(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(wide.columns))
    if title:
        ax.set_title(title)
    return fig


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    fmt = mpl.ticker.FuncFormatter(lambda v, _p: f"{v:.0f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def adoption_heatmap(rates: pd.DataFrame, *, value: str = "issuance_rate_percent",
                     title: str | None = None, ax: Axes | None = None) -> Figure:
    """Age band (rows, oldest on top) × reference date (columns) heatmap of a rate (%)."""
    import seaborn as sns

    use_style()
    wide = rates.pivot_table(index=["age_lo", "age_group"], columns="reference_date",
                             values=value, observed=True)
    wide = wide.sort_index(level=0, ascending=False).droplevel(0)
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 6.5))
    else:
        fig = ax.figure
    sns.heatmap(wide, ax=ax, cmap="viridis", vmin=0, vmax=max(100, float(wide.max().max())),
                cbar_kws={"label": "交付率 (%)"}, linewidths=0.2)
    ax.set_xlabel("基準日")
    ax.set_ylabel("年齢 (歳)")
    ax.set_xticklabels([t.get_text()[:7] for t in ax.get_xticklabels()], rotation=90)
    if title:
        ax.set_title(title)
    return fig


def rate_lines(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str | None = None,
               ylabel: str = "交付率 (%)", ax: Axes | None = None, percent: bool = True,
               legend_title: str | None = None) -> Figure:
    """One line per ``hue`` group of ``y`` against ``x`` (dates parsed when they are text)."""
    use_style()
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 5.5))
    else:
        fig = ax.figure
    groups = frame[hue].drop_duplicates().tolist()
    cmap = mpl.colormaps["viridis"].resampled(max(len(groups), 2))
    for i, g in enumerate(groups):
        part = frame[frame[hue] == g]
        xs = pd.to_datetime(part[x]) if part[x].dtype == object or str(part[x].dtype) in (
            "str", "string") else part[x]
        ax.plot(xs, part[y], color=cmap(i), marker="o", markersize=2.5, linewidth=1.3,
                label=str(g))
    ax.set_ylabel(ylabel)
    if percent:
        _percent_axis(ax)
    ax.legend(title=legend_title, ncol=2, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    return fig


def kitagawa_bars(decomposition: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Composition and rate effects per age band (percentage points) and their totals."""
    use_style()
    fig, (ax, ax_tot) = plt.subplots(1, 2, figsize=(12, 5),
                                     gridspec_kw={"width_ratios": [4, 1]})
    idx = np.arange(len(decomposition))
    ax.bar(idx - 0.2, 100 * decomposition["composition"], width=0.4, color=PALETTE[3],
           label="構成効果 (ピラミッドの変化)")
    ax.bar(idx + 0.2, 100 * decomposition["rate"], width=0.4, color=PALETTE[0],
           label="率効果 (年齢内の普及)")
    ax.set_xticks(idx, decomposition.index, rotation=60)
    ax.set_xlabel("年齢 (歳)")
    ax.set_ylabel("全体の交付率への寄与 (ポイント)")
    ax.axhline(0, color="#444444", linewidth=0.8)
    ax.legend(loc="upper left")
    total = decomposition.attrs["total"]
    names = ["構成効果", "率効果", "変化計"]
    vals = [100 * total["composition"], 100 * total["rate"], 100 * total["change"]]
    ax_tot.bar(names, vals, color=[PALETTE[3], PALETTE[0], PALETTE[5]])
    for i, v in enumerate(vals):
        ax_tot.text(i, v, f"{v:+.2f}", ha="center", va="bottom", fontsize=10)
    ax_tot.set_title("合計 (ポイント)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def projection_lines(projection: pd.DataFrame, *, observed: pd.Series | None = None,
                     title: str | None = None) -> Figure:
    """Projected overall rates (fractions) per method, with observed points if given."""
    use_style()
    fig, ax = plt.subplots(figsize=(9, 5))
    names = {"constant": "年齢別の率を固定", "cohort": "コーホートが率を持ち越す (上限100%)"}
    for i, col in enumerate(projection.columns):
        ax.plot(projection.index, 100 * projection[col], marker="o", color=PALETTE[i],
                label=names.get(col, col))
    if observed is not None:
        ax.plot(observed.index, 100 * observed.to_numpy(), "k.", label="実績 (交付率)")
    ax.set_xlabel("年")
    ax.set_ylabel("全体の交付率 (%)")
    _percent_axis(ax)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def adoption_colors(rates: pd.Series, *, cmap: str = "viridis", vmax: float = 1.0
                    ) -> tuple[dict[str, tuple], mpl.cm.ScalarMappable]:
    """Colours for age bands from their rates (fractions), and a mappable for a colour bar."""
    norm = mpl.colors.Normalize(vmin=0, vmax=vmax)
    mapper = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    return {band: mapper.to_rgba(r) for band, r in rates.items()}, mapper


def pyramid_by_adoption(current: pd.DataFrame, male_rates: pd.Series,
                        female_rates: pd.Series, *, title: str | None = None,
                        labels: tuple[str, str] | None = None) -> Figure:
    """A pyramid whose bars are coloured by each band's and sex's adoption rate (fractions,
    indexed like ``current``), with a colour bar."""
    male, mapper = adoption_colors(male_rates)
    female, _ = adoption_colors(female_rates)
    fig = pyramid(current, colors=(male, female), title=title, labels=labels)
    bar = fig.colorbar(mapper, ax=fig.axes[0], fraction=0.04, pad=0.02)
    bar.set_label("マイナンバーカード交付率")
    bar.ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    return fig


# --------------------------------------------------------------------------- areas


def area_structure_bars(shares: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Grouped bars: the share (%) of each age band in several areas (columns of ``shares``,
    rows = bands), e.g. a town, its prefecture and Japan."""
    use_style()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    n = len(shares.columns)
    width = 0.8 / n
    x = np.arange(len(shares.index))
    for i, col in enumerate(shares.columns):
        bars = ax.bar(x + (i - (n - 1) / 2) * width, shares[col], width=width,
                      color=PALETTE[i % len(PALETTE)], label=str(col))
        ax.bar_label(bars, fmt="%.1f", fontsize=8, padding=1)
    ax.set_xticks(x, [f"{b}歳" for b in shares.index])
    ax.set_ylabel("2020年国勢調査の人口割合 (%)")
    ax.set_axisbelow(True)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def area_trajectory(frame: pd.DataFrame, *, title: str | None = None,
                    label: str = "") -> Figure:
    """Observed issuance rate of one area over time with its 95% interval (from O/E), the rate
    its age structure predicts (dashed) and the national rate (grey)."""
    use_style()
    f = frame.sort_values("reference_date")
    x = pd.to_datetime(f["reference_date"])
    fig, ax = plt.subplots(figsize=(9, 5))
    lo = 100 * f["oe_lo"] * f["expected_rate"]
    hi = 100 * f["oe_hi"] * f["expected_rate"]
    ax.fill_between(x, lo, hi, color=PALETTE[0], alpha=0.25, linewidth=0,
                    label="95%信頼区間 (ポアソン)")
    ax.plot(x, 100 * f["observed_rate"], color=PALETTE[0], marker="o", markersize=3,
            label=f"実績 {label}".strip())
    ax.plot(x, 100 * f["expected_rate"], color=PALETTE[1], linestyle="--",
            label="年齢構成からの期待値")
    ax.plot(x, 100 * f["national_rate"], color="#888888", linewidth=1, label="全国")
    ax.set_ylabel("マイナンバーカード交付率 (%)")
    _percent_axis(ax)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


class PlainLogFormatter(LogFormatter):
    """Log-axis tick labels as plain numbers with thousands separators ("1,000", "250,000")
    instead of matplotlib's default powers of ten ("10³"): a reader without a science
    background reads them directly, and plain text needs no mathtext layout (matplotlib
    caches parsed mathtext per renderer, so every saved image parses it again: about a
    tenth of the funnel figure's cost). Which ticks get a label is left to
    :class:`~matplotlib.ticker.LogFormatter`."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        if not super().__call__(x, pos):
            return ""
        return f"{x:,.0f}" if abs(x) >= 1 else f"{x:g}"


def plain_log_labels(axis) -> None:
    """Label a base-10 log ``axis`` (e.g. ``ax.xaxis``, after ``ax.set_xscale("log")``) with
    :class:`PlainLogFormatter`; minor ticks get labels only where the axis spans few decades,
    as matplotlib decides by default."""
    axis.set_major_formatter(PlainLogFormatter(10))
    axis.set_minor_formatter(PlainLogFormatter(10, labelOnlyBase=False))


def funnel_plot(frame: pd.DataFrame, *, tau2: float = 0.0,
                highlight: str | Sequence[str] | None = None,
                label_col: str | None = None, area: str = "muni_code5",
                title: str | None = None, levels: tuple[float, ...] = (0.95, 0.998)) -> Figure:
    """O/E against expected cards (log scale) with funnel limits: pure Poisson (thin) and,
    when ``tau2`` > 0, allowing for overdispersion (thick). ``highlight`` marks one area (or
    several, each labelled)."""
    from dxlab.demography import funnel_limits

    use_style()
    d = frame[frame["computable"]]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    ax.scatter(d["expected_cards"], d["oe"], s=8, color="#9aa5b1", alpha=0.7, linewidths=0,
               label="地域")
    e = np.geomspace(max(d["expected_cards"].min() * 0.8, 1), d["expected_cards"].max() * 1.2,
                     300)
    for level, style in zip(levels, ("--", "-"), strict=False):
        lo, hi = funnel_limits(e, level)
        ax.plot(e, lo, color=PALETTE[3], linestyle=style, linewidth=0.8)
        ax.plot(e, hi, color=PALETTE[3], linestyle=style, linewidth=0.8,
                label=f"{level:.1%} 限界 (ポアソン)")
        if tau2 > 0:
            lo, hi = funnel_limits(e, level, tau2=tau2)
            ax.plot(e, lo, color=PALETTE[4], linestyle=style, linewidth=1.6)
            ax.plot(e, hi, color=PALETTE[4], linestyle=style, linewidth=1.6,
                    label=f"{level:.1%} 限界 (過分散を考慮)")
    ax.axhline(1, color="#444444", linewidth=0.8)
    if isinstance(highlight, str):
        me = d[d[area] == highlight]
        if len(me):
            ax.scatter(me["expected_cards"], me["oe"], s=60, color=PALETTE[1], zorder=5,
                       label=str(me[label_col].iloc[0]) if label_col else highlight)
    elif highlight is not None:
        me = d[d[area].isin(list(highlight))]
        ax.scatter(me["expected_cards"], me["oe"], s=45, color=PALETTE[1], zorder=5,
                   label="事例の自治体")
        for _, r in me.iterrows():
            ax.annotate(str(r[label_col]) if label_col else str(r[area]),
                        (r["expected_cards"], r["oe"]), fontsize=8, xytext=(4, 3),
                        textcoords="offset points")
    ax.set_xscale("log")
    plain_log_labels(ax.xaxis)
    ax.set_xlabel("期待交付枚数 (対数目盛)")
    ax.set_ylabel("実績 ÷ 期待 (O/E)")
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def scatter_fit(x: pd.Series, y: pd.Series, line, *, xlabel: str, ylabel: str,
                title: str | None = None, labels: pd.Series | None = None,
                highlight: pd.Series | None = None) -> Figure:
    """Scatter with a least-squares line and its 95% confidence band (``line`` from
    :func:`dxlab.stats.fit_line`); ``labels`` annotate points; ``highlight`` (bool) marks some."""
    use_style()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.scatter(x, y, s=14 if labels is None else 24, color=PALETTE[0], alpha=0.6,
               linewidths=0)
    if highlight is not None and highlight.any():
        ax.scatter(x[highlight], y[highlight], s=50, color=PALETTE[1], zorder=5)
    grid = np.linspace(np.nanmin(x), np.nanmax(x), 100)
    fit, lo, hi = line.band(grid)
    ax.plot(grid, fit, color=PALETTE[1])
    ax.fill_between(grid, lo, hi, color=PALETTE[1], alpha=0.2, linewidth=0)
    if labels is not None:
        for xi, yi, t in zip(x, y, labels, strict=True):
            ax.annotate(str(t), (xi, yi), fontsize=7, xytext=(2, 2), textcoords="offset points")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title)
    return fig


def _map_axes(ax: Axes) -> None:
    ax.set_xlim(127, 146.2)  # 沖縄本島 (127.6-128.3 E, 26-26.9 N) to 根室
    ax.set_ylim(25.6, 45.8)
    ax.set_aspect(1 / np.cos(np.radians(37)))  # equirectangular, true at 37°N
    ax.axis("off")


def _value_norm(values: np.ndarray, center: float | None, *, robust: bool = False
                ) -> mpl.colors.Normalize:
    """A colour scale over ``values``: symmetric about ``center`` when given (diverging);
    ``robust`` spans the 98th percentile of the distance from the centre, so a few extreme
    areas saturate instead of washing out all the others."""
    if center is None:
        return mpl.colors.Normalize(np.nanmin(values), np.nanmax(values))
    distance = np.abs(values - center)
    span = float(np.nanpercentile(distance, 98) if robust else np.nanmax(distance))
    return mpl.colors.TwoSlopeNorm(vcenter=center, vmin=center - span, vmax=center + span)


def _finish_map(fig: Figure, ax: Axes, mappable, label: str, title: str | None) -> Figure:
    _map_axes(ax)
    bar = fig.colorbar(mappable, ax=ax, shrink=0.6)
    bar.set_label(label)
    if title:
        ax.set_title(title)
    return fig


def prefecture_choropleth(values: pd.Series, *, title: str | None = None,
                          label: str = "", cmap: str = "RdBu", center: float | None = None
                          ) -> Figure:
    """The 47 prefectures coloured by ``values`` (indexed by pref_code '01'-'47'); with
    ``center`` a diverging scale symmetric about it. Outlines: japanmap (the main area of each
    prefecture: islands such as Sado, Awaji or Okinawa's outer islands are not drawn)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon

    from dxlab.sources.geo import prefecture_outlines

    use_style()
    outlines = prefecture_outlines()
    codes = [c for c in outlines if c in values.index]
    patches = [Polygon(outlines[c], closed=True) for c in codes]
    vals = values.reindex(codes).to_numpy(dtype=float)
    pc = PatchCollection(patches, cmap=cmap, norm=_value_norm(vals, center), edgecolor="white",
                         linewidth=0.4)
    pc.set_array(vals)
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    ax.add_collection(pc)
    return _finish_map(fig, ax, pc, label, title)


def municipal_map(points: pd.DataFrame, value: str, *, title: str | None = None,
                  label: str = "", cmap: str = "RdBu", center: float | None = None) -> Figure:
    """Municipalities as points (office locations, ``lat``/``lon``) coloured by ``value``,
    over the prefecture outlines; the colour scale spans the 98th percentile (the few most
    extreme municipalities take the end colours)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon

    from dxlab.sources.geo import prefecture_outlines

    use_style()
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    outlines = PatchCollection([Polygon(o, closed=True) for o in prefecture_outlines().values()],
                               facecolor="#f2f2f2", edgecolor="#bbbbbb", linewidth=0.4)
    ax.add_collection(outlines)
    vals = points[value].to_numpy(dtype=float)
    sc = ax.scatter(points["lon"], points["lat"], c=vals, s=9, cmap=cmap,
                    norm=_value_norm(vals, center, robust=True), linewidths=0)
    return _finish_map(fig, ax, sc, label, title)


def population_history(actual: pd.Series, projected: pd.Series | None = None, *,
                       title: str | None = None) -> Figure:
    """Total population (persons) by year: census counts (solid) and a projection (dashed)."""
    use_style()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(actual.index, actual / 1e4, color=PALETTE[0], marker="o", markersize=3,
            label="国勢調査")
    if projected is not None:
        ax.plot(projected.index, projected / 1e4, color=PALETTE[1], linestyle="--", marker="o",
                markersize=3, label="将来推計 (IPSS 2018)")
    ax.set_ylabel("人口 (万人)")
    ax.set_axisbelow(True)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig

# --------------------------------------------------------------------------- KPI tracking


def kpi_attainment(attainment: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Actual as a percentage of target for every count or percent target due so far.

    Args:
        attainment: output of :func:`dxlab.kpi.attainment` (milestone rows are skipped: they
            have no ratio and are shown in a table).
        title: figure title.
    Returns:
        A horizontal bar per indicator and fiscal year; the line at 100% is the target. Green
        bars meet their target, red ones miss it; hatched bars use an approximate value
        ('約', '程度'). Each bar is labelled with the published actual / target.
    """
    use_style()
    rows = attainment[attainment["ratio"].notna()].iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.7 * max(len(rows), 1)))
    if rows.empty:
        ax.text(0.5, 0.5, "期限の来た数値目標なし (no count or percent target due yet)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    y = np.arange(len(rows))
    colors = [PALETTE[2] if m else PALETTE[1] for m in rows["met"].fillna(False)]
    approx = rows["target_approx"] | rows["actual_approx"]
    bars = ax.barh(y, 100 * rows["ratio"], color=colors, height=0.6)
    for bar, is_approx in zip(bars, approx, strict=True):
        if is_approx:
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    ax.axvline(100, color=OUTLINE_COLOR, linewidth=1.2, linestyle="--")
    handles = [mpl.lines.Line2D([], [], color=OUTLINE_COLOR, linestyle="--",
                                label="目標 = 100% (target)"),
               mpl.patches.Patch(color=PALETTE[2], label="達成 (met)"),
               mpl.patches.Patch(color=PALETTE[1], label="未達 (not met)"),
               mpl.patches.Patch(facecolor="#999999", hatch="//", edgecolor="white",
                                 label="概数を含む (approximate value)")]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    for yi, (ratio, a, t) in enumerate(zip(rows["ratio"], rows["actual_raw"],
                                           rows["target_raw"], strict=True)):
        ax.text(100 * ratio + 1.5, yi, f"{a} / {t} ({ratio:.0%})", va="center", fontsize=9)
    labels = [f"{name} (FY{year})" for name, year in zip(rows["indicator_ja"],
                                                        rows["fiscal_year"], strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(150.0, 100 * rows["ratio"].max() + 45))
    ax.set_xlabel("実績 ÷ 目標 (%) — actual as % of target")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return fig


def kpi_trajectories(tidy: pd.DataFrame, trajectory: pd.DataFrame, *, ncols: int = 2,
                     title: str | None = None) -> Figure:
    """One panel per count or percent indicator: actuals, targets, required vs observed pace.

    Args:
        tidy: output of :func:`dxlab.kpi.read_sheet`.
        trajectory: output of :func:`dxlab.kpi.trajectory` for the same sheet.
        ncols: panels per row.
        title: figure title.
    Returns:
        The figure. Circles are actuals (hollow: approximate); crosses are targets, labelled
        as published; the dashed red line is the required path from the latest actual to each
        future target; the dotted blue line continues the change observed between the last
        two actuals to the farthest target year.
    """
    use_style()
    numeric = tidy[tidy["kind"] != "milestone"]
    names = list(dict.fromkeys(numeric["indicator_id"]))
    n = max(len(names), 1)
    nrows = -(-n // ncols)  # ceiling division
    fig, axes = plt.subplots(nrows, min(ncols, n), figsize=(6.0 * min(ncols, n), 3.8 * nrows),
                             squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_axis_off()
    for ax, ind in zip(axes.flat, names, strict=False):
        part = numeric[numeric["indicator_id"] == ind]
        acts = part[part["record"] == "actual"].sort_values("fiscal_year")
        targets = part[part["record"] == "target"].sort_values("fiscal_year")
        ax.plot(acts["fiscal_year"], acts["value"], "-", color=PALETTE[0])
        for approx, face in ((False, PALETTE[0]), (True, "white")):
            pts = acts[acts["approx"] == approx]
            if pts.empty:
                continue
            ax.plot(pts["fiscal_year"], pts["value"], "o", color=PALETTE[0],
                    markerfacecolor=face, markersize=7,
                    label="実績 (actual)" if not approx else "実績・概数 (approximate)")
        ax.plot(targets["fiscal_year"], targets["value"], "X", color=PALETTE[1], markersize=9,
                label="目標 (target)")
        for x, v, raw in zip(targets["fiscal_year"], targets["value"], targets["value_raw"],
                             strict=True):
            ax.annotate(raw, (x, v), textcoords="offset points", xytext=(6, 4), fontsize=8,
                        color=PALETTE[1])
        mine = trajectory[trajectory["indicator_id"] == ind]
        for i, r in enumerate(mine.itertuples()):
            if pd.isna(r.latest_year):
                continue
            ax.plot([r.latest_year, r.target_year], [r.latest, r.target], "--", color=PALETTE[1],
                    alpha=0.7, label="必要なペース (required pace)" if i == 0 else None)
        paced = mine[mine["observed_per_year"].notna()]
        is_percent = part["kind"].iloc[0] == "percent"
        if len(paced):
            r = paced.iloc[0]
            x0, y0, pace = int(r["latest_year"]), r["latest"], r["observed_per_year"]
            end = int(mine["target_year"].max())
            if is_percent and pace > 0 and y0 + pace * (end - x0) > 100:
                end_x = x0 + (100 - y0) / pace  # a share stops at 100%
                xs, ys = [x0, end_x, end], [y0, 100.0, 100.0]
            else:
                xs, ys = [x0, end], [y0, y0 + pace * (end - x0)]
            ax.plot(xs, ys, ":", color=PALETTE[0], linewidth=2,
                    label="直近の変化のペース (observed pace)")
        first, last = int(part["fiscal_year"].min()), int(part["fiscal_year"].max())
        years = list(range(first, last + 1))
        ax.set_xticks(years, [f"FY{y}" for y in years])
        if len(years) == 1:
            ax.set_xlim(years[0] - 1, years[0] + 1)
        unit = part["unit_name"].dropna()
        ax.set_ylabel(unit.iloc[0] if len(unit) else "")
        if is_percent:
            _percent_axis(ax)
            ax.set_ylim(0, 105)
        else:
            ax.set_ylim(bottom=0)
        label = str(part["indicator_ja"].iloc[0])
        ax.set_title(label if len(label) <= 22 else label[:21] + "…", fontsize=11)
        ax.legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

# --------------------------------------------------------------------------- national argument


def rate_lines_marked(frame: pd.DataFrame, *, x: str, y: str, hue: str,
                      breaks: pd.DataFrame | None = None, title: str | None = None,
                      ylabel: str = "交付率 (%)", legend_title: str | None = None,
                      ax: Axes | None = None) -> Figure:
    """Like :func:`rate_lines`, but each line is broken where the table changes its age
    basis, and the changes are marked.

    Args:
        breaks: rows with ``reference_date``, ``numerator_rolled_over`` and
            ``denominator_rebased`` (:func:`dxlab.cards.age_basis_changes`). A line is not
            drawn across such a date: the step there is a change of basis, not behaviour.
            Dashed verticals mark numerator age roll-overs, dotted ones register changes.
    """
    use_style()
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 5.5))
    else:
        fig = ax.figure
    cut = sorted(pd.to_datetime(breaks["reference_date"])) if breaks is not None else []
    groups = frame[hue].drop_duplicates().tolist()
    cmap = mpl.colormaps["viridis"].resampled(max(len(groups), 2))
    for i, g in enumerate(groups):
        part = frame[frame[hue] == g].assign(_x=lambda f: pd.to_datetime(f[x])).sort_values("_x")
        segment = np.searchsorted(np.array(cut, dtype="datetime64[ns]"),
                                  part["_x"].to_numpy(dtype="datetime64[ns]"), side="right")
        for j, (_, seg) in enumerate(part.groupby(segment)):
            ax.plot(seg["_x"], seg[y], color=cmap(i), marker="o", markersize=2.5,
                    linewidth=1.3, label=str(g) if j == 0 else None)
    if breaks is not None:
        for row in breaks.itertuples(index=False):
            when = pd.to_datetime(row.reference_date)
            if row.numerator_rolled_over:
                ax.axvline(when, color="#555555", linestyle="--", linewidth=0.8)
            if row.denominator_rebased:
                ax.axvline(when, color="#999999", linestyle=":", linewidth=1.0)
        ax.plot([], [], color="#555555", linestyle="--", linewidth=0.8,
                label="年齢の更新 (交付数)")
        ax.plot([], [], color="#999999", linestyle=":", linewidth=1.0,
                label="人口基準の更新 (住基)")
    ax.set_ylabel(ylabel)
    _percent_axis(ax)
    ax.legend(title=legend_title, ncol=1, fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    return fig


def adopters_bars(frame: pd.DataFrame, *, sex: str = "total", title: str | None = None
                  ) -> Figure:
    """Persons with and without a card by age band (millions), stacked horizontally, from
    :func:`dxlab.cards.adopters` (one sex)."""
    use_style()
    part = frame[(frame["sex"] == sex) & (frame["age_group"] != "total")].sort_values("age_lo")
    fig, ax = plt.subplots(figsize=(8, 6.5))
    y = np.arange(len(part))
    ax.barh(y, part["adopters"] / 1e6, color=PALETTE[0], label="カードあり (交付枚数)")
    ax.barh(y, part["non_adopters"] / 1e6, left=part["adopters"] / 1e6, color="#bbbbbb",
            label="カードなし (人口 − 交付枚数)")
    ax.set_yticks(y, part["age_group"])
    ax.set_xlabel("人 (百万人)")
    ax.set_ylabel("年齢 (歳)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    if title:
        ax.set_title(title)
    return fig


def threshold_curves(curves: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Share of the population at ages whose rate is at least the threshold, one step line
    per column (e.g. per date), thresholds (fractions) as the index."""
    use_style()
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, col in enumerate(curves.columns):
        ax.step(100 * curves.index.to_numpy(), 100 * curves[col].to_numpy(), where="post",
                color=PALETTE[i % len(PALETTE)], label=str(col))
    ax.axhline(50, color="#444444", linewidth=0.8, linestyle=":")
    ax.set_xlabel("しきい値: 年齢階級の交付率 (%)")
    ax.set_ylabel("しきい値以上の年齢に住む人口の割合 (%)")
    _percent_axis(ax)
    _percent_axis(ax, "x")
    ax.legend(title="基準日")
    if title:
        ax.set_title(title)
    return fig


SCENARIO_NAMES = {"held": "(a) 年齢別の率を固定", "period": "(b) 期間効果: ロジスティック",
                  "cohort": "(c) コーホート持ち越し+改善 (上限あり)"}


def scenario_band(projection: pd.DataFrame, *, observed: pd.Series | None = None,
                  later: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """Projected overall rates per scenario with the band between them shaded.

    Args:
        projection: :func:`dxlab.scenarios.scenario_path` (or ``project_scenarios``) output:
            fractions indexed by (decimal) year.
        observed: observed overall rates (fractions) indexed by decimal year; the scenario
            lines start from its last value.
        later: published later figures (``decimal_year``, ``percent``, ``measure``), drawn
            as labelled open markers: secondary sources.
    """
    use_style()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    projection = projection[["low", "high", *[c for c in SCENARIO_NAMES
                                              if c in projection.columns]]]
    years = projection.index.to_numpy(dtype=float)
    frame = projection
    if observed is not None:  # every scenario starts from the last observed rate
        years = np.concatenate([[float(observed.index[-1])], years])
        start = pd.DataFrame({c: [float(observed.iloc[-1])] for c in projection.columns})
        frame = pd.concat([start, projection], ignore_index=True)
    ax.fill_between(years, 100 * frame["low"], 100 * frame["high"],
                    color=PALETTE[0], alpha=0.15, label="シナリオの幅")
    for i, col in enumerate([c for c in SCENARIO_NAMES if c in frame.columns]):
        ax.plot(years, 100 * frame[col], color=PALETTE[i], label=SCENARIO_NAMES[col])
    if observed is not None:
        ax.plot(observed.index, 100 * observed.to_numpy(), "k.", label="実績 (交付率, 公表表)")
    if later is not None:
        marks = {"issuance_rate_cumulative": ("D", "2025 交付枚数率 (二次資料)"),
                 "holding_rate": ("s", "2025 保有枚数率 (二次資料, 別の定義)")}
        for row in later.itertuples(index=False):
            marker, label = marks.get(row.measure, ("^", row.measure))
            ax.plot([row.decimal_year], [row.percent], marker=marker, color="#222222",
                    markerfacecolor="none", linestyle="none", markersize=8, label=label)
    ax.set_xlabel("年")
    ax.set_ylabel("全体の交付率 (%)")
    ax.set_ylim(0, 105)
    _percent_axis(ax)
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def internet_and_cards(internet: pd.DataFrame, cards: pd.Series, *,
                       smartphone: pd.Series | None = None,
                       age_points: pd.DataFrame | None = None,
                       later: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """Internet use of individuals (national, by survey year) beside My Number Card uptake.

    Args:
        internet: :func:`dxlab.internet.national_series` output; years not comparable (age
            basis other than 6+, 2019 questionnaire) are drawn as open markers.
        cards: all-ages card issuance share (fraction) indexed by decimal year.
        smartphone: household smartphone ownership (%) by year, optional.
        age_points: official age points (survey_year, age_group, percent) drawn in a
            second panel.
        later: published later card figures (decimal_year, percent, measure), secondary.
    """
    use_style()
    if age_points is not None:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.2),
                                      gridspec_kw={"width_ratios": [3, 2]})
    else:
        fig, ax = plt.subplots(figsize=(10, 5.2))
    ok = internet["comparable"]
    ax.plot(internet.loc[ok, "year"], internet.loc[ok, "percent"], "o-", color=PALETTE[0],
            markersize=4, label="インターネット利用率 (個人, 6歳以上, 過去1年)")
    ax.plot(internet.loc[~ok, "year"], internet.loc[~ok, "percent"], "o", color=PALETTE[0],
            markerfacecolor="none", markersize=6,
            label="同 (比較不可: 15-69/15-79歳基準, 2019年調査票)")
    if smartphone is not None:
        ax.plot(smartphone.index, smartphone.to_numpy(), "^-", color=PALETTE[2], markersize=4,
                label="スマートフォン保有 (世帯)")
    ax.plot(cards.index, 100 * cards.to_numpy(), ".-", color=PALETTE[1],
            label="マイナンバーカード交付率 (全年齢)")
    if later is not None:
        for row in later.itertuples(index=False):
            cumulative = row.measure == "issuance_rate_cumulative"
            ax.plot([row.decimal_year], [row.percent], marker="D" if cumulative else "s",
                    color=PALETTE[1], markerfacecolor="none", linestyle="none", markersize=7,
                    label=("カード交付枚数率" if cumulative else "カード保有枚数率 (別の定義)")
                    + f" {str(row.reference_date)[:7]} (二次資料)")
    ax.set_xlabel("年")
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    _percent_axis(ax)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    if age_points is not None:
        for i, (band, part) in enumerate(age_points.groupby("age_group", sort=False)):
            ax2.plot(part["survey_year"], part["percent"], "o", color=PALETTE[i % len(PALETTE)],
                     label=f"{band}歳")
            for row in part.itertuples(index=False):
                ax2.annotate(f"{row.percent:.1f}", (row.survey_year, row.percent),
                             textcoords="offset points", xytext=(4, 3), fontsize=8)
        ax2.set_ylim(0, 100)
        ax2.set_xlabel("調査年")
        ax2.set_title("白書本文の年齢別の点 (公式, 散発)", fontsize=11)
        _percent_axis(ax2)
        ax2.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
