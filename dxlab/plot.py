"""Plotting: dxlab's house style and the figures the notebooks share.

Japanese text renders with IPAexGothic from matplotlib-fontja (bundled in that package, so
no system font is needed). :func:`use_style` applies the house style; every plotting function
here calls it, so a notebook needs no set-up cell.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib_fontja
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
    "grid.alpha": 0.3,
    "axes.titleweight": "normal",  # IPAexGothic ships one weight
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


def use_style() -> None:
    """Apply the house style (Japanese font included) to matplotlib's rcParams."""
    matplotlib_fontja.japanize()
    mpl.rcParams.update(HOUSE_STYLE)


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
    colors: Mapping[str, str] | None = None,
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
        colors: optional per-band bar colours {age_group: colour}, e.g. by adoption rate.
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
    male_colors = [colors.get(a, MALE_COLOR) for a in current.index] if colors else MALE_COLOR
    female_colors = ([colors.get(a, FEMALE_COLOR) for a in current.index]
                     if colors else FEMALE_COLOR)
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
