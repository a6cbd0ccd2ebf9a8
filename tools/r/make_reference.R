#!/usr/bin/env Rscript
## Regenerate the R reference values for the mlereg test suite.
##
##   Rscript tools/r/make_reference.R            (run from the repository root)
##
## Writes tests/data/*.csv (R data sets; the statsmodels data sets are exported
## by tools/r/export_statsmodels_data.py, which is called automatically if one
## of those CSVs is missing -- set MLEREG_PYTHON to choose the interpreter) and
## tests/reference/*.json.  See tests/reference/README.md for the JSON schema.
##
## Requires: R >= 4.2, MASS, sandwich, lmtest, brglm2 (>= 0.8), lpSolve.

options(warn = 1, stringsAsFactors = FALSE)
suppressPackageStartupMessages({
  library(MASS)
  library(sandwich)
  library(lmtest)
  library(brglm2)
  library(lpSolve)
})

if (!dir.exists("tests")) stop("run from the repository root")
DATA <- file.path("tests", "data")
REF <- file.path("tests", "reference")
dir.create(DATA, showWarnings = FALSE, recursive = TRUE)
dir.create(REF, showWarnings = FALSE, recursive = TRUE)

source(file.path("tools", "r", "json.R"))  # jnum, jstr, toJSON, arr, mat

## ---------------------------------------------------------------------------
## CSV I/O
## ---------------------------------------------------------------------------
fmt_num <- function(x) {   # shortest of 15/16/17 significant digits that round-trips
  x <- as.numeric(x)
  out <- sprintf("%.15g", x)
  bad <- !is.na(x) & as.numeric(out) != x
  out[bad] <- sprintf("%.16g", x[bad])
  bad <- !is.na(x) & as.numeric(out) != x
  out[bad] <- sprintf("%.17g", x[bad])
  out[is.na(x)] <- ""
  out
}
write_csv <- function(df, name) {
  cols <- lapply(df, function(v) {
    if (is.factor(v) || is.character(v)) jstr(as.character(v)) else fmt_num(v)
  })
  lines <- c(paste(jstr(names(df)), collapse = ","),
             do.call(paste, c(cols, sep = ",")))
  writeLines(lines, file.path(DATA, name))
}
## read back a CSV; `factors` = list(col = levels) gives the factor coding used in R
read_data <- function(name, factors = list()) {
  d <- read.csv(file.path(DATA, name), check.names = FALSE)
  for (f in names(factors)) d[[f]] <- factor(as.character(d[[f]]), levels = factors[[f]])
  d
}
## patsy term for a factor with R's level order (first level = reference)
pC <- function(col, levels) {
  sprintf("C(%s, levels=[%s])", col, paste0("'", levels, "'", collapse = ", "))
}

## ---------------------------------------------------------------------------
## data sets
## ---------------------------------------------------------------------------
sm_csv <- c("spector", "longley", "cpunish", "star98", "scotland", "randhie")
if (!all(file.exists(file.path(DATA, paste0(sm_csv, ".csv"))))) {
  py <- Sys.getenv("MLEREG_PYTHON", "python")
  st <- system2(py, file.path("tools", "r", "export_statsmodels_data.py"))
  if (st != 0) stop("exporting the statsmodels data sets failed")
}

## R data sets -> CSV (factor levels as strings)
write_csv(MASS::quine, "quine.csv")
write_csv(MASS::Insurance, "Insurance.csv")
write_csv(datasets::warpbreaks, "warpbreaks.csv")
write_csv(datasets::esoph, "esoph.csv")
write_csv(data.frame(car = rownames(mtcars), mtcars, row.names = NULL), "mtcars.csv")

## small constructed data sets
## completely separated: y = 1 iff x > 5
separated <- data.frame(x = 1:10, y = as.numeric(1:10 > 5))
write_csv(separated, "separated.csv")
## quasi-separated: y = 0 for x < 5, y = 1 for x > 5, both outcomes at x = 5;
## z is an ordinary (non-separating) covariate
quasisep <- data.frame(
  x = c(1, 2, 3, 4, 5, 5, 5, 5, 6, 7, 8, 9, 10, 11),
  z = c(0.3, -1.2, 0.8, 1.5, -0.4, 0.9, 1.1, -0.7, 0.2, -1.6, 0.5, 1.3, -0.9, 0.1),
  y = c(0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1))
write_csv(quasisep, "quasisep.csv")
## exact collinearity: x3 = x1 + x2 (integers, so exact in floating point)
set.seed(20240501)
rk <- data.frame(x1 = sample(0:9, 30, replace = TRUE), x2 = sample(0:9, 30, replace = TRUE))
rk$x3 <- rk$x1 + rk$x2
rk$y <- rpois(30, exp(0.2 + 0.1 * rk$x1 - 0.05 * rk$x2))
rk$yc <- round(3 + 0.5 * rk$x1 - 0.2 * rk$x2 + rnorm(30), 2)
write_csv(rk, "rankdef.csv")

LV <- list(
  esoph = list(agegp = levels(esoph$agegp), alcgp = levels(esoph$alcgp),
               tobgp = levels(esoph$tobgp)),
  Insurance = list(District = levels(Insurance$District), Group = levels(Insurance$Group),
                   Age = levels(Insurance$Age)),
  quine = list(Eth = levels(quine$Eth), Sex = levels(quine$Sex), Age = levels(quine$Age),
               Lrn = levels(quine$Lrn)),
  warpbreaks = list(wool = levels(warpbreaks$wool), tension = levels(warpbreaks$tension))
)

E <- new.env()       # evaluation environment for the R calls
E$spector <- read_data("spector.csv")
E$longley <- read_data("longley.csv")
E$cpunish <- read_data("cpunish.csv")
E$star98 <- read_data("star98.csv")
E$scotland <- read_data("scotland.csv")
E$randhie <- read_data("randhie.csv")
E$quine <- read_data("quine.csv", LV$quine)
E$Insurance <- read_data("Insurance.csv", LV$Insurance)   # unordered factors
E$warpbreaks <- read_data("warpbreaks.csv", LV$warpbreaks)
E$esoph <- read_data("esoph.csv", LV$esoph)               # unordered factors
E$mtcars <- read_data("mtcars.csv")
E$separated <- read_data("separated.csv")
E$quasisep <- read_data("quasisep.csv")
E$rankdef <- read_data("rankdef.csv")

## sanity: the CSV round trip reproduces R's own data
stopifnot(isTRUE(all.equal(E$quine$Days, MASS::quine$Days, tolerance = 0)),
          identical(as.character(E$esoph$alcgp), as.character(esoph$alcgp)),
          isTRUE(all.equal(E$mtcars$wt, unname(mtcars$wt), tolerance = 0)),
          isTRUE(all.equal(E$esoph$ncontrols, esoph$ncontrols, tolerance = 0)))

## ---------------------------------------------------------------------------
## helpers
## ---------------------------------------------------------------------------
evalc <- function(txt) eval(parse(text = txt), E)

pick_rows <- function(n) unique(c(0L, 1L, n %/% 3L, (2L * n) %/% 3L, n - 1L))

## Refit a glm to (numerical) convergence, starting from the previous estimate.
## glm's deviance-based stopping rule only pins the coefficients down to about
## sqrt(epsilon * deviance) (in s.e. units), and Fisher scoring converges only
## linearly for non-canonical links, so the refit is repeated (each time
## starting from the previous estimate) until the coefficients stop moving.
coef_change <- function(a, b) {
  se <- sqrt(diag(vcov(b)))
  max(abs(coef(a) - coef(b)) / se, na.rm = TRUE)
}
## NB: glm.fit's QR rank tolerance is min(1e-7, epsilon/1000), so a tiny epsilon
## would stop R from detecting exact collinearity.  For rank-deficient fits the
## default epsilon (1e-8) is kept and the repeated restarts (aliased
## coefficients started at 0) do the polishing.
refit_tight <- function(fit) {
  cl <- fit$call
  rankdef <- anyNA(coef(fit))
  cl$control <- if (rankdef) quote(glm.control(epsilon = 1e-8, maxit = 100))
                else quote(glm.control(epsilon = 1e-15, maxit = 100))
  prev <- fit
  for (r in 1:200) {
    b <- coef(prev); b[is.na(b)] <- 0
    cl$start <- unname(b)
    f2 <- suppressWarnings(eval(cl, E))
    if (rankdef && f2$rank != fit$rank) stop("rank changed in refit")
    d <- coef_change(f2, prev)
    prev <- f2
    if (r > 1 && d < 1e-11 && f2$converged) break
  }
  if (!f2$converged || d > 1e-10) warning("glm refit did not settle: ", deparse(cl)[1], " ", d)
  list(fit = f2, rounds = r, last_change = d)
}

## size of one Fisher-scoring step from the final estimate, relative to the s.e.
## (score computed at the final estimate)
newton_check <- function(fit) {
  ok <- !is.na(coef(fit))
  X <- model.matrix(fit)[, ok, drop = FALSE]
  fam <- family(fit); eta <- fit$linear.predictors; mu <- fit$fitted.values
  sc <- colSums(X * fit$prior.weights * (fit$y - mu) * fam$mu.eta(eta) / fam$variance(mu))
  cu <- summary(fit)$cov.unscaled
  step <- as.vector(cu %*% sc)
  max(abs(step) / sqrt(diag(cu)))
}

## observed-information covariance for a glm (differs from R's expected-information
## vcov only for non-canonical links), and the HC0 sandwich built on it
mu_derivs <- function(link, eta, mu) {
  switch(link,
    logit = { d1 <- mu * (1 - mu); list(d1 = d1, d2 = d1 * (1 - 2 * mu)) },
    probit = { d1 <- dnorm(eta); list(d1 = d1, d2 = -eta * d1) },
    cloglog = { d1 <- exp(eta - exp(eta)); list(d1 = d1, d2 = d1 * (1 - exp(eta))) },
    log = list(d1 = mu, d2 = mu),
    identity = list(d1 = rep(1, length(eta)), d2 = rep(0, length(eta))),
    inverse = list(d1 = -1 / eta^2, d2 = 2 / eta^3),
    "1/mu^2" = list(d1 = -0.5 * eta^-1.5, d2 = 0.75 * eta^-2.5),
    sqrt = list(d1 = 2 * eta, d2 = rep(2, length(eta))),
    stop("no derivatives for link ", link))
}
var_derivs <- function(family, mu) {
  switch(family,
    binomial = list(V = mu * (1 - mu), dV = 1 - 2 * mu),
    poisson = list(V = mu, dV = rep(1, length(mu))),
    Gamma = list(V = mu^2, dV = 2 * mu),
    inverse.gaussian = list(V = mu^3, dV = 3 * mu^2),
    gaussian = list(V = rep(1, length(mu)), dV = rep(0, length(mu))),
    stop("no variance derivative for family ", family))
}
glm_oim <- function(fit) {
  X <- model.matrix(fit); fam <- family(fit)
  eta <- fit$linear.predictors; mu <- fit$fitted.values; y <- fit$y; w <- fit$prior.weights
  md <- mu_derivs(fam$link, eta, mu); vd <- var_derivs(fam$family, mu)
  phi <- summary(fit)$dispersion
  hw <- w * (md$d1^2 / vd$V - (y - mu) * (md$d2 / vd$V - md$d1^2 * vd$dV / vd$V^2))
  bread <- solve(crossprod(X * hw, X))
  sc <- X * (w * (y - mu) * md$d1 / vd$V)
  list(vcov_oim = phi * bread,
       vcovHC0_oim = bread %*% crossprod(sc) %*% bread)
}

## full observed information of the NB2 log-likelihood in (beta, theta), incl.
## the beta-theta cross terms (R's glm.nb vcov ignores them: it is the IRLS
## covariance of beta at fixed theta, and SE.theta is for theta at fixed mu)
nb_full_oim <- function(fit) {
  X <- model.matrix(fit); y <- fit$y; w <- fit$prior.weights
  mu <- fit$fitted.values; th <- fit$theta
  h_ee <- -w * th * mu * (y + th) / (th + mu)^2
  h_et <- w * (y - mu) * mu / (th + mu)^2
  h_tt <- sum(w * (trigamma(y + th) - trigamma(th) + 1 / th - 2 / (th + mu) +
                   (y + th) / (th + mu)^2))
  H <- rbind(cbind(crossprod(X * h_ee, X), colSums(X * h_et)),
             c(colSums(X * h_et), h_tt))
  V <- solve(-H)
  J <- diag(c(rep(1, ncol(X)), -1 / th^2))          # d(beta, alpha)/d(beta, theta)
  list(theta = V, alpha = J %*% V %*% t(J))
}

## exact profile-likelihood CI by root finding:
## sign(b - bhat) * sqrt((dev_j(b) - dev) / dispersion) = qnorm(1 - alpha/2)
profile_exact <- function(fit, level = 0.95) {
  X <- model.matrix(fit); y <- fit$y; w <- fit$prior.weights
  off <- if (is.null(fit$offset)) rep(0, length(y)) else fit$offset
  fam <- family(fit); disp <- summary(fit)$dispersion
  dev0 <- deviance(fit); b0 <- coef(fit); eta0 <- fit$linear.predictors
  se <- sqrt(diag(vcov(fit))); q <- qnorm(1 - (1 - level) / 2)
  ctl <- glm.control(epsilon = 1e-15, maxit = 200)
  t(sapply(seq_along(b0), function(j) {
    Xj <- X[, -j, drop = FALSE]
    f <- function(b, sgn) {
      g <- suppressWarnings(glm.fit(Xj, y, weights = w, offset = off + b * X[, j],
                                    family = fam, control = ctl,
                                    etastart = eta0))
      if (!g$converged) stop("profile fit did not converge")
      z <- sqrt(max(g$deviance - dev0, 0) / disp)
      z - q
    }
    sapply(c(-1, 1), function(sgn) {
      k <- 1
      while (f(b0[j] + sgn * k * se[j], sgn) < 0 && k < 1e4) k <- k * 2
      lo <- b0[j] + sgn * (k / 2) * se[j]; if (k == 1) lo <- b0[j]
      hi <- b0[j] + sgn * k * se[j]
      uniroot(f, sort(c(lo, hi)), sgn = sgn, tol = 1e-13 * (1 + abs(b0[j])),
              maxiter = 500)$root
    })
  }))
}

full_vec <- function(tab, col, nm) {      # coefficient-table column padded with NA
  v <- setNames(rep(NA_real_, length(nm)), nm)
  v[rownames(tab)] <- tab[, col]
  v
}

resid_rows <- function(fit, rows, lm = FALSE) {
  i <- rows + 1L
  out <- list(rows = arr(rows),
              fitted = arr(fitted(fit)[i]),
              resid_response = arr(residuals(fit, type = "response")[i]),
              resid_pearson = arr(residuals(fit, type = "pearson")[i]),
              resid_deviance = arr(residuals(fit, type = "deviance")[i]),
              hat = arr(hatvalues(fit)[i]),
              cooks_distance = arr(cooks.distance(fit)[i]))
  if (!lm) out$resid_working <- arr(residuals(fit, type = "working")[i])
  if (lm) {
    out$rstandard <- arr(rstandard(fit)[i])
    out$rstudent <- arr(rstudent(fit)[i])
  }
  out
}

robust_fields <- function(fit, cluster) {
  out <- list()
  for (t in c("HC0", "HC1", "HC2", "HC3"))
    out[[paste0("vcov", t)]] <- mat(vcovHC(fit, type = t))
  if (!is.null(cluster)) {
    cf <- as.formula(paste0("~", cluster))
    out$cluster <- cluster
    out$vcovCL <- mat(vcovCL(fit, cluster = cf, type = "HC1"))
    out$vcovCL_HC0 <- mat(vcovCL(fit, cluster = cf, type = "HC0"))
  }
  out
}

lr_test <- function(full, red, full_formula, red_formula, red_call) {
  l1 <- logLik(full); l0 <- logLik(red)
  st <- 2 * (as.numeric(l1) - as.numeric(l0))
  df <- attr(l1, "df") - attr(l0, "df")
  list(full_formula = full_formula, reduced_formula = red_formula,
       reduced_r_call = red_call,
       statistic = st, df = df, pvalue = pchisq(st, df, lower.tail = FALSE))
}

## ---------------------------------------------------------------------------
## case builders
## ---------------------------------------------------------------------------
glm_case <- function(id, data, r_call, formula, weights = NULL, offset = NULL,
                     offset_transform = NULL, cluster = NULL, profile = FALSE,
                     robust = TRUE, anova = NULL, note = NULL) {
  message(id)
  fit0 <- evalc(r_call)
  rt <- refit_tight(fit0); fit <- rt$fit
  s <- summary(fit); tab <- coef(s); nm <- names(coef(fit))
  fam <- family(fit)
  D <- get(sub("\\.csv$", "", data), envir = E)
  rows <- pick_rows(nrow(D)); nd <- D[rows + 1L, , drop = FALSE]
  pl <- predict(fit, nd, type = "link", se.fit = TRUE)
  pr <- predict(fit, nd, type = "response", se.fit = TRUE)
  ll <- logLik(fit)
  case <- list(
    id = id, data = data, r_call = r_call,
    r_refit = sprintf("repeat update(fit, start = coef(fit), control = glm.control(epsilon = %s, maxit = 100)) until coefficients stop changing (%d rounds)",
                      if (anyNA(coef(fit))) "1e-8" else "1e-15", rt$rounds),
    formula = formula, model = "glm", family = fam$family, link = fam$link,
    weights = weights, offset = offset, offset_transform = offset_transform,
    note = note,
    converged = fit$converged, iter = fit$iter,
    newton_step_over_se = newton_check(fit),
    refit_last_change_over_se = rt$last_change,
    coef_names = arr(nm),
    params = arr(coef(fit)),
    bse = arr(full_vec(tab, 2, nm)),
    zvalues = arr(full_vec(tab, 3, nm)),
    pvalues = arr(full_vec(tab, 4, nm)),
    test_dist = if (grepl("z", colnames(tab)[4])) "normal" else "t",
    aliased = arr(nm[is.na(coef(fit))]),
    confint_wald = mat(confint.default(fit)),
    llf = as.numeric(ll), llf_df = attr(ll, "df"),
    aic = AIC(fit), bic = BIC(fit),
    deviance = deviance(fit), null_deviance = fit$null.deviance,
    pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
    df_resid = fit$df.residual, df_null = fit$df.null,
    dispersion = s$dispersion, nobs = nobs(fit), rank = fit$rank,
    vcov = mat(vcov(fit)),
    vcov_unscaled = mat(s$cov.unscaled)
  )
  if (profile) {
    case$confint_profile <- mat(suppressMessages(confint(fit)))
    case$confint_profile_exact <- mat(profile_exact(fit))
  }
  if (robust) case <- c(case, robust_fields(fit, cluster))
  if (!anyNA(coef(fit))) {
    canon <- c(binomial = "logit", poisson = "log", Gamma = "inverse",
               inverse.gaussian = "1/mu^2", gaussian = "identity")
    if (!identical(unname(canon[fam$family]), fam$link)) {
      oim <- glm_oim(fit)
      case$vcov_oim <- mat(oim$vcov_oim)
      case$bse_oim <- arr(sqrt(diag(oim$vcov_oim)))
      if (robust) case$vcovHC0_oim <- mat(oim$vcovHC0_oim)
    }
  }
  case$predict_newdata_rows <- arr(rows)
  case$predict_link <- list(fit = arr(pl$fit), se_fit = arr(pl$se.fit),
                            residual_scale = pl$residual.scale)
  case$predict_response <- list(fit = arr(pr$fit), se_fit = arr(pr$se.fit))
  case$residuals <- resid_rows(fit, rows)
  if (!is.null(anova)) {
    red <- refit_tight(evalc(anova$r_call))$fit
    a <- lr_test(fit, red, formula, anova$formula, anova$r_call)
    test <- if (fam$family %in% c("binomial", "poisson")) "Chisq" else "F"
    an <- anova(red, fit, test = test)
    a$r_anova <- list(test = test, deviance_diff = an$Deviance[2], df = an$Df[2],
                      statistic = if (test == "F") an$F[2] else an$Deviance[2],
                      pvalue = an[2, ncol(an)])
    case$anova <- a
  }
  case[!vapply(case, is.null, TRUE)]
}

nb_case <- function(id, data, r_call, formula, offset = NULL, offset_transform = NULL,
                    cluster = NULL, anova = NULL, note = NULL) {
  message(id)
  fit0 <- evalc(r_call)
  cl <- fit0$call
  cl$control <- quote(glm.control(epsilon = 1e-14, maxit = 100))
  prev <- fit0
  for (r in 1:200) {
    cl$start <- unname(coef(prev)); cl$init.theta <- prev$theta
    fit <- suppressWarnings(eval(cl, E))
    d <- coef_change(fit, prev) + abs(fit$theta - prev$theta) / fit$SE.theta
    prev <- fit
    if (r > 1 && d < 1e-11) break
  }
  if (d > 1e-9) warning(id, ": glm.nb did not settle ", d)
  ## independent check of theta: alternate exact theta.ml / tight glm fits
  y <- fit$y; w <- fit$prior.weights; X <- model.matrix(fit)
  off <- if (is.null(fit$offset)) rep(0, length(y)) else fit$offset
  th <- fit$theta; b <- coef(fit)
  for (k in 1:100) {
    g <- suppressWarnings(glm.fit(X, y, w, start = b, offset = off,
                                  family = negative.binomial(th),
                                  control = glm.control(epsilon = 1e-15, maxit = 100)))
    th_new <- suppressWarnings(as.vector(theta.ml(y, g$fitted.values, sum(w), w,
                                                  limit = 100, eps = 1e-13)))
    b <- g$coefficients
    if (abs(th_new - th) <= 1e-15 * th) { th <- th_new; break }
    th <- th_new
  }
  theta_reldiff <- abs(th - fit$theta) / th
  coef_maxdiff_over_se <- max(abs(b - coef(fit)) / sqrt(diag(vcov(fit))))
  if (theta_reldiff > 1e-9 || coef_maxdiff_over_se > 1e-8)
    warning(id, ": glm.nb theta not converged tightly: ", theta_reldiff)
  s <- summary(fit); tab <- coef(s); nm <- names(coef(fit))
  D <- get(sub("\\.csv$", "", data), envir = E)
  rows <- pick_rows(nrow(D)); nd <- D[rows + 1L, , drop = FALSE]
  pl <- predict(fit, nd, type = "link", se.fit = TRUE)
  pr <- predict(fit, nd, type = "response", se.fit = TRUE)
  ll <- logLik(fit)
  case <- list(
    id = id, data = data, r_call = r_call,
    r_refit = sprintf("repeat update(fit, start = coef(fit), init.theta = fit$theta, control = glm.control(epsilon = 1e-14, maxit = 100)) until coefficients and theta stop changing (%d rounds)", r),
    formula = formula, model = "glm.nb", family = "negative.binomial", link = "log",
    weights = NULL, offset = offset, offset_transform = offset_transform, note = note,
    converged = fit$converged, iter = fit$iter,
    theta_check_reldiff = theta_reldiff, coef_check_maxdiff_over_se = coef_maxdiff_over_se,
    coef_names = arr(nm),
    params = arr(coef(fit)), bse = arr(tab[, 2]), zvalues = arr(tab[, 3]),
    pvalues = arr(tab[, 4]), test_dist = "normal",
    theta = fit$theta, theta_se = fit$SE.theta, twologlik = fit$twologlik,
    alpha = 1 / fit$theta, alpha_se = fit$SE.theta / fit$theta^2,
    confint_wald = mat(confint.default(fit)),
    llf = as.numeric(ll), llf_df = attr(ll, "df"), aic = AIC(fit), bic = BIC(fit),
    deviance = deviance(fit), null_deviance = fit$null.deviance,
    pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
    df_resid = fit$df.residual, df_null = fit$df.null,
    dispersion = s$dispersion, nobs = nobs(fit), rank = fit$rank,
    vcov = mat(vcov(fit)))
  fo <- nb_full_oim(fit)
  case$vcov_full_oim_theta <- mat(fo$theta)
  case$vcov_full_oim_alpha <- mat(fo$alpha)
  case$bse_full_oim_alpha <- arr(sqrt(diag(fo$alpha)))
  case <- c(case, robust_fields(fit, cluster))
  case$predict_newdata_rows <- arr(rows)
  case$predict_link <- list(fit = arr(pl$fit), se_fit = arr(pl$se.fit))
  case$predict_response <- list(fit = arr(pr$fit), se_fit = arr(pr$se.fit))
  case$residuals <- resid_rows(fit, rows)
  if (!is.null(anova)) {
    red <- evalc(anova$r_call); cl0 <- red$call
    cl0$control <- quote(glm.control(epsilon = 1e-14, maxit = 100))
    for (r in 1:200) {
      cl0$start <- unname(coef(red)); cl0$init.theta <- red$theta
      r1 <- suppressWarnings(eval(cl0, E))
      d <- coef_change(r1, red) + abs(r1$theta - red$theta) / r1$SE.theta
      red <- r1
      if (r > 1 && d < 1e-11) break
    }
    if (d > 1e-9) warning(id, ": reduced glm.nb did not settle ", d)
    a <- lr_test(fit, red, formula, anova$formula, anova$r_call)
    an <- anova(red, fit)
    a$r_anova <- list(test = "LR (anova.negbin)", statistic = an[2, "LR stat."],
                      df = an[2, "   df"], pvalue = an[2, "Pr(Chi)"])
    case$anova <- a
  }
  case[!vapply(case, is.null, TRUE)]
}

lm_case <- function(id, data, r_call, formula, weights = NULL, cluster = NULL,
                    anova = NULL, note = NULL) {
  message(id)
  fit <- evalc(r_call)
  s <- summary(fit); tab <- coef(s); nm <- names(coef(fit))
  D <- get(sub("\\.csv$", "", data), envir = E)
  rows <- pick_rows(nrow(D)); nd <- D[rows + 1L, , drop = FALSE]
  pw <- if (is.null(weights)) NULL else rep(1, nrow(nd))
  pc <- predict(fit, nd, se.fit = TRUE, interval = "confidence")
  pp <- if (is.null(pw)) predict(fit, nd, se.fit = TRUE, interval = "prediction")
        else predict(fit, nd, se.fit = TRUE, interval = "prediction", weights = pw)
  ll <- logLik(fit)
  w <- if (is.null(weights(fit))) rep(1, nobs(fit)) else weights(fit)
  yy <- model.response(model.frame(fit))
  tss <- sum(w * (yy - sum(w * yy) / sum(w))^2)
  fs <- s$fstatistic
  rd <- any(is.na(coef(fit)))
  case <- list(
    id = id, data = data, r_call = r_call, formula = formula, model = "ols",
    family = "gaussian", link = "identity", weights = weights, offset = NULL, note = note,
    coef_names = arr(nm), params = arr(coef(fit)),
    bse = arr(full_vec(tab, 2, nm)), tvalues = arr(full_vec(tab, 3, nm)),
    zvalues = arr(full_vec(tab, 3, nm)), pvalues = arr(full_vec(tab, 4, nm)),
    test_dist = "t",
    aliased = arr(nm[is.na(coef(fit))]),
    confint_wald = mat(confint.default(fit)), confint_t = mat(confint(fit)),
    llf = as.numeric(ll), llf_df = attr(ll, "df"), aic = AIC(fit), bic = BIC(fit),
    deviance = deviance(fit), null_deviance = tss,
    df_resid = fit$df.residual, df_null = nobs(fit) - 1,
    dispersion = s$sigma^2, nobs = nobs(fit), rank = fit$rank,
    lm_sigma = s$sigma, rsquared = s$r.squared, adj_rsquared = s$adj.r.squared,
    fvalue = unname(fs["value"]), f_df = arr(fs[c("numdf", "dendf")]),
    f_pvalue = unname(pf(fs["value"], fs["numdf"], fs["dendf"], lower.tail = FALSE)),
    vcov = mat(vcov(fit)))
  if (!rd) case <- c(case, robust_fields(fit, cluster))
  case$predict_newdata_rows <- arr(rows)
  case$predict <- list(fit = arr(pc$fit[, "fit"]), se_fit = arr(pc$se.fit),
                       df = pc$df, residual_scale = pc$residual.scale,
                       conf_lower = arr(pc$fit[, "lwr"]), conf_upper = arr(pc$fit[, "upr"]),
                       pred_lower = arr(pp$fit[, "lwr"]), pred_upper = arr(pp$fit[, "upr"]),
                       pred_weights = if (is.null(pw)) NULL else arr(pw),
                       level = 0.95)
  case$predict <- case$predict[!vapply(case$predict, is.null, TRUE)]
  if (!rd) case$residuals <- resid_rows(fit, rows, lm = TRUE)
  if (!is.null(anova)) {
    red <- evalc(anova$r_call)
    a <- lr_test(fit, red, formula, anova$formula, anova$r_call)
    an <- anova(red, fit)
    a$r_anova <- list(test = "F", statistic = an$F[2], df = arr(c(an$Df[2], an$Res.Df[2])),
                      pvalue = an[2, "Pr(>F)"], ssr_diff = an[2, "Sum of Sq"])
    case$anova <- a
  }
  case[!vapply(case, is.null, TRUE)]
}

## Konis (2007) linear program for detecting separation in a binary-response GLM
## (the "primal" LP of the detectseparation package; |beta_j| <= 1 box):
##   max 1'(S X) b  s.t.  S X b >= 0,  -1 <= b <= 1,  S = diag(2y - 1).
## Components of the solution that are non-zero go to +/-Inf in the MLE.
detect_separation_lp <- function(X, y, tol = 1e-3) {
  Xs <- (2 * y - 1) * X
  p <- ncol(X)
  A <- cbind(Xs, -Xs)                          # b = bp - bm, bp, bm in [0, 1]
  obj <- colSums(A)
  cons <- rbind(A, diag(2 * p))
  dir <- c(rep(">=", nrow(A)), rep("<=", 2 * p))
  rhs <- c(rep(0, nrow(A)), rep(1, 2 * p))
  sol <- lp("max", obj, cons, dir, rhs)
  b <- sol$solution[1:p] - sol$solution[(p + 1):(2 * p)]
  inf <- ifelse(abs(b) < tol, 0, sign(b) * Inf)
  list(separation = any(inf != 0), beta = arr(setNames(inf, colnames(X))),
       lp_solution = arr(b), lp_objective = sol$objval)
}

firth_case <- function(id, data, r_call, formula, note = NULL, detect = TRUE) {
  message(id)
  fit <- evalc(r_call)
  s <- summary(fit); tab <- coef(s); nm <- names(coef(fit))
  X <- model.matrix(fit); y <- fit$y; w <- fit$prior.weights
  mu <- fitted(fit)
  llf_ml <- sum(w * (y * log(mu) + (1 - y) * log(1 - mu)))
  info <- crossprod(X * sqrt(w * mu * (1 - mu)))
  case <- list(
    id = id, data = data, r_call = r_call, formula = formula, model = "firth",
    family = "binomial", link = family(fit)$link, weights = NULL, offset = NULL,
    note = note, brglm2_type = fit$type, converged = fit$converged, iter = fit$iter,
    coef_names = arr(nm), params = arr(coef(fit)), bse = arr(tab[, 2]),
    zvalues = arr(tab[, 3]), pvalues = arr(tab[, 4]), test_dist = "normal",
    confint_wald = mat(confint.default(fit)),
    llf = llf_ml,
    penalized_llf = llf_ml + 0.5 * as.numeric(determinant(info, logarithm = TRUE)$modulus),
    deviance = deviance(fit), nobs = nobs(fit), df_resid = fit$df.residual,
    vcov = mat(vcov(fit)), fitted_values = arr(mu))
  if (detect) {
    case$detect_separation <- detect_separation_lp(X, y)
    ml <- suppressWarnings(glm(fit$formula, family = binomial(family(fit)$link),
                               data = get(sub("\\.csv$", "", data), envir = E),
                               control = glm.control(epsilon = 1e-16, maxit = 200)))
    case$ml_fit_diverging <- list(
      note = "plain glm ML fit with maxit=200; coefficients with |estimate/se| tiny and |estimate| huge diverge",
      params = arr(coef(ml)), bse = arr(sqrt(diag(vcov(ml)))), converged = ml$converged,
      deviance = deviance(ml))
  }
  case[!vapply(case, is.null, TRUE)]
}

write_ref <- function(name, cases, extra = list()) {
  obj <- c(list(dataset = name, r_version = R.version.string), extra,
           list(cases = unname(cases)))
  writeLines(toJSON(obj), file.path(REF, paste0(name, ".json")))
}
factor_info <- function(lv) lapply(lv, arr)

## ---------------------------------------------------------------------------
## cases
## ---------------------------------------------------------------------------
long_f <- "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"
write_ref("longley", list(
  lm_case("longley_ols", "longley.csv",
          sprintf("lm(%s, data = longley)", long_f), long_f,
          anova = list(r_call = "lm(TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP, data = longley)",
                       formula = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP")),
  lm_case("longley_wls", "longley.csv",
          sprintf("lm(%s, data = longley, weights = w)", long_f), long_f, weights = "w",
          note = "w = 1/row number (1-based). Prediction intervals computed with pred weights = 1 for the new rows. R's logLik for weighted lm includes +0.5*sum(log(w))."),
  glm_case("longley_glm_gaussian", "longley.csv",
           sprintf("glm(%s, family = gaussian, data = longley)", long_f), long_f,
           note = "same model as longley_ols via glm (likelihood-based AIC with scale counted)")
))

sp_f <- "GRADE ~ GPA + TUCE + PSI"
write_ref("spector", list(
  glm_case("spector_logit", "spector.csv",
           sprintf("glm(%s, family = binomial(link = \"logit\"), data = spector)", sp_f), sp_f,
           cluster = "TUCE", profile = TRUE,
           anova = list(r_call = "glm(GRADE ~ GPA + TUCE, family = binomial(link = \"logit\"), data = spector)",
                        formula = "GRADE ~ GPA + TUCE")),
  glm_case("spector_probit", "spector.csv",
           sprintf("glm(%s, family = binomial(link = \"probit\"), data = spector)", sp_f), sp_f,
           cluster = "TUCE", profile = TRUE),
  glm_case("spector_cloglog", "spector.csv",
           sprintf("glm(%s, family = binomial(link = \"cloglog\"), data = spector)", sp_f), sp_f,
           cluster = "TUCE"),
  firth_case("spector_firth_logit", "spector.csv",
             sprintf("glm(%s, family = binomial(link = \"logit\"), data = spector, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-14, maxit = 500)", sp_f),
             sp_f, detect = FALSE)
))

cp_f_r <- "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + log(VC100k96) + SOUTH + DEGREE"
cp_f_p <- "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE"
write_ref("cpunish", list(
  glm_case("cpunish_poisson", "cpunish.csv",
           sprintf("glm(%s, family = poisson, data = cpunish)", cp_f_r), cp_f_p,
           cluster = "SOUTH", profile = TRUE,
           note = "vcovCL with only 2 clusters (SOUTH) -- numerically fine but statistically silly",
           anova = list(r_call = "glm(EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + log(VC100k96) + SOUTH, family = poisson, data = cpunish)",
                        formula = "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH"))
))

rh_f <- "mdvis ~ lncoins + idp + lpi + fmde + physlm + disea + hlthg + hlthf + hlthp"
write_ref("randhie", list(
  glm_case("randhie_poisson", "randhie.csv",
           sprintf("glm(%s, family = poisson, data = randhie)", rh_f), rh_f),
  nb_case("randhie_nb", "randhie.csv", sprintf("glm.nb(%s, data = randhie)", rh_f), rh_f)
))

st_rhs <- "LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT + PCTYRRND + PERMINTE + AVYRSEXP + AVSALK + PERSPENK + PTRATIO + PCTAF"
write_ref("star98", list(
  glm_case("star98_binomial", "star98.csv",
           sprintf("glm(cbind(NABOVE, NBELOW) ~ %s, family = binomial, data = star98)", st_rhs),
           paste("NABOVE + NBELOW ~", st_rhs), profile = TRUE,
           note = "two-column response: successes NABOVE, failures NBELOW; nobs = number of rows; llf includes log choose(n, y)")
))

sc_f <- "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP"
write_ref("scotland", list(
  glm_case("scotland_gamma_inverse", "scotland.csv",
           sprintf("glm(%s, family = Gamma(link = \"inverse\"), data = scotland)", sc_f), sc_f,
           cluster = "grp", profile = TRUE,
           note = "grp is an artificial cluster id (8 blocks of 4 consecutive rows)",
           anova = list(r_call = "glm(YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + COUTAX_FEMALEUNEMP, family = Gamma(link = \"inverse\"), data = scotland)",
                        formula = "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + COUTAX_FEMALEUNEMP")),
  glm_case("scotland_gamma_log", "scotland.csv",
           sprintf("glm(%s, family = Gamma(link = \"log\"), data = scotland)", sc_f), sc_f,
           cluster = "grp")
))

qu_rhs_r <- "Eth + Sex + Age + Lrn"
qu_rhs_p <- "C(Eth) + C(Sex) + C(Age) + C(Lrn)"
write_ref("quine", list(
  nb_case("quine_nb", "quine.csv", sprintf("glm.nb(Days ~ %s, data = quine)", qu_rhs_r),
          paste("Days ~", qu_rhs_p), cluster = "Age",
          anova = list(r_call = "glm.nb(Days ~ Eth + Age + Lrn, data = quine)",
                       formula = "Days ~ C(Eth) + C(Age) + C(Lrn)")),
  glm_case("quine_poisson", "quine.csv",
           sprintf("glm(Days ~ %s, family = poisson, data = quine)", qu_rhs_r),
           paste("Days ~", qu_rhs_p), cluster = "Age", profile = TRUE,
           anova = list(r_call = "glm(Days ~ Eth + Age + Lrn, family = poisson, data = quine)",
                        formula = "Days ~ C(Eth) + C(Age) + C(Lrn)"))
), list(factor_levels = factor_info(LV$quine)))

ins_rhs_p <- paste("C(District) +", pC("Group", LV$Insurance$Group), "+", pC("Age", LV$Insurance$Age))
write_ref("Insurance", list(
  glm_case("insurance_poisson_offset", "Insurance.csv",
           "glm(Claims ~ District + Group + Age + offset(log(Holders)), family = poisson, data = Insurance)",
           paste("Claims ~", ins_rhs_p), offset = "Holders", offset_transform = "log",
           cluster = "District", profile = TRUE,
           note = "Group and Age are ordered factors in MASS; here unordered with treatment contrasts (first level = reference). Offset = log(Holders).",
           anova = list(r_call = "glm(Claims ~ Group + Age + offset(log(Holders)), family = poisson, data = Insurance)",
                        formula = paste("Claims ~", pC("Group", LV$Insurance$Group), "+", pC("Age", LV$Insurance$Age))))
), list(factor_levels = factor_info(LV$Insurance)))

wb_p <- paste("breaks ~", pC("wool", LV$warpbreaks$wool), "+", pC("tension", LV$warpbreaks$tension))
write_ref("warpbreaks", list(
  glm_case("warpbreaks_poisson", "warpbreaks.csv",
           "glm(breaks ~ wool + tension, family = poisson, data = warpbreaks)", wb_p,
           cluster = "tension", profile = TRUE,
           anova = list(r_call = "glm(breaks ~ tension, family = poisson, data = warpbreaks)",
                        formula = paste("breaks ~", pC("tension", LV$warpbreaks$tension)))),
  nb_case("warpbreaks_nb", "warpbreaks.csv", "glm.nb(breaks ~ wool + tension, data = warpbreaks)",
          wb_p, cluster = "tension",
          anova = list(r_call = "glm.nb(breaks ~ tension, data = warpbreaks)",
                       formula = paste("breaks ~", pC("tension", LV$warpbreaks$tension))))
), list(factor_levels = factor_info(LV$warpbreaks)))

es_p <- paste("ncases + ncontrols ~", pC("agegp", LV$esoph$agegp), "+",
              pC("alcgp", LV$esoph$alcgp), "+", pC("tobgp", LV$esoph$tobgp))
write_ref("esoph", list(
  glm_case("esoph_binomial", "esoph.csv",
           "glm(cbind(ncases, ncontrols) ~ agegp + alcgp + tobgp, family = binomial, data = esoph)",
           es_p, cluster = "agegp", profile = TRUE,
           note = "agegp/alcgp/tobgp are ordered factors in R's esoph; here unordered with treatment contrasts. Response: successes ncases, failures ncontrols.",
           anova = list(r_call = "glm(cbind(ncases, ncontrols) ~ agegp + alcgp, family = binomial, data = esoph)",
                        formula = paste("ncases + ncontrols ~", pC("agegp", LV$esoph$agegp), "+",
                                        pC("alcgp", LV$esoph$alcgp))))
), list(factor_levels = factor_info(LV$esoph)))

mt_f <- "mpg ~ wt + hp"
write_ref("mtcars", list(
  lm_case("mtcars_ols", "mtcars.csv", "lm(mpg ~ wt + hp, data = mtcars)", mt_f, cluster = "cyl"),
  glm_case("mtcars_invgauss", "mtcars.csv",
           "glm(mpg ~ wt + hp, family = inverse.gaussian, data = mtcars)", mt_f, cluster = "cyl",
           profile = TRUE),
  glm_case("mtcars_gaussian_log", "mtcars.csv",
           "glm(mpg ~ wt + hp, family = gaussian(link = \"log\"), data = mtcars)", mt_f, cluster = "cyl"),
  glm_case("mtcars_gamma_log", "mtcars.csv",
           "glm(mpg ~ wt + hp, family = Gamma(link = \"log\"), data = mtcars)", mt_f, cluster = "cyl"),
  glm_case("mtcars_gamma_log_weighted", "mtcars.csv",
           "glm(mpg ~ wt + hp, family = Gamma(link = \"log\"), data = mtcars, weights = carb)", mt_f,
           weights = "carb", cluster = "cyl",
           note = "prior weights (statsmodels: var_weights), not frequency weights"),
  glm_case("mtcars_invgauss_weighted", "mtcars.csv",
           "glm(mpg ~ wt + hp, family = inverse.gaussian, data = mtcars, weights = carb)", mt_f,
           weights = "carb", cluster = "cyl",
           note = "prior weights (statsmodels: var_weights), not frequency weights"),
  glm_case("mtcars_poisson_weighted", "mtcars.csv",
           "glm(carb ~ wt + hp, family = poisson, data = mtcars, weights = gear)", "carb ~ wt + hp",
           weights = "gear", cluster = "cyl",
           note = "prior weights on a Poisson model (for integer weights identical to frequency weights for params/bse, but R's nobs/df count rows)")
))

write_ref("separation", list(
  firth_case("separated_firth", "separated.csv",
             "glm(y ~ x, family = binomial(link = \"logit\"), data = separated, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-14, maxit = 500)",
             "y ~ x", note = "complete separation: y = 1 iff x > 5"),
  firth_case("quasisep_firth", "quasisep.csv",
             "glm(y ~ x + z, family = binomial(link = \"logit\"), data = quasisep, method = \"brglmFit\", type = \"AS_mean\", epsilon = 1e-14, maxit = 500)",
             "y ~ x + z", note = "quasi-complete separation in x (both outcomes at x = 5)")
), list(note = paste("Firth (Jeffreys-prior penalized) logistic regression via brglm2::brglmFit(type='AS_mean') -- for the logit link this equals Firth's method.",
                     "detect_separation: brglm2 >= 0.8 no longer has detect_separation and the detectseparation package is not installed;",
                     "an equivalent Konis (2007) primal LP (lpSolve) is used instead. penalized_llf = llf + 0.5*log det(X'WX).")))

write_ref("rankdef", list(
  lm_case("rankdef_ols", "rankdef.csv", "lm(yc ~ x1 + x2 + x3, data = rankdef)", "yc ~ x1 + x2 + x3",
          note = "x3 = x1 + x2 exactly; R drops the later aliased column (x3 -> NA). vcov has NA rows/cols for aliased coefficients."),
  glm_case("rankdef_poisson", "rankdef.csv", "glm(y ~ x1 + x2 + x3, family = poisson, data = rankdef)",
           "y ~ x1 + x2 + x3", robust = FALSE,
           note = "x3 = x1 + x2 exactly; R reports x3 as NA (aliased). Refit keeps epsilon = 1e-8 because glm.fit's QR tolerance is min(1e-7, epsilon/1000): with epsilon = 1e-15 R no longer detects the collinearity and diverges.")
))

message("done")
