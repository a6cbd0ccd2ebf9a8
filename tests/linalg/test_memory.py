"""A fit under a memory limit raises MemoryError saying what it needed, never hangs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlereg.linalg import memory

resource = pytest.importorskip("resource")

_LIMITED_FIT = """
import resource, sys
import numpy as np
import mlereg as mr

n = 2_000_000
rng = np.random.default_rng(0)
X = np.column_stack([np.ones(n), rng.standard_normal((n, 4))])
y = (X @ [0.2, 0.5, -0.3, 0.1, 0.4] + rng.logistic(size=n) > 0).astype(float)
with open("/proc/self/status") as f:
    size = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize"))
limit = int(size + float(sys.argv[1]) * X.nbytes)  # just above the data
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    res = mr.Logit(y, X).fit()
    print("fitted", round(float(res.params.iloc[1]), 2))
except MemoryError as exc:
    print("MemoryError", exc)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
@pytest.mark.parametrize("room", [0.1, 0.5, 4.0])
def test_a_fit_under_an_address_space_limit_says_so_or_fits(room):
    # room: the headroom above the process's size, in units of X (80 MB). Before the
    # check, 0.1 and 0.3 hung in OpenBLAS's allocator of scipy's dpotrf buffer.
    out = subprocess.run(
        [sys.executable, "-c", _LIMITED_FIT, str(room)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    if room < 1:
        assert out.stdout.startswith("MemoryError Logit of 2000000 x 5 needs about"), out.stdout
        assert "ulimit -v" in out.stdout and "fit fewer rows" in out.stdout
    else:
        assert out.stdout.split() == ["fitted", "0.5"]


def test_an_allocation_failure_in_a_fit_names_the_fit_and_what_to_do():
    with pytest.raises(
        MemoryError, match=r"Logit of 10 x 2 ran out of memory \(Unable.*\): it needs"
    ):
        with memory.fit_memory(10, 2, "Logit"):
            raise MemoryError("Unable to allocate 1 GiB")
    with pytest.raises(MemoryError, match=r"could not start its row threads.*set_num_threads\(1\)"):
        with memory.fit_memory(10, 2, "Logit"):
            raise RuntimeError("can't start new thread")
    with pytest.raises(RuntimeError, match="other"):
        with memory.fit_memory(10, 2, "Logit"):
            raise RuntimeError("other")


def test_the_check_counts_the_fit_vectors(monkeypatch):
    monkeypatch.setattr(memory, "memory_left", lambda: 100.0 * 2**20)
    monkeypatch.setitem(memory._blas, "ready", True)  # noqa: SLF001 - buffers allocated
    with memory.fit_memory(1_000_000, 5, "Poisson"):  # 6 x 8 MB: fits in 100 MiB
        pass
    with pytest.raises(MemoryError, match=r"Poisson of 3000000 x 5 needs about 137 MiB.*100 MiB"):
        with memory.fit_memory(3_000_000, 5, "Poisson"):
            pass
