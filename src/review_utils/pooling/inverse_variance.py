"""Two-step (inverse-variance) random-effects models of logit proportions, as R metafor's ``rma.uni``.

Step 1 (``escalc(measure="PLO", add=1/2, to="only0")``): per report the log odds
``y = log((x + a) / (n - x + a))`` with variance ``v = 1/(x + a) + 1/(n - x + a)``, where ``a = 1/2`` only
for reports with 0/n or n/n events and ``a = 0`` otherwise.

Step 2: the normal-normal random-effects model ``y_i ~ N(mu, v_i + tau^2)`` with tau^2 from

* REML (Viechtbauer 2005), by metafor's Fisher-scoring algorithm: Hedges starting value, step-halving at
  the lower bound 0, convergence when the change in tau^2 is below 1e-5, then the check that tau^2 = 0
  has no higher restricted likelihood;
* DerSimonian & Laird (1986), the method-of-moments estimator clamped at 0;
* Paule & Mandel (1982), the root of the generalised Q statistic Q(tau^2) = k - 1, found as metafor does
  with R's ``uniroot`` (Brent's zeroin, tolerance eps^(1/4)) on [0, max(100, 10 * mad(y)^2)].

Inference: Wald-type z, or Knapp & Hartung (2003) (metafor ``test="knha"``): t with k - p degrees of
freedom and the variance of mu multiplied by the weighted residual variance
``s2w = sum w_i (y_i - mu)^2 / (k - p)``, not truncated below 1 (metafor's "knha", not "adhoc").
Heterogeneity: Cochran's Q (fixed-effect weights), its chi-square p-value, I^2 = 100 tau^2 / (tau^2 + s^2)
and H^2 = tau^2 / s^2 + 1 with the "typical" within-study variance s^2 = (k - p) / tr(P) (Higgins &
Thompson 2002; metafor's definition). Prediction interval as metafor's ``predict()``:
``mu +- crit * sqrt(se^2 + tau^2)`` with crit from z or t(k - p) matching the test.

Freeman & Tukey (1950) double-arcsine with Miller's (1978) harmonic-mean back-transform is available only
as a labelled legacy option: it can mislead badly when report sizes differ (Schwarzer et al. 2019;
Roever & Friede 2022).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.special import expit

from .exact import as_counts, not_estimable
from .labels import FT_LABEL, IV_LABELS
from .result import PoolResult

__all__ = [
    "logit_escalc",
    "RmaFit",
    "fit_rma",
    "pool_logit_iv",
    "pool_freeman_tukey_legacy",
    "IV_LABELS",
]

Tau2Method = Literal["REML", "DL", "PM", "FE"]
Test = Literal["z", "knha"]

# metafor 3.8-1 rma.uni control defaults
_THRESHOLD = 1e-5
_TOL = np.finfo(float).eps ** 0.25
_MAXITER = 100
_TAU2_MAX = 100.0
_MAD_CONSTANT = 1.4826  # R's mad()


def logit_escalc(events: ArrayLike, totals: ArrayLike, add: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Log odds and sampling variance per report; ``add`` only for 0/n and n/n reports (escalc to="only0")."""
    x, n = as_counts(events, totals)
    a = np.where((x == 0) | (x == n), add, 0.0)
    xa = x + a
    ya = n - x + a
    return np.log(xa / ya), 1.0 / xa + 1.0 / ya


# ---------------------------------------------------------------------------------------------------------
# Linear algebra of the weighted least-squares fit


def _wls(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(X' W X)^-1."""
    return np.linalg.inv(X.T @ (w[:, None] * X))


def _p_matrix(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """P = W - W X (X' W X)^-1 X' W, the residual-forming matrix of the weighted fit."""
    wx = w[:, None] * X
    return np.diag(w) - wx @ _wls(X, w) @ wx.T


def _zeroin(f: Callable[[float], float], ax: float, bx: float, tol: float, maxiter: int) -> float:
    """Brent's root finder exactly as R's ``uniroot`` (R_zeroin2 in R's stats/src/zeroin.c)."""
    eps = np.finfo(float).eps
    a, b = ax, bx
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise ValueError("f() values at end points not of opposite sign")
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise RuntimeError("uniroot did not converge")


# ---------------------------------------------------------------------------------------------------------
# tau^2 estimators (metafor rma.uni 3.8-1)


def _tau2_dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    P = _p_matrix(X, 1.0 / v)
    rss = float(y @ P @ y)
    return max(0.0, (rss - (k - p)) / float(np.trace(P)))


def _tau2_pm(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    target = k - p

    def q_minus_target(tau2: float) -> float:
        P = _p_matrix(X, 1.0 / (v + tau2))
        return float(y @ P @ y) - target

    if q_minus_target(0.0) < 0:
        return 0.0
    mad = _MAD_CONSTANT * float(np.median(np.abs(y - np.median(y))))
    tau2_max = max(_TAU2_MAX, 10 * mad**2)
    if q_minus_target(tau2_max) > 0:
        raise ArithmeticError("Paule-Mandel: tau^2 above the search range")
    return _zeroin(q_minus_target, 0.0, tau2_max, _TOL, _MAXITER)


def _reml_loglik(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    k, p = X.shape
    w = 1.0 / (v + tau2)
    beta = _wls(X, w) @ (X.T @ (w * y))
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    logdet = float(np.linalg.slogdet(X.T @ (w[:, None] * X))[1])
    return -0.5 * (k - p) * math.log(2 * math.pi) - 0.5 * float(np.sum(np.log(v + tau2))) - 0.5 * logdet - 0.5 * rss


def _tau2_reml(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    if k <= p:
        raise ArithmeticError("REML needs more reports than model coefficients")
    # Hedges (HE) estimator as the starting value
    P0 = np.eye(k) - X @ np.linalg.inv(X.T @ X) @ X.T
    tau2 = max(0.0, (float(y @ P0 @ y) - float(np.trace(P0 * v))) / (k - p))
    change = _THRESHOLD + 1
    iteration = 0
    while change > _THRESHOLD:
        iteration += 1
        old = tau2
        P = _p_matrix(X, 1.0 / (v + tau2))
        PP = P @ P
        adj = (float(y @ PP @ y) - float(np.trace(P))) / float(np.trace(PP))
        if not np.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0.0:  # step-halving at the boundary
            adj /= 2
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iteration > _MAXITER:
            raise ArithmeticError("Fisher scoring algorithm did not converge")
    # metafor's ll0check: is the restricted likelihood higher at tau^2 = 0?
    if _reml_loglik(y, v, X, 0.0) - _reml_loglik(y, v, X, tau2) > _TOL and tau2 > _THRESHOLD:
        tau2 = 0.0
    return max(0.0, tau2)


# ---------------------------------------------------------------------------------------------------------
# The model fit


@dataclass(frozen=True)
class RmaFit:
    """A fitted (mixed-effects) inverse-variance model, metafor ``rma.uni`` style."""

    beta: np.ndarray
    vb: np.ndarray
    tau2: float
    df: int | None  # t degrees of freedom (None: z-based)
    crit: float
    qe: float
    qe_p: float
    i2: float
    h2: float
    qm: float
    qm_df: int
    qm_p: float
    weights: np.ndarray  # percent weights
    k: int
    s2w: float = 1.0  # Knapp-Hartung scale factor (1 for z)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vb))


def fit_rma(
    yi: ArrayLike,
    vi: ArrayLike,
    X: ArrayLike | None = None,
    method: Tau2Method = "REML",
    test: Test = "z",
    level: float = 0.95,
) -> RmaFit:
    """Fit ``y ~ N(X beta, v + tau^2)`` as metafor ``rma(yi, vi, mods=X, method=method, test=test)``.

    ``method="FE"`` fixes tau^2 = 0 (the fixed-effect / common-effect model, metafor "EE").
    ``X`` includes the intercept column (default: intercept only). QM is the omnibus Wald test of all
    coefficients but the intercept (chi-square with p - 1 df for z; F for knha).
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    k = y.size
    Xm = np.ones((k, 1)) if X is None else np.asarray(X, dtype=float)
    p = Xm.shape[1]
    if k < 2 or k <= p:
        raise ArithmeticError(f"needs more reports ({k}) than model coefficients ({p})")
    ymc = y - y.mean()
    if method == "REML":
        tau2 = _tau2_reml(ymc, v, Xm)
    elif method == "DL":
        tau2 = _tau2_dl(ymc, v, Xm)
    elif method == "PM":
        tau2 = _tau2_pm(ymc, v, Xm)
    elif method == "FE":
        tau2 = 0.0
    else:
        raise ValueError(f"unknown tau^2 method {method!r}: use 'REML', 'DL', 'PM' or 'FE'.")

    w = 1.0 / (v + tau2)
    vb = _wls(Xm, w)
    beta = vb @ (Xm.T @ (w * y))
    s2w = 1.0
    if test == "knha":
        rss = float(np.sum(w * (y - Xm @ beta) ** 2))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = s2w * vb
        df: int | None = k - p
        crit = float(stats.t.ppf(1 - (1 - level) / 2, df))
    elif test == "z":
        df = None
        crit = float(stats.norm.ppf(1 - (1 - level) / 2))
    else:
        raise ValueError(f"unknown test {test!r}: use 'z' or 'knha'.")

    # heterogeneity (fixed-effect weights)
    P_fe = _p_matrix(Xm, 1.0 / v)
    qe = max(0.0, float(ymc @ P_fe @ ymc))
    qe_p = float(stats.chi2.sf(qe, k - p))
    vt = (k - p) / float(np.trace(P_fe))
    i2 = 100 * tau2 / (vt + tau2)
    h2 = tau2 / vt + 1

    # omnibus test of moderators
    m = p - 1
    if m > 0:
        b = beta[1:]
        qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
        if df is None:
            qm_p = float(stats.chi2.sf(qm, m))
        else:
            qm = qm / m
            qm_p = float(stats.f.sf(qm, m, df))
    else:
        qm, qm_p = float("nan"), float("nan")
    return RmaFit(
        beta=beta,
        vb=vb,
        tau2=float(tau2),
        df=df,
        crit=crit,
        qe=qe,
        qe_p=qe_p,
        i2=float(i2),
        h2=float(h2),
        qm=qm,
        qm_df=m,
        qm_p=qm_p,
        weights=100 * w / w.sum(),
        k=k,
        s2w=s2w,
    )


def _method_name(tau2_method: str, test: str) -> str:
    return f"iv_{tau2_method.lower()}_{test}"


def pool_logit_iv(
    events: ArrayLike,
    totals: ArrayLike,
    tau2_method: Tau2Method = "REML",
    test: Test = "knha",
    level: float = 0.95,
) -> PoolResult:
    """Logit inverse-variance random-effects pooled proportion (metafor ``rma(escalc("PLO"))``).

    Not estimable for a single report. All-0/n or all-n/n data are fitted as metafor does (every report
    then carries the 1/2 correction), with a note that the result rests on the continuity correction.
    """
    x, n = as_counts(events, totals)
    method = _method_name(tau2_method, test)
    label = IV_LABELS[(tau2_method, test)]
    if x.size < 2:
        return not_estimable(x, n, method, label, level, "a single report cannot be meta-analysed (k = 1)")
    yi, vi = logit_escalc(x, n)
    try:
        fit = fit_rma(yi, vi, method=tau2_method, test=test, level=level)
    except (ArithmeticError, np.linalg.LinAlgError) as exc:
        return not_estimable(x, n, method, label, level, f"model fit failed ({exc})")
    mu = float(fit.beta[0])
    se = float(fit.se[0])
    half_pi = fit.crit * math.sqrt(se**2 + fit.tau2)
    notes: list[str] = []
    corrected = int(np.sum((x == 0) | (x == n)))
    if corrected:
        notes.append(f"0.5 added to {corrected} report(s) with 0/n or n/n events")
    if np.all(x == 0) or np.all(x == n):
        notes.append("all reports 0/n or all n/n: estimate is driven by the continuity correction")
    if fit.df is not None:
        notes.append(f"t distribution with {fit.df} df")
        if fit.s2w == 0:
            notes.append(
                "Knapp-Hartung scale factor is 0 (identical logits in every report): the CI has zero width, "
                "as in metafor; do not read it as certainty"
            )
    return PoolResult(
        method=method,
        label=label,
        k=int(x.size),
        patients=int(n.sum()),
        events=int(x.sum()),
        estimate=float(expit(mu)),
        ci_lower=float(expit(mu - fit.crit * se)),
        ci_upper=float(expit(mu + fit.crit * se)),
        pi_lower=float(expit(mu - half_pi)),
        pi_upper=float(expit(mu + half_pi)),
        tau2=fit.tau2,
        i2=fit.i2,
        h2=fit.h2,
        q=fit.qe,
        q_p=fit.qe_p,
        logit=mu,
        se=se,
        level=float(level),
        estimable=True,
        notes=tuple(notes),
        weights=tuple(float(w) for w in fit.weights),
    )


# ---------------------------------------------------------------------------------------------------------
# Freeman-Tukey (legacy)


def _pft(p: float, n: float) -> float:
    """metafor transf.pft: the double-arcsine value of proportion p for sample size n."""
    x = p * n
    return 0.5 * (math.asin(math.sqrt(x / (n + 1))) + math.asin(math.sqrt((x + 1) / (n + 1))))


def _ipft_hm(t: float, n_harmonic: float) -> float:
    """Miller's (1978) inverse of the double arcsine with one (harmonic-mean) n (metafor transf.ipft.hm)."""
    if t > _pft(1.0, n_harmonic):
        return 1.0
    if t < _pft(0.0, n_harmonic):
        return 0.0
    s = math.sin(2 * t)
    inner = 1 - (s + (s - 1 / s) / n_harmonic) ** 2
    if inner < 0:
        return float("nan")
    return 0.5 * (1 - math.copysign(1.0, math.cos(2 * t)) * math.sqrt(inner))


def pool_freeman_tukey_legacy(events: ArrayLike, totals: ArrayLike, level: float = 0.95) -> PoolResult:
    """LEGACY: Freeman-Tukey double arcsine, REML, z-based, Miller's harmonic-mean back-transform.

    ``escalc("PFT")``: ``t = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))) / 2``, ``v = 1/(4n + 2)``.
    Kept only to reproduce older reviews; ``logit`` and ``se`` are None (the model is not on the logit scale).
    """
    x, n = as_counts(events, totals)
    method = "freeman_tukey_legacy"
    if x.size < 2:
        return not_estimable(x, n, method, FT_LABEL, level, "a single report cannot be meta-analysed (k = 1)")
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    vi = 1.0 / (4 * n + 2)
    fit = fit_rma(yi, vi, method="REML", test="z", level=level)
    mu, se = float(fit.beta[0]), float(fit.se[0])
    nhm = 1.0 / float(np.mean(1.0 / n))
    half_pi = fit.crit * math.sqrt(se**2 + fit.tau2)
    return PoolResult(
        method=method,
        label=FT_LABEL,
        k=int(x.size),
        patients=int(n.sum()),
        events=int(x.sum()),
        estimate=_ipft_hm(mu, nhm),
        ci_lower=_ipft_hm(mu - fit.crit * se, nhm),
        ci_upper=_ipft_hm(mu + fit.crit * se, nhm),
        pi_lower=_ipft_hm(mu - half_pi, nhm),
        pi_upper=_ipft_hm(mu + half_pi, nhm),
        tau2=fit.tau2,
        i2=fit.i2,
        h2=fit.h2,
        q=fit.qe,
        q_p=fit.qe_p,
        logit=None,
        se=None,
        level=float(level),
        estimable=True,
        notes=(
            "LEGACY method: the single harmonic-mean n back-transform can mislead when report sizes differ "
            "(Schwarzer et al. 2019)",
            f"double-arcsine scale: estimate {mu:.6g}, SE {se:.6g}; harmonic mean n {nhm:.6g}",
        ),
        weights=tuple(float(w) for w in fit.weights),
    )
