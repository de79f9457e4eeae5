"""Binomial-normal random-intercept model (one-stage GLMM) fitted by maximum likelihood.

Model (Stijnen, Hamza & Oezdemir 2010; Hamza et al. 2008): for report i with x_i events among n_i patients,
``x_i ~ Binomial(n_i, expit(mu + b_i))`` with ``b_i ~ N(0, tau^2)``. No continuity correction enters the fit,
so 0/n and n/n reports count as observed. This is R metafor's ``rma.glmm(measure="PLO", method="ML")``
(which calls ``lme4::glmer`` with ``nAGQ`` quadrature points).

Estimation:

* The marginal likelihood of each report integrates the random effect by adaptive Gauss-Hermite quadrature
  (Liu & Pierce 1994; Pinheiro & Bates 1995): nodes centred on the conditional mode of the random effect and
  scaled by its conditional curvature, as lme4 does. Default 50 nodes: on the stored reference cases the
  log-likelihood then equals adaptive numerical integration (scipy quad) to about 1e-11, where lme4's
  nAGQ=25 is off by up to 2e-7 and nAGQ=7 (metafor's default) by up to 3e-3.
* mu is profiled out (Newton-Raphson; the marginal likelihood is log-concave in mu), and the profile
  likelihood of tau is maximised by a grid search followed by Brent's method on the bracketing interval.
* The boundary tau^2 = 0 is a legitimate ML answer and is checked explicitly: the score for tau^2 at 0,
  ``0.5 * sum((x_i - n_i p)^2 - n_i p (1 - p))`` at the fixed-effect p, decides whether the boundary is a
  local maximum. At the boundary the model is the fixed-effect logistic model and the SE of mu is
  ``1 / sqrt(sum n_i p (1 - p))``.
* Otherwise the SE of mu comes from the observed information: the inverse of a numerical (Richardson-
  extrapolated central-difference) Hessian of the marginal log-likelihood in (mu, tau) at the optimum, as
  lme4's ``vcov`` for ``nAGQ > 0`` fits.

Inference: t with k - 1 df (metafor ``test="t"``, the default here because k is small) or z. Prediction
interval as metafor: ``mu +- crit * sqrt(se^2 + tau^2)`` with the same crit.

Not estimable (a result, not an error): k = 1, all reports 0/n, all reports n/n (no finite ML estimate of
mu; metafor: "Cannot fit ML model"), or a profile likelihood still increasing at tau = 10 (tau^2 = 100 on
the logit scale; typically only 0/n and n/n reports), where lme4 returns an arbitrary huge tau^2 (e.g.
4.7e5 for 0/4, 4/4, 0/4, 4/4) and where quadrature of any kind becomes unreliable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import ArrayLike
from scipy import optimize, stats
from scipy.special import expit, gammaln

from .exact import as_counts, not_estimable
from .labels import GLMM_LABELS
from .result import PoolResult

__all__ = ["GlmmFit", "fit_glmm", "pool_glmm", "marginal_loglik", "GLMM_LABELS", "DEFAULT_NODES"]

DEFAULT_NODES = 50
# profile grid for tau (logit scale, up to tau = 10): a maximum at the last point means the likelihood is
# still increasing at tau^2 = 100, i.e. no usable ML estimate of tau^2
_TAU_GRID = np.concatenate([[0.0], np.geomspace(0.02, 10.0, 22)])
_TAU2_MAX = float(_TAU_GRID[-1] ** 2)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


@lru_cache(maxsize=16)
def _gauss_hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and log-weights for integrals against exp(-z^2/2) (probabilists' Hermite)."""
    z, w = hermegauss(n_nodes)
    return z, np.log(w)


class _Data:
    """Counts and the constant log binomial coefficients."""

    def __init__(self, x: np.ndarray, n: np.ndarray) -> None:
        self.x = x.astype(float)
        self.n = n.astype(float)
        self.log_choose = gammaln(self.n + 1) - gammaln(self.x + 1) - gammaln(self.n - self.x + 1)
        # conditional modes b* = tau u* of the previous evaluation: warm start for the next one
        self.last_b = np.zeros_like(self.x)


def _modes(d: _Data, mu: float, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Conditional mode u* of the standardised random effect (b = tau * u) and the scale 1/sqrt(curvature).

    g(u) = x (mu + tau u) - n log(1 + exp(mu + tau u)) - u^2 / 2 is strictly concave and its root lies in
    [tau (x - n), tau x]; safeguarded Newton (bisection when a step leaves the bracket), vectorised.
    """
    x, n = d.x, d.n
    if tau == 0.0:
        return np.zeros_like(x), np.ones_like(x)
    lo, hi = tau * (x - n), tau * x
    u = np.clip(d.last_b / tau, lo, hi)
    for _ in range(200):
        p = expit(mu + tau * u)
        g = tau * (x - n * p) - u
        curv = 1.0 + tau * tau * n * p * (1 - p)
        lo = np.where(g > 0, u, lo)
        hi = np.where(g < 0, u, hi)
        step = g / curv
        if abs(step).max() <= 1e-14 * (1.0 + abs(u).max()):
            u = u + step
            break
        new = u + step
        outside = (new < lo) | (new > hi)
        u = np.where(outside, 0.5 * (lo + hi), new)
    d.last_b = tau * u
    p = expit(mu + tau * u)
    return u, 1.0 / np.sqrt(1.0 + tau * tau * n * p * (1 - p))


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """log(sum(exp(a), axis=1)) for finite rows, computed stably (scipy's logsumexp without its per-call overhead)."""
    peak = a.max(axis=1)
    return peak + np.log(np.exp(a - peak[:, None]).sum(axis=1))


def _nodes(d: _Data, mu: float, tau: float, n_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per report: log marginal likelihood, quadrature log-weights (posterior, normalised), linear predictors."""
    tau = abs(tau)  # the likelihood is even in tau
    z, logw = _gauss_hermite(n_nodes)
    u_star, scale = _modes(d, mu, tau)
    u = u_star[:, None] + scale[:, None] * z[None, :]
    eta = mu + tau * u
    log_f = d.log_choose[:, None] + d.x[:, None] * eta - d.n[:, None] * np.logaddexp(0.0, eta)
    terms = log_f - 0.5 * u * u - _LOG_SQRT_2PI + 0.5 * z[None, :] ** 2 + logw[None, :]
    log_int = _logsumexp_rows(terms)
    log_lik = np.log(scale) + log_int
    post = terms - log_int[:, None]
    return log_lik, post, eta


def marginal_loglik(mu: float, tau: float, events: ArrayLike, totals: ArrayLike, n_nodes: int = DEFAULT_NODES) -> float:
    """Marginal log-likelihood sum_i log int Binom(x_i | n_i, expit(mu + b)) N(b; 0, tau^2) db (AGQ)."""
    x, n = as_counts(events, totals)
    return float(_nodes(_Data(x, n), mu, tau, n_nodes)[0].sum())


def _loglik(d: _Data, mu: float, tau: float, n_nodes: int) -> float:
    return float(_nodes(d, mu, tau, n_nodes)[0].sum())


def _moments(d: _Data, mu: float, tau: float, n_nodes: int) -> tuple[float, float, float]:
    """Log-likelihood and its first two derivatives in mu, from posterior moments at the quadrature nodes:
    d/dmu = sum_i E[x_i - n_i p], d2/dmu2 = sum_i (Var[x_i - n_i p] - E[n_i p (1 - p)])."""
    ll, post, eta = _nodes(d, mu, tau, n_nodes)
    w = np.exp(post)
    p = expit(eta)
    s = d.x[:, None] - d.n[:, None] * p
    mean_s = np.sum(w * s, axis=1)
    var_s = np.sum(w * s * s, axis=1) - mean_s**2
    info = np.sum(w * d.n[:, None] * p * (1 - p), axis=1)
    return float(ll.sum()), float(mean_s.sum()), float(np.sum(var_s - info))


def _profile_mu(d: _Data, tau: float, n_nodes: int, mu0: float) -> tuple[float, float]:
    """argmax over mu for fixed tau: Newton-Raphson with posterior-moment derivatives and step-halving.

    The marginal likelihood is log-concave in mu, so Newton converges from any start. Where quadrature is
    least accurate (0/n or n/n reports at large tau) the moment derivatives and the approximated likelihood
    can disagree at the 1e-6 level; the search then stops when no further ascent is found.
    """
    mu = mu0
    f0, grad, hess = _moments(d, mu, tau, n_nodes)
    for _ in range(100):
        step = -grad / hess if hess < 0 else math.copysign(0.5, grad)
        step = max(-5.0, min(5.0, step))
        halvings = 0
        while True:
            f1, g1, h1 = _moments(d, mu + step, tau, n_nodes)
            if f1 >= f0 or halvings == 20:
                break
            step /= 2
            halvings += 1
        if f1 < f0:
            break  # no ascent at this precision
        mu, f0, grad, hess = mu + step, f1, g1, h1
        if halvings > 8 or abs(step) < 1e-10 * (1.0 + abs(mu)):
            break  # converged, or at the noise floor of the quadrature
    return mu, f0


def _polish_mu(d: _Data, tau: float, n_nodes: int, mu0: float) -> tuple[float, float]:
    """A few Newton steps on central differences of the quadrature log-likelihood itself, so that the
    reported mu maximises exactly the function whose Hessian gives the SE."""
    mu = mu0
    f0 = _loglik(d, mu, tau, n_nodes)
    for _ in range(10):
        h = 1e-4 * (1.0 + abs(mu))
        fp = _loglik(d, mu + h, tau, n_nodes)
        fm = _loglik(d, mu - h, tau, n_nodes)
        curv = (fp - 2 * f0 + fm) / (h * h)
        if not curv < 0:
            break
        step = -((fp - fm) / (2 * h)) / curv
        f1 = _loglik(d, mu + step, tau, n_nodes)
        if f1 < f0:
            break
        mu, f0 = mu + step, f1
        if abs(step) < 1e-12 * (1.0 + abs(mu)):
            break
    return mu, f0


@dataclass(frozen=True)
class GlmmFit:
    """ML fit of the binomial-normal model: mu (logit), its SE, tau^2 and the maximised log-likelihood."""

    mu: float
    se: float
    tau2: float
    loglik: float
    at_boundary: bool
    n_nodes: int


class GlmmNotEstimable(ArithmeticError):
    """The ML estimate does not exist (the reason is the message)."""


def _hessian(f, x0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central-difference Hessian with one Richardson extrapolation step (error O(h^4))."""

    def central(step: np.ndarray) -> np.ndarray:
        m = x0.size
        H = np.empty((m, m))
        f0 = f(x0)
        for i in range(m):
            ei = np.zeros(m)
            ei[i] = step[i]
            H[i, i] = (f(x0 + ei) - 2 * f0 + f(x0 - ei)) / step[i] ** 2
            for j in range(i):
                ej = np.zeros(m)
                ej[j] = step[j]
                H[i, j] = H[j, i] = (
                    f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)
                ) / (4 * step[i] * step[j])
        return H

    return (4 * central(h / 2) - central(h)) / 3


def fit_glmm(events: ArrayLike, totals: ArrayLike, n_nodes: int = DEFAULT_NODES) -> GlmmFit:
    """Maximum-likelihood fit; raises :class:`GlmmNotEstimable` when no finite ML estimate exists.

    Fits are cached by (events, totals, n_nodes): the z- and t-based results share one fit.
    """
    x, n = as_counts(events, totals)
    if n_nodes < 1:
        raise ValueError(f"n_nodes must be a positive number of quadrature nodes, got {n_nodes}.")
    return _fit_cached(tuple(int(v) for v in x), tuple(int(v) for v in n), int(n_nodes))


@lru_cache(maxsize=256)
def _fit_cached(events: tuple[int, ...], totals: tuple[int, ...], n_nodes: int) -> GlmmFit:
    x, n = np.array(events, dtype=np.int64), np.array(totals, dtype=np.int64)
    if x.size < 2:
        raise GlmmNotEstimable("a single report cannot be meta-analysed (k = 1)")
    if np.all(x == 0):
        raise GlmmNotEstimable("no events in any report: the ML estimate of the logit is -infinity")
    if np.all(x == n):
        raise GlmmNotEstimable("events in every patient of every report: the ML estimate of the logit is +infinity")
    d = _Data(x, n)

    # the boundary: fixed-effect logistic model, closed form
    p_fe = x.sum() / n.sum()
    mu_fe = math.log(p_fe) - math.log1p(-p_fe)
    ll0 = _loglik(d, mu_fe, 0.0, n_nodes)
    score0 = 0.5 * float(np.sum((x - n * p_fe) ** 2 - n * p_fe * (1 - p_fe)))

    # profile likelihood of tau on a grid (warm-started), then Brent on the bracket around the best point
    profile: list[tuple[float, float, float]] = [(0.0, mu_fe, ll0)]
    mu = mu_fe
    for tau in _TAU_GRID[1:]:
        mu, ll = _profile_mu(d, float(tau), n_nodes, mu)
        profile.append((float(tau), mu, ll))
    lls = np.array([row[2] for row in profile])
    best = int(np.argmax(lls))
    if best == len(profile) - 1:
        raise GlmmNotEstimable(
            f"the likelihood is still increasing at tau^2 = {_TAU2_MAX:.0f} (logit scale): no usable ML estimate "
            "of tau^2 (typically only 0/n and n/n reports)"
        )

    at_boundary = best == 0 and score0 <= 0
    if at_boundary:
        mu_hat, tau_hat, ll_hat = mu_fe, 0.0, ll0
    else:
        lo = profile[max(best - 1, 0)][0]
        hi = profile[best + 1][0]
        start = {"mu": profile[best][1]}

        def neg_profile(tau: float) -> float:
            m, ll = _profile_mu(d, tau, n_nodes, start["mu"])
            start["mu"] = m
            return -ll

        res = optimize.minimize_scalar(neg_profile, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        tau_hat = float(res.x)
        mu_hat, ll_hat = _polish_mu(d, tau_hat, n_nodes, _profile_mu(d, tau_hat, n_nodes, start["mu"])[0])
        if ll0 >= ll_hat:
            at_boundary = True
            mu_hat, tau_hat, ll_hat = mu_fe, 0.0, ll0

    if at_boundary:
        se = 1.0 / math.sqrt(float(np.sum(n * p_fe * (1 - p_fe))))
        return GlmmFit(mu=mu_fe, se=se, tau2=0.0, loglik=ll0, at_boundary=True, n_nodes=n_nodes)

    theta = np.array([mu_hat, tau_hat])
    h = np.array([1e-3 * (1 + abs(mu_hat)), 1e-3 * (1 + tau_hat)])
    H = _hessian(lambda t: _loglik(d, float(t[0]), float(t[1]), n_nodes), theta, h)
    try:
        cov = np.linalg.inv(-H)
    except np.linalg.LinAlgError as exc:
        raise GlmmNotEstimable("the observed information matrix is singular") from exc
    var_mu = float(cov[0, 0])
    if not (var_mu > 0 and math.isfinite(var_mu)):
        raise GlmmNotEstimable("the observed information matrix is not positive definite")
    return GlmmFit(
        mu=mu_hat, se=math.sqrt(var_mu), tau2=tau_hat**2, loglik=ll_hat, at_boundary=False, n_nodes=n_nodes
    )


def pool_glmm(
    events: ArrayLike,
    totals: ArrayLike,
    test: Literal["t", "z"] = "t",
    level: float = 0.95,
    n_nodes: int = DEFAULT_NODES,
) -> PoolResult:
    """Pooled proportion from the binomial-normal GLMM (ML), with t- (default) or z-based CI and PI."""
    x, n = as_counts(events, totals)
    method = "glmm" if test == "t" else "glmm_z"
    if test not in GLMM_LABELS:
        raise ValueError(f"unknown test {test!r}: use 't' or 'z'.")
    label = GLMM_LABELS[test]
    try:
        fit = fit_glmm(x, n, n_nodes=n_nodes)
    except GlmmNotEstimable as exc:
        return not_estimable(x, n, method, label, level, str(exc))
    k = int(x.size)
    alpha = 1 - level
    crit = float(stats.t.ppf(1 - alpha / 2, k - 1)) if test == "t" else float(stats.norm.ppf(1 - alpha / 2))
    half_ci = crit * fit.se
    half_pi = crit * math.sqrt(fit.se**2 + fit.tau2)
    notes = [f"ML, adaptive Gauss-Hermite quadrature with {n_nodes} nodes"]
    if fit.at_boundary:
        notes.append("tau^2 = 0 (ML estimate at the boundary): SE from the fixed-effect logistic model")
    if test == "t":
        notes.append(f"t distribution with {k - 1} df")
    return PoolResult(
        method=method,
        label=label,
        k=k,
        patients=int(n.sum()),
        events=int(x.sum()),
        estimate=float(expit(fit.mu)),
        ci_lower=float(expit(fit.mu - half_ci)),
        ci_upper=float(expit(fit.mu + half_ci)),
        pi_lower=float(expit(fit.mu - half_pi)),
        pi_upper=float(expit(fit.mu + half_pi)),
        tau2=fit.tau2,
        logit=fit.mu,
        se=fit.se,
        level=float(level),
        estimable=True,
        notes=tuple(notes),
    )
