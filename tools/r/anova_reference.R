#!/usr/bin/env Rscript
## Reference values for mlereg's anova() and drop1() tables.
##
##   Rscript tools/r/anova_reference.R      (run from the repository root)
##
## Reads tests/data/{warpbreaks,mtcars,spector}.csv and writes
## tests/reference/anova.json: a list of cases, each with the R call, the patsy
## formulas of the models (in R's order) and the table R prints, column by column
## (null for R's NA). GLMs are fitted with epsilon = 1e-14 so that the stored
## values are converged well beyond the 1e-8 tolerance of the tests.

options(warn = 1, stringsAsFactors = FALSE)
if (!dir.exists("tests")) stop("run from the repository root")

jnum <- function(x) {
  out <- sprintf("%.17g", as.numeric(x))
  out[is.na(x)] <- "null"
  paste0("[", paste(out, collapse = ", "), "]")
}
jstr <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
jlist <- function(s) paste0("[", paste(vapply(s, jstr, ""), collapse = ", "), "]")

case <- function(id, kind, model, r_call, formulas, tab, extra = list()) {
  tab <- as.data.frame(tab)
  cols <- vapply(names(tab), function(n) paste0("      ", jstr(n), ": ", jnum(tab[[n]])), "")
  ex <- vapply(names(extra), function(n) paste0("    ", jstr(n), ": ", jnum(extra[[n]]), ",\n"), "")
  paste0(
    "  {\n",
    "    \"id\": ", jstr(id), ",\n",
    "    \"kind\": ", jstr(kind), ",\n",
    "    \"model\": ", jstr(model), ",\n",
    "    \"r_call\": ", jstr(r_call), ",\n",
    "    \"formulas\": ", jlist(formulas), ",\n",
    paste(ex, collapse = ""),
    "    \"rows\": ", jlist(rownames(tab)), ",\n",
    "    \"columns\": {\n", paste(cols, collapse = ",\n"), "\n    }\n",
    "  }"
  )
}

wb <- read.csv("tests/data/warpbreaks.csv")
wb$tension <- factor(wb$tension, levels = c("L", "M", "H"))
mt <- read.csv("tests/data/mtcars.csv")
mt$cyl <- factor(mt$cyl)
sp <- read.csv("tests/data/spector.csv")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)  # tight convergence
ten <- "C(tension, levels=['L', 'M', 'H'])"

out <- character(0)

w1 <- glm(breaks ~ wool, poisson, wb, control = ctl)
w2 <- glm(breaks ~ wool + tension, poisson, wb, control = ctl)
w3 <- glm(breaks ~ wool * tension, poisson, wb, control = ctl)
wf <- c("breaks ~ wool", paste("breaks ~ wool +", ten), paste("breaks ~ wool *", ten))
out <- c(out, case("warpbreaks_poisson_anova", "anova", "poisson",
  "anova(w1, w2, w3, test = \"Chisq\")", wf, anova(w1, w2, w3, test = "Chisq")))
out <- c(out, case("warpbreaks_poisson_drop1", "drop1", "poisson",
  "drop1(w2, test = \"Chisq\")", wf[2], drop1(w2, test = "Chisq")))

m1 <- lm(mpg ~ wt, mt)
m2 <- lm(mpg ~ wt + hp, mt)
m3 <- lm(mpg ~ wt + hp + cyl, mt)
mf <- c("mpg ~ wt", "mpg ~ wt + hp", "mpg ~ wt + hp + C(cyl)")
out <- c(out, case("mtcars_ols_anova_F", "anova", "ols", "anova(m1, m2, m3)", mf,
  anova(m1, m2, m3)))
out <- c(out, case("mtcars_ols_anova_chisq", "anova", "ols",
  "anova(m1, m2, m3, test = \"Chisq\")", mf, anova(m1, m2, m3, test = "Chisq")))
d <- drop1(m3, test = "Chisq")
out <- c(out, case("mtcars_ols_drop1", "drop1", "ols", "drop1(m3, test = \"Chisq\")",
  mf[3], d, list(nobs = nrow(mt))))

g1 <- glm(mpg ~ wt, Gamma(link = "log"), mt, control = ctl)
g2 <- glm(mpg ~ wt + hp, Gamma(link = "log"), mt, control = ctl)
gf <- c("mpg ~ wt", "mpg ~ wt + hp")
out <- c(out, case("mtcars_gamma_anova_chisq", "anova", "gamma_log",
  "anova(g1, g2, test = \"Chisq\")", gf, anova(g1, g2, test = "Chisq")))
out <- c(out, case("mtcars_gamma_anova_F", "anova", "gamma_log",
  "anova(g1, g2, test = \"F\")", gf, anova(g1, g2, test = "F")))

s1 <- glm(GRADE ~ GPA, binomial, sp, control = ctl)
s2 <- glm(GRADE ~ GPA + TUCE + PSI, binomial, sp, control = ctl)
sf <- c("GRADE ~ GPA", "GRADE ~ GPA + TUCE + PSI")
out <- c(out, case("spector_logit_anova", "anova", "logit",
  "anova(s1, s2, test = \"Chisq\")", sf, anova(s1, s2, test = "Chisq")))
out <- c(out, case("spector_logit_drop1", "drop1", "logit", "drop1(s2, test = \"Chisq\")",
  sf[2], drop1(s2, test = "Chisq")))

writeLines(c("[", paste(out, collapse = ",\n"), "]"), "tests/reference/anova.json")
cat(R.version.string, "\n")
