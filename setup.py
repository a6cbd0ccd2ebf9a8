"""Build of the optional compiled kernel (everything else is in pyproject.toml).

``mlereg._ckernels`` speeds up the row passes of the fits. It is optional: where it
cannot be compiled (no C compiler), the install goes on and mlereg uses numpy instead,
with the same results to rounding.
"""

import sys

from setuptools import Extension, setup

args = [] if sys.platform == "win32" else ["-O3", "-std=gnu99"]
kernel = Extension(
    "mlereg.linalg._ckernels", ["mlereg/linalg/_ckernels.c"], extra_compile_args=args, optional=True
)
setup(ext_modules=[kernel])
