#!/usr/bin/env Rscript
## Reference values for the analysis-of-deviance tables of ONE fit:
##   type I (sequential):  anova(fit) for lm, anova(fit, test = "Chisq") for glm
##                         (and test = "F" for the Gamma fit, whose dispersion is
##                         estimated);
##   type II:              car::Anova(fit, type = 2): F tests for lm, likelihood-ratio
##                         chi-square (car's default test.statistic = "LR") for glm
##                         (and test.statistic = "F" for the Gamma fit).
##
##   Rscript tools/r/anova_single_reference.R      (run from the repository root)
##
## Reads tests/data/{mtcars,spector,warpbreaks}.csv (written by
## tools/r/make_reference.R) and writes tests/reference/anova_single.json.
## Needs base R (stats) and car (>= 3.0).
##
## JSON layout: top level {"about", "r_version", "car_version", "script",
## "definitions", "cases": [...]}.  Each case has the fit (id, data, r_call,
## r_formula, formula = patsy formula, family, link, ...) and "tables", an object
## with one entry per table ("type1", "type1_F", "type2", "type2_F"); each table
## has the R call, "rows" (R's row names), "rows_patsy" (the same rows named as
## patsy names the terms; "NULL" and "Residuals" kept), "column_names" (R's
## order) and "columns" (name -> array, one value per row).  Numbers with %.17g;
## NA/NaN as null.
##
## glm fits are polished: fitted with glm.control(epsilon = 1e-14, maxit = 100)
## and refitted from start = coef(previous fit) until the largest relative
## coefficient change is below 1e-12 (see each case's "notes").  The control is
## part of the fit's call, so the sub-models that anova.glm and car::Anova refit
## themselves (glm.fit with control = fit$control) use the same tight tolerance.
## As a check, every sub-model is also fitted explicitly (and polished) with
## glm(); "check" gives the largest relative difference of the deviances.

options(warn = 1, stringsAsFactors = FALSE)
suppressPackageStartupMessages(library(car))
OUT <- file.path("tests", "reference", "anova_single.json")

source(file.path("tools", "r", "json.R"))    # jnum, jstr, toJSON, arr, mat
source(file.path("tools", "r", "common.R"))  # data (E, LV), pC, polish_glm

## warnings (e.g. "algorithm did not converge") are collected, not lost
WARN <- character(0)
keep_warnings <- function(expr) withCallingHandlers(expr, warning = function(w) {
  WARN <<- c(WARN, conditionMessage(w)); invokeRestart("muffleWarning")
})

## glm fits polished (common.R), their warnings collected
polish_glm_kept <- function(cl) polish_glm(cl, function(cl) keep_warnings(eval(cl, E)))

## deviance of a polished glm with the same family/data as `cl` and right-hand side
## `labels` (term labels; none = intercept only)
sub_deviance <- function(cl, response, labels) {
  cl$formula <- if (length(labels)) reformulate(labels, response)
                else as.formula(paste(response, "~ 1"))
  fit <- polish_glm_kept(cl)$fit
  c(deviance = deviance(fit), df = df.residual(fit))
}
## lm: residual sum of squares of an explicit sub-model
sub_rss <- function(cl, response, labels) {
  cl$formula <- if (length(labels)) reformulate(labels, response)
                else as.formula(paste(response, "~ 1"))
  fit <- eval(cl, E)
  c(deviance = deviance(fit), df = df.residual(fit))
}

maxrel <- function(a, b) {
  stopifnot(length(a) == length(b))
  ok <- !is.na(a) & !is.na(b)
  max(abs(a[ok] - b[ok]) / pmax(abs(b[ok]), .Machine$double.xmin))
}

## table -> JSON object
table_json <- function(tab, call, rows_patsy) {
  tab <- as.data.frame(tab)
  stopifnot(length(rows_patsy) == nrow(tab))
  list(call = call,
       rows = arr(rownames(tab)),
       rows_patsy = arr(rows_patsy),
       column_names = arr(names(tab)),
       columns = setNames(lapply(names(tab), function(n) arr(tab[[n]])), names(tab)))
}

## term j is a relative (higher-order term containing term i) as car defines it:
## every variable of term i is in term j, j != i
relatives_of <- function(i, fac) {
  which(vapply(seq_len(ncol(fac)), function(j)
    j != i && all(fac[fac[, i] > 0, j] > 0), TRUE))
}

## ---------------------------------------------------------------------------
## one case
## ---------------------------------------------------------------------------
## term_map: R term label -> patsy term name (patsy's Term.name())
## patsy_order: patsy's order of the terms (R labels), i.e. the order of the
## design columns patsy builds from `patsy` (patsy puts terms without numeric
## factors first)
make_case <- function(id, data, r_call, patsy, term_map, patsy_order,
                      factor_levels = NULL, note = NULL) {
  cl <- str2lang(r_call)
  is_glm <- identical(cl[[1]], as.name("glm"))
  pol <- NULL
  if (is_glm) {
    pol <- polish_glm_kept(cl)
    fit <- pol$fit
    stopifnot(is.null(fit$start),     # anova.glm passes object$start to its refits
              isTRUE(all.equal(fit$control, eval(str2lang(GLM_CONTROL)))))
  } else {
    fit <- eval(cl, E)
  }
  stopifnot(fit$rank == length(coef(fit)), !anyNA(coef(fit)))
  fam <- if (is_glm) family(fit) else gaussian()
  tl <- attr(terms(fit), "term.labels")
  fac <- attr(terms(fit), "factors")
  stopifnot(setequal(names(term_map), tl), setequal(patsy_order, tl))
  response <- deparse(formula(fit)[[2]])
  cl <- match.call(if (is_glm) glm else lm, cl)   # formula named, for the sub-models
  sub <- if (is_glm) sub_deviance else sub_rss
  pmap <- function(r) ifelse(r %in% names(term_map), unlist(term_map)[r], r)

  tables <- list()
  check <- list()
  if (is_glm) {
    a1 <- keep_warnings(anova(fit, test = "Chisq"))
    tables$type1 <- table_json(a1, "anova(fit, test = \"Chisq\")", pmap(rownames(a1)))
    if (!fam$family %in% c("binomial", "poisson")) {
      a1F <- keep_warnings(anova(fit, test = "F"))
      stopifnot(identical(a1F[, 1:4], a1[, 1:4]))
      tables$type1_F <- table_json(a1F, "anova(fit, test = \"F\")", pmap(rownames(a1F)))
    }
    a2 <- keep_warnings(Anova(fit, type = 2))
    tables$type2 <- table_json(a2, "car::Anova(fit, type = 2)", pmap(rownames(a2)))
    if (!fam$family %in% c("binomial", "poisson")) {
      a2F <- keep_warnings(Anova(fit, type = 2, test.statistic = "F"))
      tables$type2_F <- table_json(a2F, "car::Anova(fit, type = 2, test.statistic = \"F\")",
                                   pmap(rownames(a2F)))
    }
    ## check type I: every sequential sub-model fitted explicitly and polished
    seqdev <- t(vapply(0:length(tl), function(k) sub(cl, response, tl[seq_len(k)]),
                       c(deviance = 0, df = 0)))
    stopifnot(all(seqdev[, "df"] == a1[["Resid. Df"]]))
    check$type1_resid_dev_max_rel_diff <- maxrel(a1[["Resid. Dev"]], seqdev[, "deviance"])
    check$type1_deviance_max_rel_diff <- maxrel(a1[["Deviance"]][-1], -diff(seqdev[, "deviance"]))
    ## check type II: LR = (dev(without term and its relatives) - dev(without relatives)) / dispersion
    phi <- summary(fit)$dispersion
    lr <- vapply(seq_along(tl), function(i) {
      rel <- relatives_of(i, fac)
      d1 <- sub(cl, response, tl[-c(i, rel)])["deviance"]
      d2 <- if (length(rel)) sub(cl, response, tl[-rel])["deviance"] else deviance(fit)
      unname(d1 - d2) / phi
    }, 0)
    check$type2_lr_max_rel_diff <- maxrel(a2[["LR Chisq"]], lr)
  } else {
    a1 <- anova(fit)
    tables$type1 <- table_json(a1, "anova(fit)", pmap(rownames(a1)))
    a2 <- Anova(fit, type = 2)
    tables$type2 <- table_json(a2, "car::Anova(fit, type = 2)", pmap(rownames(a2)))
    seqdev <- t(vapply(0:length(tl), function(k) sub(cl, response, tl[seq_len(k)]),
                       c(deviance = 0, df = 0)))
    check$type1_sum_sq_max_rel_diff <- maxrel(head(a1[["Sum Sq"]], -1), -diff(seqdev[, "deviance"]))
    ss <- vapply(seq_along(tl), function(i) {
      rel <- relatives_of(i, fac)
      d1 <- sub(cl, response, tl[-c(i, rel)])["deviance"]
      d2 <- if (length(rel)) sub(cl, response, tl[-rel])["deviance"] else deviance(fit)
      unname(d1 - d2)
    }, 0)
    check$type2_sum_sq_max_rel_diff <- maxrel(head(a2[["Sum Sq"]], -1), ss)
  }
  check$how <- if (is_glm) paste(
    "Each sub-model fitted explicitly with glm() and the same family, polished as the",
    "fit; relative differences |R table - explicit| / |explicit| of the residual",
    "deviances (type I), of the Deviance column (type I) and of LR Chisq",
    "(type II, deviance difference / summary(fit)$dispersion)")
  else "Each sub-model fitted explicitly with lm(); relative differences of the Sum Sq columns"

  case <- list(
    id = id, model = if (is_glm) "glm" else "lm", data = data,
    r_call = r_call,
    r_formula = paste(deparse(formula(fit)), collapse = " "),
    formula = patsy,
    family = fam$family, link = fam$link,
    factor_levels = factor_levels,
    note = note,
    terms = arr(tl),
    term_map = term_map,
    patsy_term_order = arr(unname(unlist(term_map[patsy_order]))),
    patsy_order_matches_r = identical(patsy_order, tl),
    nobs = nobs(fit), rank = fit$rank, df_resid = df.residual(fit),
    coef_names = arr(names(coef(fit))),
    params = arr(coef(fit)),
    deviance = deviance(fit),
    null_deviance = if (is_glm) fit$null.deviance,
    sigma = if (!is_glm) sigma(fit),
    dispersion = if (is_glm) summary(fit)$dispersion,
    converged = if (is_glm) fit$converged,
    notes = if (is_glm) sprintf(paste(
      "Fitted with control = %s, then refitted with start = coef(previous fit) and the",
      "same control until the largest relative coefficient change |b_new - b_old|/|b_old|",
      "was below %g: %d refit(s); largest relative change in the last refit %.3g.",
      "anova.glm and car::Anova refit the sub-models with glm.fit(control = fit$control),",
      "i.e. with the same tight control (from their default starting values); fitting",
      "every sub-model explicitly and polished changes the deviances and statistics of",
      "the tables by at most %.3g relative (see check)."),
      GLM_CONTROL, REL_TOL, pol$restarts, pol$last_rel_change,
      max(unlist(check[vapply(check, is.numeric, TRUE)]))),
    polish = if (is_glm) list(
      control = GLM_CONTROL, restarts = pol$restarts,
      rel_changes = arr(pol$rel_changes),
      last_rel_change = pol$last_rel_change),
    tables = tables,
    check = check
  )
  case[!vapply(case, is.null, TRUE)]
}

## ---------------------------------------------------------------------------
## cases
## ---------------------------------------------------------------------------
wool_p <- pC("wool", LV$warpbreaks$wool)
tension_p <- pC("tension", LV$warpbreaks$tension)
cases <- list(
  make_case("mtcars_lm_cyl", "mtcars.csv",
            "lm(mpg ~ wt + hp + factor(cyl), data = mtcars)", "mpg ~ wt + hp + C(cyl)",
            term_map = list(wt = "wt", hp = "hp", "factor(cyl)" = "C(cyl)"),
            patsy_order = c("factor(cyl)", "wt", "hp"),
            factor_levels = list(cyl = arr(c("4", "6", "8"))),
            note = paste(
              "cyl is numeric in the CSV; R's factor(cyl) has levels 4, 6, 8 as patsy's C(cyl) (sorted).",
              "patsy puts the term C(cyl) (no numeric factor) BEFORE wt and hp in the design,",
              "so a sequential table in patsy's term order is the one of case mtcars_lm_cyl_first,",
              "not this one; the type II table does not depend on the order")),
  make_case("mtcars_lm_cyl_first", "mtcars.csv",
            "lm(mpg ~ factor(cyl) + wt + hp, data = mtcars)", "mpg ~ C(cyl) + wt + hp",
            term_map = list("factor(cyl)" = "C(cyl)", wt = "wt", hp = "hp"),
            patsy_order = c("factor(cyl)", "wt", "hp"),
            factor_levels = list(cyl = arr(c("4", "6", "8"))),
            note = paste(
              "the model of mtcars_lm_cyl with the terms in patsy's design order (C(cyl), wt, hp);",
              "patsy builds this order from 'mpg ~ wt + hp + C(cyl)' too")),
  make_case("mtcars_lm_interaction", "mtcars.csv",
            "lm(mpg ~ wt * am, data = mtcars)", "mpg ~ wt * am",
            term_map = list(wt = "wt", am = "am", "wt:am" = "wt:am"),
            patsy_order = c("wt", "am", "wt:am"),
            note = "am is numeric 0/1; type II tests wt and am each without wt:am in both models"),
  make_case("spector_logit", "spector.csv",
            "glm(GRADE ~ GPA + TUCE + PSI, family = binomial(link = \"logit\"), data = spector)",
            "GRADE ~ GPA + TUCE + PSI",
            term_map = list(GPA = "GPA", TUCE = "TUCE", PSI = "PSI"),
            patsy_order = c("GPA", "TUCE", "PSI")),
  make_case("warpbreaks_poisson_interaction", "warpbreaks.csv",
            "glm(breaks ~ wool * tension, family = poisson(link = \"log\"), data = warpbreaks)",
            paste("breaks ~", wool_p, "*", tension_p),
            term_map = list(wool = wool_p, tension = tension_p,
                            "wool:tension" = paste0(wool_p, ":", tension_p)),
            patsy_order = c("wool", "tension", "wool:tension"),
            factor_levels = lapply(LV$warpbreaks, arr),
            note = "wool and tension are unordered factors with treatment contrasts; level order as in factor_levels (tension L, M, H: not alphabetical)"),
  make_case("mtcars_gamma_log", "mtcars.csv",
            "glm(mpg ~ wt + hp, family = Gamma(link = \"log\"), data = mtcars)", "mpg ~ wt + hp",
            term_map = list(wt = "wt", hp = "hp"),
            patsy_order = c("wt", "hp"),
            note = paste(
              "dispersion estimated (Pearson chi^2 / df_resid of the full fit); anova.glm scales",
              "by it for both test = \"Chisq\" (Deviance / dispersion on a chi^2) and test = \"F\"",
              "(F = Deviance / Df / dispersion on F(Df, df_resid)); car's LR Chisq is",
              "deviance difference / dispersion; car's test.statistic = \"F\" (type2_F) uses the",
              "Pearson error sum of squares of the full fit and has a Residuals row"))
)

definitions <- list(
  general = "One table per entry of a case's \"tables\": rows in R's order (rows = R's row names, rows_patsy = the same rows with the term names patsy gives; \"NULL\" and \"Residuals\" as in R), columns as R prints them (column_names = R's order), null where R has NA. All sub-models are fitted on the same rows as the fit.",
  type1 = "Sequential (type I): terms added in the order of the R formula. glm: anova(fit, test = \"Chisq\"); row NULL = intercept-only model; Deviance = drop in residual deviance when the term is added, Pr(>Chi) = P(chi^2_Df > Deviance / dispersion) with dispersion = summary(fit)$dispersion (1 for binomial and poisson). lm: anova(fit): Sum Sq, Mean Sq = Sum Sq / Df, F value = Mean Sq / (RSS / df_resid), Pr(>F); last row Residuals.",
  type1_F = "glm with estimated dispersion only: anova(fit, test = \"F\"): the columns of type1 plus F = Deviance / Df / dispersion and Pr(>F) on F(Df, df_resid of the fit)",
  type2 = "Type II (car::Anova(fit, type = 2)): each term tested after all other terms except those containing it (its higher-order relatives): model without the term and its relatives against the model without its relatives (the full fit when there are none). glm (test.statistic = \"LR\"): LR Chisq = deviance difference / summary(fit)$dispersion, Df, Pr(>Chisq) on chi^2_Df; no Residuals row. lm: Sum Sq (RSS difference), Df, F value = (Sum Sq / Df) / (RSS / df_resid) of the full fit, Pr(>F); last row Residuals.",
  type2_F = "glm with estimated dispersion only: car::Anova(fit, type = 2, test.statistic = \"F\"): Sum Sq = deviance difference, F values = (Sum Sq / Df) / (Pearson chi^2 / df_resid) of the full fit, Pr(>F); last row Residuals with Sum Sq = Pearson chi^2 of the full fit",
  check = "Sub-models refitted explicitly (glm polished like the fit) and compared with the table (largest relative difference)"
)

obj <- list(
  about = paste(
    "R reference values for the analysis-of-deviance tables of a single lm or glm fit:",
    "sequential (type I, anova(fit) / anova(fit, test = \"Chisq\"), also test = \"F\" for",
    "the Gamma fit) and type II (car::Anova(fit, type = 2): F tests for lm, likelihood-ratio",
    "chi-square for glm, also test.statistic = \"F\" for the Gamma fit).",
    "Written by Rscript tools/r/anova_single_reference.R (run from the repository root)",
    "from the CSVs in tests/data; numbers with %.17g, NA/NaN as null."),
  r_version = R.version.string,
  car_version = as.character(packageVersion("car")),
  script = "tools/r/anova_single_reference.R",
  warnings = if (length(WARN)) arr(unique(WARN)) else arr(character(0)),
  definitions = definitions,
  cases = cases
)
writeLines(toJSON(obj), OUT)
if (length(WARN)) message("warnings: ", paste(unique(WARN), collapse = "; "))
message("wrote ", OUT)
