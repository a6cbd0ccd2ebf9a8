## A small JSON writer for the reference scripts (numbers with 17 significant digits),
## sourced by them from the repository root: source(file.path("tools", "r", "json.R"))

jnum <- function(x) {
  if (length(x) == 0) return(character(0))
  x <- as.numeric(x)
  out <- sprintf("%.17g", x)
  out[is.na(x)] <- "null"
  out[is.infinite(x) & x > 0] <- "\"Inf\""
  out[is.infinite(x) & x < 0] <- "\"-Inf\""
  out
}
jstr <- function(s) {
  if (length(s) == 0) return(character(0))
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s)
  out <- paste0("\"", s, "\"")
  out[is.na(s)] <- "null"
  out
}
## atomic length-1 (not wrapped in I()) -> scalar; other atomic -> array;
## matrix -> array of row arrays; named list -> object; unnamed list -> array
toJSON <- function(x, ind = 0) {
  pad <- strrep("  ", ind)
  pad1 <- strrep("  ", ind + 1)
  if (is.null(x)) return("null")
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) I(unname(x[i, ])))
    return(toJSON(rows, ind))
  }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, toJSON, "", ind = ind + 1, USE.NAMES = FALSE)
    if (!is.null(names(x))) {
      items <- paste0(jstr(names(x)), ": ", items)
      return(paste0("{\n", paste0(pad1, items, collapse = ",\n"), "\n", pad, "}"))
    }
    return(paste0("[\n", paste0(pad1, items, collapse = ",\n"), "\n", pad, "]"))
  }
  scalar <- length(x) == 1 && !inherits(x, "AsIs")
  x <- unclass(x)
  vals <- if (is.character(x)) jstr(x)
          else if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false"))
          else jnum(x)
  if (scalar) vals else paste0("[", paste(vals, collapse = ", "), "]")
}
arr <- function(x) I(unname(x))           # force a JSON array
mat <- function(m) { m <- as.matrix(m); dimnames(m) <- NULL; m }
