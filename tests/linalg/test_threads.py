"""Threaded row passes (:func:`mlereg.set_num_threads`) add per-block sums in block
order, so results are bit-for-bit those of one thread."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import mlereg as mr
from mlereg import linalg
from mlereg.linalg import threads
from tests.helpers import GLM_MAKERS, RESPONSE_KIND, large_glm_data


@pytest.fixture
def small_thread_share():
    """Threads for test-sized data: one per 100,000 elements of X."""
    with linalg.tuned(min_elements_per_thread=100_000):
        yield


@pytest.mark.parametrize("name", ["logit", "poisson"])
def test_threads_give_identical_results(name, small_thread_share):
    X, y, _ = large_glm_data(RESPONSE_KIND[name], n=200_000, p=15)
    old = mr.set_num_threads(1)
    try:
        one = GLM_MAKERS[name](X, y).fit()
        mr.set_num_threads(3)
        assert threads.threads_for(200_000, 15, 100) == 3  # the threaded path is taken
        three = GLM_MAKERS[name](X, y).fit()
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(one.params.to_numpy(), three.params.to_numpy())
    assert np.array_equal(one.bse.to_numpy(), three.bse.to_numpy())
    assert one.llf == three.llf


def test_set_num_threads_rejects_zero():
    with pytest.raises(ValueError, match="at least 1"):
        mr.set_num_threads(0)


def test_default_threads_from_environment(monkeypatch):
    old = mr.set_num_threads(None)
    try:
        monkeypatch.setenv("MLEREG_NUM_THREADS", "3")
        assert mr.get_num_threads() == 3
        mr.set_num_threads(1)
        assert mr.get_num_threads() == 1
    finally:
        mr.set_num_threads(old)


def test_threaded_fits_restore_blas_threads(small_thread_share):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from concurrent.futures import ThreadPoolExecutor

    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    X, y, _ = large_glm_data("binary", n=150_000, p=14)
    old = mr.set_num_threads(2)
    try:
        assert threads.threads_for(150_000, 14, 100) == 2
        single = mr.Logit(y, X).fit().params.to_numpy()
        with ThreadPoolExecutor(3) as ex:  # fits overlapping in time
            fits = list(ex.map(lambda _: mr.Logit(y, X).fit().params.to_numpy(), range(3)))
    finally:
        mr.set_num_threads(old)
    assert all(np.array_equal(f, single) for f in fits)
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


def _fit_in_child(X, y, queue):
    queue.put(mr.Logit(y, X).fit().params.to_numpy())


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="the platform cannot fork (Windows): the pool's after-fork reset does not apply",
)
def test_threaded_fits_work_in_a_forked_child(small_thread_share):
    import multiprocessing

    X, y, _ = large_glm_data("binary", n=150_000, p=14)
    old = mr.set_num_threads(2)
    try:
        parent = mr.Logit(y, X).fit().params.to_numpy()  # starts the thread pool
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_fit_in_child, args=(X, y, queue))
        child.start()
        got = queue.get(timeout=120)  # a pool inherited without its threads would hang
        child.join(timeout=60)
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(got, parent)


def test_blocked_gram_is_the_same_on_any_number_of_threads(small_thread_share):
    from mlereg import linalg

    rng = np.random.default_rng(8)
    X = rng.standard_normal((300_000, 6))
    w, u = rng.uniform(0.1, 2.0, 300_000), rng.standard_normal(300_000)
    old = mr.set_num_threads(1)
    try:
        one = linalg.gram_and_score(X, w, u)
        mr.set_num_threads(3)
        assert threads.threads_for(*X.shape, 100) == 3  # the threaded path is taken
        three = linalg.gram_and_score(X, w, u)
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(one[0], three[0]) and np.array_equal(one[1], three[1])
    ref = X.T @ (w[:, None] * X)
    assert np.max(np.abs(one[0] - ref)) < 1e-12 * np.max(np.abs(ref))


_FORK_SCRIPT = """
import os

import numpy as np
import threadpoolctl
import mlereg as mr
from mlereg.linalg.threads import one_blas_thread

def blas_threads():
    return [m["num_threads"] for m in threadpoolctl.threadpool_info() if m["user_api"] == "blas"]

rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 6))
y = (X.sum(axis=1) + rng.standard_normal(2000) > 0).astype(float)
before = blas_threads()
ref = mr.Logit(y, X).fit().params

def child():
    # no fit runs in a child: its BLAS setting is its own again, and it can fit
    ok = blas_threads() == before
    ok = ok and np.array_equal(mr.Logit(y, X).fit().params, ref)
    os._exit(0 if ok else 3)

def fork_and_wait():
    pid = os.fork()
    if pid == 0:
        child()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

with one_blas_thread():  # a fit's pass in progress in this thread
    code = fork_and_wait()
print(code, blas_threads() == before)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_forked_during_a_fit_has_its_own_blas_setting():
    # the forking runs in a fresh interpreter, under a timeout: a hang fails the test
    out = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "0 True"


_PARENT_SCRIPT = """
import os, sys, threading

import numpy as np
import mlereg as mr
from mlereg.linalg import threads

if sys.argv[2] == "no-threadpoolctl":  # as where threadpoolctl is not installed
    threads._blas["controller"] = None
rng = np.random.default_rng(0)
n = 300_000
X = np.column_stack([np.ones(n), rng.standard_normal((n, 4))])
y = (X @ [0.2, 0.5, -0.3, 0.1, 0.4] + rng.logistic(size=n) > 0).astype(float)
fit = {"ols": lambda: mr.OLS(X[:, 1], X[:, [0, 2, 3]]).fit(),
       "logit": lambda: mr.Logit(y, X).fit()}[sys.argv[1]]
ref = fit().params
same = []

def work():
    mr.set_num_threads(2)
    with mr.linalg.tuned(min_elements_per_thread=10_000):  # row threads too
        for _ in range(4):
            same.append(np.array_equal(fit().params, ref))

worker = threading.Thread(target=work, daemon=True)
worker.start()
forks = 0
while worker.is_alive() and forks < 400:  # forks from the main thread during the fits
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    forks += 1
worker.join(60)
print(len(same), all(same), forks > 0)
os._exit(0)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
@pytest.mark.parametrize("blas", ["threadpoolctl", "no-threadpoolctl"])
@pytest.mark.parametrize("model", ["ols", "logit"])
def test_a_fork_from_another_thread_does_not_stop_a_fit(model, blas):
    # OpenBLAS shuts its thread pool down before a fork: a threaded BLAS call under way
    # in another thread never returned (a plain OLS fit: 4 of 4 runs before; a logit
    # fit with BLAS held to one thread: 4 of 5). Every fit ends with the same estimates
    # (on two row threads, as on one); a hang fails the test on the timeout.
    out = subprocess.run(
        [sys.executable, "-c", _PARENT_SCRIPT, model, blas],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["4", "True", "True"]
