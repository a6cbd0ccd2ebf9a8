## Shared by the reference scripts, sourced from the repository root after json.R:
##   source(file.path("tools", "r", "common.R"))
## The data sets as R has them (checked against R's own), patsy terms for factors
## with R's level order, and the polishing of glm fits.

if (!dir.exists("tests")) stop("run from the repository root")
DATA <- file.path("tests", "data")
REF <- file.path("tests", "reference")

## read a CSV; `factors` = list(col = levels) gives the factor coding used in R
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
## data
## ---------------------------------------------------------------------------
LV <- list(warpbreaks = list(wool = c("A", "B"), tension = c("L", "M", "H")))
E <- new.env()
E$mtcars <- read_data("mtcars.csv")
E$spector <- read_data("spector.csv")
E$warpbreaks <- read_data("warpbreaks.csv", LV$warpbreaks)

## sanity: the CSVs hold R's own data
stopifnot(isTRUE(all.equal(E$mtcars$mpg, unname(datasets::mtcars$mpg), tolerance = 0)),
          isTRUE(all.equal(E$mtcars$wt, unname(datasets::mtcars$wt), tolerance = 0)),
          isTRUE(all.equal(E$mtcars$hp, unname(datasets::mtcars$hp), tolerance = 0)),
          isTRUE(all.equal(E$mtcars$cyl, unname(datasets::mtcars$cyl), tolerance = 0)),
          isTRUE(all.equal(E$mtcars$am, unname(datasets::mtcars$am), tolerance = 0)),
          identical(E$mtcars$car, rownames(datasets::mtcars)),
          isTRUE(all.equal(E$warpbreaks$breaks, datasets::warpbreaks$breaks, tolerance = 0)),
          identical(E$warpbreaks$tension, datasets::warpbreaks$tension),
          identical(E$warpbreaks$wool, datasets::warpbreaks$wool),
          !anyNA(E$spector), nrow(E$spector) == 32)

## ---------------------------------------------------------------------------
## glm polishing
## ---------------------------------------------------------------------------
REL_TOL <- 1e-12
GLM_CONTROL <- "glm.control(epsilon = 1e-14, maxit = 100)"

rel_change <- function(new, old) max(abs(new - old) / abs(old))
se_change <- function(new, old, fit) max(abs(new - old) / sqrt(diag(vcov(fit))))

## `cl`: a glm call (control is set here), evaluated by `run`; refitted from
## start = coef(previous fit) until the largest relative coefficient change is
## below REL_TOL. Returns the polished fit and how it settled.
polish_glm <- function(cl, run = function(cl) eval(cl, E)) {
  cl$control <- str2lang(GLM_CONTROL)
  fit <- run(cl)
  changes <- numeric(0)
  for (r in 1:50) {
    prev <- fit
    cl$start <- unname(coef(prev))
    fit <- run(cl)
    changes <- c(changes, rel_change(coef(fit), coef(prev)))
    if (changes[r] < REL_TOL && fit$converged) break
  }
  last <- changes[length(changes)]
  if (!fit$converged || last >= REL_TOL) stop("glm did not settle: ", deparse(cl)[1])
  list(fit = fit, restarts = length(changes), rel_changes = changes,
       last_rel_change = last,
       last_change_over_se = se_change(coef(fit), coef(prev), fit))
}
