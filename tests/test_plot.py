"""Plotting: Japanese text renders with a real glyph (no tofu), pyramids draw both years."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest
from matplotlib.font_manager import FontProperties, findfont

import dxlab
from dxlab import plot
from dxlab import pyramid as P


def test_japanese_font_is_found_and_has_the_glyphs():
    plot.use_style()
    path = findfont(FontProperties(family=plot.FONT_FAMILY), fallback_to_default=False)
    assert "ipaexg" in path.lower()
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    for ch in "人口ピラミッド男性女性年齢歳":
        assert font.get_char_index(ord(ch)) != 0, ch


def test_pyramid_draws_without_missing_glyph_warnings(tmp_path):
    pop = P.harmonise_top_band(dxlab.load("census_population_japan_age_sex"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes an error
        fig = plot.pyramid(P.pyramid(pop, 2020), P.pyramid(pop, 1970),
                           labels=("2020年", "1970年"), title="人口ピラミッド")
        fig.savefig(tmp_path / "p.png")
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 18  # male and female bars for 18 bands
    assert len(ax.lines) >= 2  # the comparison outline, both sides
    plt.close(fig)


def test_pyramid_refuses_mismatched_bands():
    pop = dxlab.load("census_population_japan_age_sex")
    with pytest.raises(ValueError, match="harmonise the top band"):
        plot.pyramid(P.pyramid(pop, 2020), P.pyramid(pop, 1970))


def test_rate_lines_marked_breaks_each_line_at_a_change_of_basis():
    """One band over four dates with a roll-over on the third: two segments of 2 points, a
    dashed vertical at the break, and no glyph warnings."""
    import pandas as pd

    frame = pd.DataFrame({"reference_date": ["2021-01-01", "2021-06-01", "2022-01-01",
                                             "2022-06-01"], "age_group": "75+",
                          "rate": [30.0, 35.0, 45.0, 50.0]})
    breaks = pd.DataFrame({"reference_date": ["2022-01-01"], "numerator_rolled_over": [True],
                           "denominator_rebased": [False]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot.rate_lines_marked(frame, x="reference_date", y="rate", hue="age_group",
                                     breaks=breaks, title="年齢階級別の交付率")
    ax = fig.axes[0]
    data_lines = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and ln.get_marker() == "o"]
    assert len(data_lines) == 2
    assert [len(ln.get_xdata()) for ln in data_lines] == [2, 2]
    assert any(ln.get_linestyle() == "--" for ln in ax.lines)
    plt.close(fig)


def test_scenario_band_starts_every_line_at_the_last_observation():
    import pandas as pd

    proj = pd.DataFrame({"held": [0.5, 0.5], "period": [0.8, 0.9], "cohort": [0.7, 0.7]},
                        index=[2025.0, 2030.0])
    proj["low"], proj["high"] = proj.min(axis=1), proj.max(axis=1)
    observed = pd.Series([0.4, 0.5], index=[2021.0, 2022.0])
    fig = plot.scenario_band(proj, observed=observed, title="シナリオ")
    ax = fig.axes[0]
    held = next(ln for ln in ax.lines if ln.get_label().startswith("(a)"))
    assert list(held.get_xdata()) == [2022.0, 2025.0, 2030.0]
    assert list(held.get_ydata()) == pytest.approx([50.0, 50.0, 50.0])
    plt.close(fig)


def test_house_style_draws_grid_behind_data_and_shows_whole_tables():
    import pandas as pd

    plot.use_style()
    assert plt.rcParams["axes.axisbelow"] is True and plt.rcParams["axes.grid"] is True
    plot.use_display_style()
    assert pd.get_option("display.max_columns") is None
    assert pd.get_option("display.max_colwidth") is None
    wide = pd.DataFrame([[12345] * 21], columns=[str(1920 + 5 * i) for i in range(21)])
    assert "..." not in wide._repr_html_()


def test_wide_tables_are_split_into_column_blocks_that_fit():
    import pandas as pd

    frame = pd.DataFrame([[12345] * 30, [67890] * 30], index=["a", "b"],
                         columns=[f"c{i:02d}" for i in range(30)])
    # each column is 5 characters wide + 2 = 7; the row labels 'None' (the index name) + 2
    # = 6; 6 + 16 * 7 = 118 <= 120 < 125, so 16 columns fit a block and 14 follow.
    html = plot.split_wide_frame_html(frame)
    assert "Columns 1–16 of 30 (continued below)" in html and "Columns 17–30 of 30" in html
    assert html.count("<table") == 2 and html.count("<th>a</th>") == 2
    narrow = frame.iloc[:, :5]
    assert plot.split_wide_frame_html(narrow) == narrow._repr_html_()


def test_choosing_the_japanese_font_again_keeps_matplotlibs_font_cache():
    """japanize() re-registers the font and empties findfont's cache on every call; the house
    style calls it once per process and afterwards only sets the family."""
    from matplotlib import font_manager

    plot.use_style()
    before = len(font_manager.fontManager.ttflist)
    findfont(FontProperties(family=plot.FONT_FAMILY))
    cached = font_manager.fontManager._findfont_cached.cache_info().currsize
    plot.use_style()
    plot.use_japanese_font()
    assert len(font_manager.fontManager.ttflist) == before
    assert font_manager.fontManager._findfont_cached.cache_info().currsize >= cached > 0
    assert plt.rcParams["font.family"] == [plot.FONT_FAMILY]


def test_funnel_log_axis_is_labelled_with_plain_numbers():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)  # synthetic areas: only the axis labels are checked
    expected = np.geomspace(50, 2_000_000, 300)
    frame = pd.DataFrame({"muni_code5": [f"{i:05d}" for i in range(300)],
                          "expected_cards": expected,
                          "oe": 1 + rng.normal(0, 0.05, 300), "computable": True})
    fig = plot.funnel_plot(frame, tau2=0.001)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert {"100", "1,000", "10,000", "100,000", "1,000,000"} <= set(labels), labels
    assert not any("$" in s or "^" in s for s in labels)
    plt.close(fig)


def _pixels(png_base64: str):
    import base64
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("RGBA"),
                      dtype=float)


def _synthetic_funnel_frame():
    """Synthetic areas (test data, not a finding): expected counts and O/E around 1."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    e = rng.lognormal(8, 1.5, 300)
    return pd.DataFrame({"muni_code5": [f"{i:05d}" for i in range(300)],
                         "expected_cards": e, "oe": rng.poisson(e) / e,
                         "computable": True})


def _constrained_figure():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")  # drawing to 0.04 in of
    ax.plot([1, 2, 3], [3, 1, 2], label="線")                    # the edge: the 0.1 in
    ax.legend()                                                   # padding reaches past it
    return fig


def _pyramid_figure():
    pop = P.harmonise_top_band(dxlab.load("census_population_japan_age_sex"))
    return plot.pyramid(P.pyramid(pop, 2020), P.pyramid(pop, 1970),
                        labels=("2020年", "1970年"), title="人口ピラミッド")


def _funnel_figure():
    return plot.funnel_plot(_synthetic_funnel_frame(), highlight="00007", title="合成データ")


def _ours_and_ipythons(fig):
    """(retina_png's image and metadata, its draws, IPython's image and metadata, IPython's
    draws) of a figure, which is then closed."""
    from IPython.core.pylabtools import retina_figure

    draws = []
    fig.canvas.mpl_connect("draw_event", lambda e: draws.append(1))
    ours = plot.retina_png(fig)
    ours_draws = len(draws)
    theirs = retina_figure(fig, base64=True)
    plt.close(fig)
    return ours, ours_draws, theirs, len(draws) - ours_draws


@pytest.mark.parametrize("make", [_funnel_figure, _constrained_figure])
def test_retina_png_is_ipythons_retina_image_drawn_once(make):
    """Same size and CSS size as IPython's retina PNG (bbox_inches='tight'), the same
    picture (aligned: no whole-pixel shift matches clearly better), from one draw not two;
    also where the padding reaches past the figure's edge (constrained layout)."""
    import numpy as np

    plot.use_style()
    (ours, ours_meta), ours_draws, (theirs, theirs_meta), their_draws = \
        _ours_and_ipythons(make())
    assert ours_draws == 1
    assert their_draws >= 2  # matplotlib's tight saving: measure, then draw
    assert ours_meta == theirs_meta
    a, b = _pixels(ours), _pixels(theirs)
    assert a.shape == b.shape
    h, w = a.shape[0] - 2, a.shape[1] - 2

    def diff(dy, dx):
        return np.abs(a[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] - b[1:1 + h, 1:1 + w]).mean()

    # aligned to within a sub-pixel shift: no whole-pixel shift matches clearly better
    shifts = {(dy, dx): diff(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    assert shifts[(0, 0)] <= 1.25 * min(shifts.values()), shifts
    assert shifts[(0, 0)] < 3.0  # of 255
    # opaque, so stored as RGB: no larger a file than IPython's RGBA
    assert (b[..., 3] == 255).all() and len(ours) <= len(theirs)


def test_retina_png_of_a_figure_reaching_past_its_edge_is_matplotlibs_tight_image():
    """The pyramid's legend lies below the figure's edge: matplotlib saves it with the box
    measured on the first drawing (two draws, as IPython's three would give the same)."""
    import numpy as np

    plot.use_style()
    (ours, ours_meta), ours_draws, (theirs, theirs_meta), _ = \
        _ours_and_ipythons(_pyramid_figure())
    assert ours_draws == 2
    assert ours_meta == theirs_meta
    np.testing.assert_array_equal(_pixels(ours), _pixels(theirs))


def test_retina_png_leaves_other_figures_to_ipython():
    from IPython.core.pylabtools import retina_figure

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [2, 1])
    fig.patch.set_alpha(0.5)  # a see-through background: IPython's own path
    assert plot.retina_png(fig) == retina_figure(fig, base64=True)
    assert fig.dpi == 100  # restored
    plt.close(fig)
    empty = plt.figure()
    assert plot.retina_png(empty) is None
    plt.close(empty)
