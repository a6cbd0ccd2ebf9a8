"""Benchmarks of mlereg against statsmodels, scikit-learn and glum (run by hand).

Run ``python -m benchmarks --help`` from the repository root.
"""
