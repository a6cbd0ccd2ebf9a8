#!/usr/bin/env Rscript
## Reference values for regression diagnostics (influence measures) of lm and
## glm fits: hat values, Cook's distance, standardized and studentized
## residuals, dfbeta, dfbetas, covratio, dffits, Pearson and deviance
## residuals, sigma (lm) or dispersion (glm).
##
##   Rscript tools/r/influence_reference.R      (run from the repository root)
##
## Reads tests/data/{mtcars,spector,warpbreaks}.csv (written by
## tools/r/make_reference.R) and writes tests/reference/influence.json.
## Needs only base R (stats); no other package.
##
## JSON layout: top level {"about", "r_version", "script", "definitions",
## "cases": [...]}.  Each case has the call, the R formula and its patsy
## equivalent, the data file, family and link, coefficients, and one value per
## observation (CSV row order) for every measure; dfbeta and dfbetas are arrays
## of rows with their column names in "dfbeta_columns".  Numbers are written
## with %.17g; NA/NaN as null.
##
## glm fits are polished: fitted with glm.control(epsilon = 1e-14, maxit = 100)
## and refitted from start = coef(previous fit) until the largest relative
## coefficient change is below 1e-12 (see each case's "notes").  This matters
## because R's influence measures use the QR decomposition and working weights
## of the last IRLS iteration, i.e. those at the next-to-last estimate.

options(warn = 1, stringsAsFactors = FALSE)
OUT <- file.path("tests", "reference", "influence.json")

source(file.path("tools", "r", "json.R"))    # jnum, jstr, toJSON, arr, mat
source(file.path("tools", "r", "common.R"))  # data (E, LV), pC, polish_glm

## constructed prior weights for the weighted lm: 0.5, 1, 1.5, 2, 0.5, 1, ...
## (row i, 1-based: w = 0.5 + ((i - 1) %% 4) / 2; exact in binary floating point)
E$mtcars$w <- 0.5 + ((seq_len(nrow(E$mtcars)) - 1) %% 4) / 2

## size of one Fisher-scoring step from the final estimate, relative to the s.e.
newton_step_over_se <- function(fit) {
  X <- model.matrix(fit)
  fam <- family(fit); eta <- fit$linear.predictors; mu <- fit$fitted.values
  sc <- colSums(X * fit$prior.weights * (fit$y - mu) * fam$mu.eta(eta) / fam$variance(mu))
  cu <- summary(fit)$cov.unscaled
  max(abs(as.vector(cu %*% sc)) / sqrt(diag(cu)))
}

## ---------------------------------------------------------------------------
## one case
## ---------------------------------------------------------------------------
make_case <- function(id, data, r_call, patsy, weights = NULL, weights_rule = NULL,
                      factor_levels = NULL, row_labels = NULL, note = NULL) {
  cl <- str2lang(r_call)
  is_glm <- identical(cl[[1]], as.name("glm"))
  pol <- NULL
  if (is_glm) {
    pol <- polish_glm(cl)
    fit <- pol$fit
  } else {
    fit <- eval(cl, E)
  }
  n <- nobs(fit); p <- fit$rank
  stopifnot(p == length(coef(fit)), !anyNA(coef(fit)))
  fam <- if (is_glm) family(fit) else gaussian()
  db <- dfbeta(fit); dbs <- dfbetas(fit)
  stopifnot(identical(colnames(db), names(coef(fit))), nrow(db) == n)
  h <- hatvalues(fit)

  case <- list(
    id = id, model = if (is_glm) "glm" else "lm", data = data,
    r_call = r_call,
    r_formula = paste(deparse(formula(fit)), collapse = " "),
    formula = patsy,
    family = fam$family, link = fam$link,
    weights = weights, weights_rule = weights_rule,
    weights_values = if (!is.null(weights)) arr(E[[sub("\\.csv$", "", data)]][[weights]]),
    factor_levels = factor_levels,
    note = note,
    nobs = n, rank = p, df_resid = df.residual(fit),
    coef_names = arr(names(coef(fit))),
    params = arr(coef(fit)),
    sigma = if (!is_glm) sigma(fit),
    dispersion = if (is_glm) summary(fit)$dispersion,
    converged = if (is_glm) fit$converged,
    iter = if (is_glm) fit$iter,
    notes = if (is_glm) sprintf(paste(
      "Fitted with control = %s, then refitted with start = coef(previous fit) and the",
      "same control until the largest relative coefficient change |b_new - b_old|/|b_old|",
      "was below %g: %d refit(s); largest relative change in the last refit %.3g",
      "(%.3g standard errors). One Fisher-scoring step from the final estimate moves the",
      "coefficients by at most %.3g standard errors."),
      GLM_CONTROL, REL_TOL, pol$restarts, pol$last_rel_change, pol$last_change_over_se,
      newton_step_over_se(fit)),
    polish = if (is_glm) list(
      control = GLM_CONTROL, restarts = pol$restarts,
      rel_changes = arr(pol$rel_changes),
      last_rel_change = pol$last_rel_change,
      last_change_over_se = pol$last_change_over_se,
      newton_step_over_se = newton_step_over_se(fit)),
    row_labels = if (!is.null(row_labels)) arr(row_labels),
    fitted = arr(fitted(fit)),
    hat = arr(h),
    cooks_distance = arr(cooks.distance(fit)),
    rstandard = arr(rstandard(fit)),
    rstandard_pearson = if (is_glm) arr(rstandard(fit, type = "pearson")),
    rstudent = arr(rstudent(fit)),
    dfbeta_columns = arr(colnames(db)),
    dfbeta = mat(db),
    dfbetas = mat(dbs),
    covratio = arr(covratio(fit)),
    dffits = arr(dffits(fit)),
    resid_pearson = arr(residuals(fit, type = "pearson")),
    resid_deviance = arr(residuals(fit, type = "deviance")),
    sigma_loo = arr(influence(fit, do.coef = FALSE)$sigma)
  )
  ## internal consistency
  stopifnot(abs(sum(h) - p) < 1e-10 * p,
            all(abs(influence.measures(fit)$infmat[, "cook.d"] - cooks.distance(fit)) <=
                1e-12 * abs(cooks.distance(fit))))
  case[!vapply(case, is.null, TRUE)]
}

## ---------------------------------------------------------------------------
## cases
## ---------------------------------------------------------------------------
wb_p <- paste("breaks ~", pC("wool", LV$warpbreaks$wool), "+",
              pC("tension", LV$warpbreaks$tension))
cases <- list(
  make_case("mtcars_lm", "mtcars.csv", "lm(mpg ~ wt + hp, data = mtcars)", "mpg ~ wt + hp",
            row_labels = E$mtcars$car),
  make_case("mtcars_lm_weighted", "mtcars.csv", "lm(mpg ~ wt + hp, data = mtcars, weights = w)",
            "mpg ~ wt + hp", weights = "w",
            weights_rule = "w = 0.5 + ((i - 1) mod 4) / 2 for row i = 1..n (0.5, 1, 1.5, 2, 0.5, ...); not a column of mtcars.csv, the values are in weights_values",
            row_labels = E$mtcars$car,
            note = "prior (precision) weights: statsmodels WLS weights; residuals of type pearson/deviance are sqrt(w) * (y - fitted)"),
  make_case("spector_logit", "spector.csv",
            "glm(GRADE ~ GPA + TUCE + PSI, family = binomial(link = \"logit\"), data = spector)",
            "GRADE ~ GPA + TUCE + PSI"),
  make_case("warpbreaks_poisson", "warpbreaks.csv",
            "glm(breaks ~ wool + tension, family = poisson(link = \"log\"), data = warpbreaks)",
            wb_p, factor_levels = lapply(LV$warpbreaks, arr),
            note = "wool and tension are unordered factors with treatment contrasts; level order as in factor_levels (tension L, M, H: not alphabetical)"),
  make_case("mtcars_gamma_log", "mtcars.csv",
            "glm(mpg ~ wt, family = Gamma(link = \"log\"), data = mtcars)", "mpg ~ wt",
            row_labels = E$mtcars$car,
            note = "non-canonical link: R's working weights mu_eta^2 / V(mu) are all 1 here, so hat equals the hat values of the unweighted design (expected, not observed, information)")
)

definitions <- list(
  general = "Per-observation arrays are in the CSV's row order. p = rank, n = nobs. h = hatvalues: diagonal of the hat matrix of sqrt(W) X, W = prior weights (lm) or final IRLS working weights (glm). e = weighted.residuals(fit): sqrt(w) * (y - fitted) for lm, deviance residuals for glm. sigma_loo = influence(fit)$sigma: sqrt((sum(e^2) - e_i^2 / (1 - h_i)) / (n - p - 1)).",
  hat = "hatvalues(fit). For glm the working weights are the expected-information (Fisher scoring) weights w mu_eta^2 / V(mu); statsmodels' GLMResults.get_hat_matrix_diag() defaults to observed=True, which differs for non-canonical links (e.g. the Gamma log case, where R's working weights are all 1)",
  cooks_distance = "cooks.distance(fit): lm: e_i^2 h_i / (p sigma^2 (1 - h_i)^2); glm: r_Pi^2 h_i / (p phi (1 - h_i)^2), r_P = Pearson residual, phi = dispersion",
  rstandard = "rstandard(fit): lm: e_i / (sigma sqrt(1 - h_i)); glm (type deviance): r_Di / sqrt(phi (1 - h_i))",
  rstandard_pearson = "glm only: rstandard(fit, type = \"pearson\") = r_Pi / sqrt(phi (1 - h_i))",
  rstudent = "rstudent(fit): lm: e_i / (sigma_loo_i sqrt(1 - h_i)); glm: sign(r_Di) sqrt(r_Di^2 + h_i r_Pi^2 / (1 - h_i)), divided by sigma_loo_i except for the binomial and poisson families",
  dfbeta = "dfbeta(fit) = influence(fit)$coefficients, rows = observations, columns = dfbeta_columns: (X'WX)^-1 x_i sqrt(w_i) e_i / (1 - h_i), i.e. coef(fit) - coef(fit without row i), exact for lm; for glm a one-step approximation built on the DEVIANCE residual e_i (R's lm.influence), not on the Pearson residual",
  dfbetas = "dfbetas(fit) = dfbeta / outer(sigma_loo, sqrt(diag((X'WX)^-1)))",
  covratio = "covratio(fit) = 1 / ((1 - h_i) ((n - p - 1 + t_i^2) / (n - p))^p), t_i = e_i / (sigma_loo_i sqrt(1 - h_i))",
  dffits = "dffits(fit) = e_i sqrt(h_i) / (sigma_loo_i (1 - h_i))",
  resid_pearson = "residuals(fit, type = \"pearson\")",
  resid_deviance = "residuals(fit, type = \"deviance\")",
  sigma = "lm only: sigma(fit) = sqrt(sum(w (y - fitted)^2) / df_resid)",
  dispersion = "glm only: summary(fit)$dispersion (1 for binomial and poisson; Pearson chi^2 / df_resid otherwise)"
)

obj <- list(
  about = paste(
    "R reference values for regression diagnostics (R's influence.measures components:",
    "hat values, Cook's distance, standardized and studentized residuals, dfbeta, dfbetas,",
    "covratio, dffits) of lm and glm fits, for testing res.get_influence().",
    "Written by Rscript tools/r/influence_reference.R (run from the repository root)",
    "from the CSVs in tests/data; numbers with %.17g, NA/NaN as null."),
  r_version = R.version.string,
  script = "tools/r/influence_reference.R",
  definitions = definitions,
  cases = cases
)
writeLines(toJSON(obj), OUT)
message("wrote ", OUT)
