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

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib_fontja
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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


_retina_done = False


def _use_retina_figures() -> None:
    """In IPython with the inline backend, show figures as retina PNG (once per session)."""
    global _retina_done
    if _retina_done:
        return
    _retina_done = True
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None or "inline" not in mpl.get_backend():
            return
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except Exception:  # pragma: no cover - not in IPython, or an older matplotlib-inline
        pass


def use_style() -> None:
    """Apply the house style (Japanese font included) to matplotlib's rcParams."""
    matplotlib_fontja.japanize()
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


def adoption_heatmap(rates: pd.DataFrame, *, value: str = "rate_percent",
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
