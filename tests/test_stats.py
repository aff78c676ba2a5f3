"""dxlab.stats on small samples worked by hand."""

import numpy as np
import pytest

from dxlab import stats


def test_fit_line_by_hand():
    """x = 1, 2, 3; y = 2, 4, 7. x̄ = 2, ȳ = 13/3; Sxx = 2; Sxy = (−1)(2 − 13/3) + 0 +
    (1)(7 − 13/3) = 7/3 + 8/3 = 5 → slope 2.5, intercept 13/3 − 5 = −2/3. Residuals
    1/6, −1/3, 1/6 → residual variance (1/36 + 1/9 + 1/36)/1 = 1/6."""
    line = stats.fit_line([1, 2, 3], [2, 4, 7])
    assert (line.slope, line.intercept) == pytest.approx((2.5, -2 / 3))
    assert line.resid_var == pytest.approx(1 / 6)
    fit, _lo, hi = line.band(np.array([2.0]))
    # at x̄ the se is √(σ²/n) = √(1/18); t(0.975, 1 df) = 12.706
    assert fit[0] == pytest.approx(13 / 3)
    assert hi[0] - fit[0] == pytest.approx(12.7062 * np.sqrt(1 / 18), rel=1e-4)


def test_correlation_and_its_interval():
    """Perfectly monotone but not linear: Spearman 1, Pearson below 1; every bootstrap sample
    of a perfectly ranked set is perfectly ranked, so the Spearman interval is [1, 1]."""
    x = np.arange(1, 21, dtype=float)
    y = x ** 3
    s = stats.correlation(x, y, method="spearman", n_boot=200)
    p = stats.correlation(x, y, method="pearson", n_boot=200)
    assert s.estimate == pytest.approx(1) and s.lo == pytest.approx(1)
    assert p.estimate < 1 and p.lo <= p.estimate <= p.hi
