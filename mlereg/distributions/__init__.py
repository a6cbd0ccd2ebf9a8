"""Maximum likelihood for univariate distributions: the specs and the fits."""
