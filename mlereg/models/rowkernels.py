"""Per-row IRLS quantities of a GLM on one block of rows.

Given the linear predictor ``eta`` of a block, a kernel fills the mean ``mu`` and the
working weights ``W = t mu_eta^2 / V(mu)`` and returns deviance / 2 and the score
residuals ``u = t (y - mu) mu_eta / V(mu)`` (``t``: prior weights). :class:`Generic`
does this with the family's and link's functions, for any pair. For the two canonical
pairs fitted most often (binary logit, Poisson log) mu_eta equals V(mu), so ``W`` is
``t V(mu)`` and ``u`` is ``t (y - mu)``: :func:`kernel_for` hands those to kernels that
skip the ratio and share the exponential between mu and the deviance, about a third of
the elementwise work of the generic kernel. They follow the generic formulas (R's
clamps included) and agree with them to rounding (tested to 1e-12).

Examples
--------
>>> import numpy as np
>>> from mlereg.models.families import Binomial
>>> y = np.array([0.0, 1.0, 1.0]); eta = np.zeros(3)
>>> k = kernel_for(Binomial(), y, None)
>>> type(k).__name__
'BinaryLogit'
>>> mu, W = np.empty(3), np.empty(3)
>>> f, u = k(slice(0, 3), eta, mu, W)
>>> round(f, 6), u.tolist(), W.tolist()  # 3 log 2, y - 1/2, 1/4
(2.079442, [-0.5, 0.5, 0.5], [0.25, 0.25, 0.25])
"""

from __future__ import annotations

import numpy as np

from . import families as F
from . import links as L

_EPS = L.EPS
_LOG_EPS = float(np.log(_EPS))  # exp(eta) >= eps exactly when eta >= this


class Generic:
    """Any family and link, through their vectorised functions.

    deviance / 2 over all rows is ``constant`` plus the values the kernel returns for
    the blocks (``constant``: a part that does not depend on mu, summed once per fit;
    0 here).

    Parameters
    ----------
    family : Family
    y : ndarray (n,)
    t : ndarray (n,) or None
        Prior weights; None when all are 1.

    Examples
    --------
    >>> import numpy as np
    >>> from mlereg.models.families import Poisson
    >>> k = Generic(Poisson(), np.array([1.0, 3.0]), None)
    >>> mu, W = np.empty(2), np.empty(2)
    >>> f, u = k(slice(0, 2), np.zeros(2), mu, W)
    >>> u.tolist()
    [0.0, 2.0]
    """

    constant = 0.0

    def __init__(self, family: F.Family, y: np.ndarray, t: np.ndarray | None) -> None:
        self.family, self.y, self.t = family, y, t

    def __call__(
        self, sl: slice, e: np.ndarray, m: np.ndarray, w: np.ndarray | None
    ) -> tuple[float, np.ndarray | None]:
        """Rows ``sl`` with linear predictor ``e``: fill ``m`` (and ``w`` unless None);
        return deviance / 2 and the score residuals (None without ``w``)."""
        family, link = self.family, self.family.link
        yb = self.y[sl]
        tb = None if self.t is None else self.t[sl]
        m[...] = link.inverse(e)
        d = family.unit_deviance(yb, m)
        f = 0.5 * float(np.sum(d) if tb is None else np.dot(tb, d))
        if w is None:
            return f, None
        m1 = link.mu_eta_at(e, m)
        r = m1 / family.variance(m)  # mu_eta / V
        u = (yb - m) * r
        if tb is None:
            np.multiply(m1, r, out=w)
        else:
            u *= tb
            np.multiply(tb * m1, r, out=w)
        return f, u


class BinaryLogit(Generic):
    """Binomial family, logit link, every y 0 or 1.

    mu = 1 / (1 + q) with q = exp(-eta) (eta clamped as in :class:`mlereg.models.links.Logit`);
    1 - mu = q mu, which keeps its digits where mu is near 1; the deviance is
    -2 log(mu) for y = 1 and -2 log(1 - mu) for y = 0, summed as
    -2 [t y . log(mu) + t (1 - y) . log(1 - mu)] with t y and t (1 - y) formed once per
    fit (two logs and two dot products: picking log(mu) or log(1 - mu) row by row on a
    0/1 response took 3x as long, the branch on y being unpredictable).

    Examples
    --------
    >>> import numpy as np
    >>> k = BinaryLogit(None, np.array([1.0]), None)
    >>> mu, W = np.empty(1), np.empty(1)
    >>> f, u = k(slice(0, 1), np.array([0.0]), mu, W)
    >>> mu.tolist(), W.tolist()
    ([0.5], [0.25])
    """

    def __init__(self, family: F.Family, y: np.ndarray, t: np.ndarray | None) -> None:
        super().__init__(family, y, t)
        self.ty = y if t is None else t * y  # the weights of log(mu) and log(1 - mu)
        # unweighted, 1 - y is made block by block: a vector of n rows less held
        self.tny = None if t is None else t - self.ty

    def __call__(
        self, sl: slice, e: np.ndarray, m: np.ndarray, w: np.ndarray | None
    ) -> tuple[float, np.ndarray | None]:
        yb = self.y[sl]
        tb = None if self.t is None else self.t[sl]
        q = np.negative(e)
        np.clip(q, -L.LOGIT_THRESH, L.LOGIT_THRESH, out=q)
        np.exp(q, out=q)
        np.add(q, 1.0, out=m)
        np.reciprocal(m, out=m)
        q *= m  # 1 - mu
        tny = np.subtract(1.0, yb) if self.tny is None else self.tny[sl]
        f = -float(np.dot(self.ty[sl], np.log(m)) + np.dot(tny, np.log(q)))
        if w is None:
            return f, None
        np.multiply(m, q, out=w)  # V(mu) = mu (1 - mu) = mu_eta
        u = yb - m
        if w.min() < _EPS:  # mu_eta clamped at eps (|eta| near the clamp): as Generic
            m1 = np.maximum(w, _EPS)
            r = m1 / w
            u *= r
            np.multiply(m1, r, out=w)
        if tb is not None:
            u *= tb
            w *= tb
        return f, u


class PoissonLog(Generic):
    """Poisson family, log link: mu = max(exp(eta), eps) = mu_eta = V(mu).

    The unit deviance / 2, y log(y / mu) - (y - mu), is c - y eta + mu with
    c = y log(y) - y. The sum of t c does not depend on mu: it is the kernel's
    ``constant``, summed once per fit, and a block adds t . mu - t y . eta (two
    reductions, no per-row temporaries). Where mu is clamped at eps, log(mu) is not
    eta: such blocks take the family's deviance, less their part of the constant.

    Examples
    --------
    >>> import numpy as np
    >>> from mlereg.models.families import Poisson
    >>> k = PoissonLog(Poisson(), np.array([2.0]), None)
    >>> mu, W = np.empty(1), np.empty(1)
    >>> f, u = k(slice(0, 1), np.array([0.0]), mu, W)
    >>> mu.tolist(), W.tolist(), u.tolist()
    ([1.0], [1.0], [1.0])
    >>> bool(np.isclose(k.constant + f, 2 * np.log(2) - 1))  # y log(y / mu) - (y - mu)
    True
    """

    def __init__(self, family: F.Family, y: np.ndarray, t: np.ndarray | None) -> None:
        super().__init__(family, y, t)
        self.ty = y if t is None else t * y
        self.constant = self._c_sum(slice(None))

    def _c_sum(self, sl: slice) -> float:
        """The sum of t (y log y - y) over rows ``sl`` (y log y = 0 at y = 0)."""
        y = self.y[sl]
        c = np.where(y > 0, y, 1.0)  # a log with where= is 2x slower
        np.log(c, out=c)
        c *= y
        c -= y
        return float(np.sum(c) if self.t is None else np.dot(self.t[sl], c))

    def __call__(
        self, sl: slice, e: np.ndarray, m: np.ndarray, w: np.ndarray | None
    ) -> tuple[float, np.ndarray | None]:
        yb = self.y[sl]
        tb = None if self.t is None else self.t[sl]
        np.exp(e, out=m)
        if e.min() >= _LOG_EPS:
            f = float(np.sum(m) if tb is None else np.dot(tb, m)) - float(np.dot(self.ty[sl], e))
        else:
            np.maximum(m, _EPS, out=m)
            d = 0.5 * self.family.unit_deviance(yb, m)
            f = float(np.sum(d) if tb is None else np.dot(tb, d)) - self._c_sum(sl)
        if w is None:
            return f, None
        u = yb - m
        if tb is None:
            w[...] = m
        else:
            u *= tb
            np.multiply(tb, m, out=w)
        return f, u


def kernel_for(family: F.Family, y: np.ndarray, t: np.ndarray | None) -> Generic:
    """The kernel for ``family`` and response ``y``: a specialised one where there is
    one, else :class:`Generic`.

    Examples
    --------
    >>> import numpy as np
    >>> from mlereg.models.families import Binomial, Poisson
    >>> from mlereg.models.links import Probit
    >>> [type(kernel_for(f, np.array([0.0, 1.0]), None)).__name__
    ...  for f in (Binomial(), Binomial(Probit()), Poisson())]
    ['BinaryLogit', 'Generic', 'PoissonLog']
    """
    link = type(family.link)
    if type(family) is F.Binomial and link is L.Logit and F.is_binary(y):
        return BinaryLogit(family, y, t)
    if type(family) is F.Poisson and link is L.Log:
        return PoissonLog(family, y, t)
    return Generic(family, y, t)
