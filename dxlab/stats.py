"""Small statistics the area comparison needs: correlations with bootstrap intervals and an
ordinary least-squares line with its confidence band. numpy and scipy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Correlation:
    """A correlation coefficient with its percentile bootstrap interval.

    Attributes:
        method: 'pearson' or 'spearman'.
        estimate: the coefficient on the data.
        lo, hi: percentile bootstrap interval (``level``) over ``n_boot`` resamples of the
            pairs (Efron & Tibshirani 1993, ch. 13).
        n: number of pairs.
    """

    method: str
    estimate: float
    lo: float
    hi: float
    level: float
    n: int


def _corr(x: np.ndarray, y: np.ndarray, method: str) -> float:
    if method == "spearman":
        x, y = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    return float(np.corrcoef(x, y)[0, 1])


def correlation(x, y, *, method: str = "pearson", n_boot: int = 2000, level: float = 0.95,
                seed: int = 20221231) -> Correlation:
    """Pearson or Spearman correlation of paired values (missing pairs dropped) with a
    percentile bootstrap interval; ``seed`` makes the interval reproducible."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    boots = np.array([_corr(x[i], y[i], method) for i in idx])
    alpha = (1 - level) / 2
    lo, hi = np.nanquantile(boots, [alpha, 1 - alpha])
    return Correlation(method, _corr(x, y, method), float(lo), float(hi), level, len(x))


@dataclass(frozen=True)
class Line:
    """y = intercept + slope × x fitted by least squares, with standard errors."""

    intercept: float
    slope: float
    slope_se: float
    r2: float
    n: int
    x_mean: float
    sxx: float
    resid_var: float

    def band(self, x, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fit, lower, upper) of the mean response at ``x`` (t interval, n − 2 df)."""
        from scipy.stats import t

        x = np.asarray(x, dtype=float)
        fit = self.intercept + self.slope * x
        se = np.sqrt(self.resid_var * (1 / self.n + (x - self.x_mean) ** 2 / self.sxx))
        q = t.ppf(1 - (1 - level) / 2, self.n - 2)
        return fit, fit - q * se, fit + q * se


def fit_line(x, y) -> Line:
    """Ordinary least squares of y on x (missing pairs dropped)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx)
    intercept = float(ym - slope * xm)
    resid = y - intercept - slope * x
    resid_var = float((resid ** 2).sum() / (n - 2))
    r2 = 1 - float((resid ** 2).sum() / ((y - ym) ** 2).sum())
    return Line(intercept, slope, float(np.sqrt(resid_var / sxx)), r2, n, float(xm), sxx,
                resid_var)
