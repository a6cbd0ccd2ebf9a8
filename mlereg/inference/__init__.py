"""What a fit is used for: results, covariances, Wald and likelihood-ratio tests,
analysis of deviance, profile likelihood, predictions and marginal effects."""
