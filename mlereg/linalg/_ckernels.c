/*
 * Compiled kernel of the row passes: X_b' diag(w) X_b and X_b' u for one row block.
 *
 * The Newton (IRLS) iterations of a GLM spend most of their time forming X'WX. numpy
 * hands it to the BLAS as a rank-k update of a weighted copy of the block; with ten or
 * twenty columns that update runs far below the machine's peak (the matrix it updates
 * is tiny) and the weighted copy costs a pass of its own. This kernel reads each row
 * once and adds w_i x_i x_i' to accumulators held in registers:
 *
 * - up to FIXED_F_MAX columns of a column-contiguous (Fortran-ordered) block: eight
 *   rows at a time as vectors, one accumulator vector per entry of G's upper
 *   triangle, one function per column count (the compiler unrolls the loops);
 * - more columns of a column-contiguous block: G in tiles of 4 x 4 entries, eight rows
 *   at a time, over chunks of RC rows that stay in cache (at 16,384 rows and 17 to 64
 *   columns 0.5-0.8x the time of the panels below on a C-ordered copy);
 * - up to FIXED_MAX columns of a C-ordered block: one function per column count, so
 *   the compiler unrolls the loops and keeps the p x p accumulator in registers;
 * - otherwise (C-ordered with more columns, or another layout): rows are copied, RB at
 *   a time, into a buffer padded to whole vectors, and G is formed in panels of 8 (or
 *   4, 2, 1) rows by 8 columns, each panel's accumulators in registers.
 *
 * Results equal numpy's to rounding (about 1e-15 relative; the order of the additions
 * differs). For the same input they are the same bits every time.
 *
 * On x86-64 with GCC each function is compiled three times (baseline, AVX2 + FMA,
 * AVX-512) and the loader picks the one the CPU supports. The module builds with any
 * C99 compiler that knows GCC's vector extensions; without it mlereg falls back to
 * numpy (see mlereg._linalg.block_gram_score).
 *
 * The linear predictor X b of a C-ordered block of up to FIXED_MAX columns is here too:
 * the BLAS's matrix-vector product is slow on such short rows.
 *
 * Python signature: gram_score(X, w, u, G, g) -> None
 *   X: 2-D float64 buffer (n, p), 1 <= p <= 64, any strides that are multiples of 8
 *   bytes; w, u: 1-D float64 (n,) C-contiguous, or None (w = 1; no score); G: writable
 *   C-contiguous float64 (p, p), overwritten with X' diag(w) X (symmetric); g: writable
 *   C-contiguous float64 (p,), overwritten with X' u (zeros when u is None).
 * linear_predictor(X, b, eta) -> None
 *   X: 2-D float64 (n, p) with contiguous rows, 1 <= p <= 14; b: C-contiguous float64
 *   (p,); eta: writable C-contiguous float64 (n,), overwritten with X b.
 * Every array is native float64 aligned to 8 bytes, and no output shares a byte with an
 * input or the other output. Both functions check all of this themselves and raise
 * ValueError naming the argument otherwise, before touching any memory.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define CLONES
#endif

typedef double v8 __attribute__((vector_size(64), aligned(64)));
typedef double v8u __attribute__((vector_size(64), aligned(8))); /* unaligned loads */

/* the per-column-count kernels cover 1..FIXED_MAX columns (measured: up to 14 they
   beat the panel kernel; at 16 the accumulator no longer fits in registers) */
#define FIXED_MAX 14
/* the per-column-count column-contiguous kernels cover 1..FIXED_F_MAX columns
   (measured at 16,384 rows in cache: 0.3-0.5x the time of the tiles below at 3 and 5
   columns, 1.0-1.2x at 8 to 16) */
#define FIXED_F_MAX 7
/* rows per buffer of the panel kernel, and the most columns it takes */
#define RB 128
#define PMAX 64

/* ---- C-ordered block, P columns known at compile time ------------------------- */

#define FIXED(P)                                                                        \
    CLONES static void fixed_##P(const double *X, Py_ssize_t n, Py_ssize_t rs,          \
                                 const double *w, const double *u, double *G,           \
                                 double *g)                                             \
    {                                                                                   \
        double acc[P][P], ga[P];                                                        \
        memset(acc, 0, sizeof acc);                                                     \
        memset(ga, 0, sizeof ga);                                                       \
        Py_ssize_t i = 0;                                                               \
        for (; i + 2 <= n; i += 2) {                                                    \
            const double *x0 = X + i * rs, *x1 = x0 + rs;                               \
            double w0 = w ? w[i] : 1.0, w1 = w ? w[i + 1] : 1.0;                        \
            for (int j = 0; j < P; j++) {                                               \
                double a0 = w0 * x0[j], a1 = w1 * x1[j];                                \
                for (int k = 0; k < P; k++) acc[j][k] += a0 * x0[k] + a1 * x1[k];       \
            }                                                                           \
            if (u) {                                                                    \
                double u0 = u[i], u1 = u[i + 1];                                        \
                for (int k = 0; k < P; k++) ga[k] += u0 * x0[k] + u1 * x1[k];           \
            }                                                                           \
        }                                                                               \
        for (; i < n; i++) {                                                            \
            const double *x0 = X + i * rs;                                              \
            double w0 = w ? w[i] : 1.0;                                                 \
            for (int j = 0; j < P; j++) {                                               \
                double a0 = w0 * x0[j];                                                 \
                for (int k = 0; k < P; k++) acc[j][k] += a0 * x0[k];                    \
            }                                                                           \
            if (u)                                                                      \
                for (int k = 0; k < P; k++) ga[k] += u[i] * x0[k];                      \
        }                                                                               \
        for (int j = 0; j < P; j++) { /* the upper triangle, mirrored: symmetric bits */ \
            for (int k = j; k < P; k++) {                                               \
                G[j * P + k] = acc[j][k];                                               \
                G[k * P + j] = acc[j][k];                                               \
            }                                                                           \
            g[j] = ga[j];                                                               \
        }                                                                               \
    }

FIXED(1) FIXED(2) FIXED(3) FIXED(4) FIXED(5) FIXED(6) FIXED(7)
FIXED(8) FIXED(9) FIXED(10) FIXED(11) FIXED(12) FIXED(13) FIXED(14)

typedef void (*fixed_fn)(const double *, Py_ssize_t, Py_ssize_t, const double *,
                         const double *, double *, double *);
static const fixed_fn FIXED_FNS[FIXED_MAX + 1] = {
    NULL, fixed_1, fixed_2, fixed_3, fixed_4, fixed_5, fixed_6, fixed_7,
    fixed_8, fixed_9, fixed_10, fixed_11, fixed_12, fixed_13, fixed_14};

/* ---- column-contiguous block, P columns known at compile time ------------------ */

#define FIXED_F(P)                                                                      \
    CLONES static void fixed_f_##P(const double *X, Py_ssize_t n, Py_ssize_t cs,        \
                                   const double *w, const double *u, double *G,         \
                                   double *g)                                           \
    {                                                                                   \
        v8 acc[P][P], ga[P];                                                            \
        for (int j = 0; j < P; j++) {                                                   \
            ga[j] = (v8){0};                                                            \
            for (int k = j; k < P; k++) acc[j][k] = (v8){0};                            \
        }                                                                               \
        Py_ssize_t i = 0;                                                               \
        for (; i + 8 <= n; i += 8) {                                                    \
            v8 x[P];                                                                    \
            for (int k = 0; k < P; k++) x[k] = *(const v8u *)(X + k * cs + i);          \
            v8 wv = w ? (v8) * (const v8u *)(w + i) : (v8){1, 1, 1, 1, 1, 1, 1, 1};     \
            for (int j = 0; j < P; j++) {                                               \
                v8 s = wv * x[j];                                                       \
                for (int k = j; k < P; k++) acc[j][k] += s * x[k];                      \
            }                                                                           \
            if (u) {                                                                    \
                v8 uv = *(const v8u *)(u + i);                                          \
                for (int k = 0; k < P; k++) ga[k] += uv * x[k];                         \
            }                                                                           \
        }                                                                               \
        for (int j = 0; j < P; j++) { /* the lanes, then the last n % 8 rows */         \
            double t = 0;                                                               \
            for (int l = 0; l < 8; l++) t += ga[j][l];                                  \
            g[j] = t;                                                                   \
            for (int k = j; k < P; k++) {                                               \
                t = 0;                                                                  \
                for (int l = 0; l < 8; l++) t += acc[j][k][l];                          \
                G[j * P + k] = t;                                                       \
            }                                                                           \
        }                                                                               \
        for (; i < n; i++) {                                                            \
            double wi = w ? w[i] : 1.0;                                                 \
            for (int j = 0; j < P; j++) {                                               \
                double s = wi * X[j * cs + i];                                          \
                for (int k = j; k < P; k++) G[j * P + k] += s * X[k * cs + i];          \
                if (u) g[j] += u[i] * X[j * cs + i];                                    \
            }                                                                           \
        }                                                                               \
        for (int j = 0; j < P; j++)                                                     \
            for (int k = j + 1; k < P; k++) G[k * P + j] = G[j * P + k];                \
    }

FIXED_F(1) FIXED_F(2) FIXED_F(3) FIXED_F(4) FIXED_F(5) FIXED_F(6) FIXED_F(7)

static const fixed_fn FIXED_F_FNS[FIXED_F_MAX + 1] = {
    NULL, fixed_f_1, fixed_f_2, fixed_f_3, fixed_f_4, fixed_f_5, fixed_f_6, fixed_f_7};

/* ---- any layout, up to PMAX columns: panels over a padded row buffer ------------ */

/* The helpers called from the target clones (panel_J, lane_sum, tile) are forced
   inline: GCC did not inline ``tile`` into its caller's clones, and the call kept the
   accumulators in memory (8x slower). */

/* accumulators of rows j0..j0+J of G, columns k0..k0+7, over the r buffered rows */
#define PANEL(J)                                                                        \
    static inline __attribute__((always_inline)) void panel_##J(const double *xb, const double *sb, Py_ssize_t r,      \
                                 Py_ssize_t pp, Py_ssize_t j0, Py_ssize_t k0, v8 *acc)  \
    {                                                                                   \
        v8 a[J];                                                                        \
        for (int jj = 0; jj < J; jj++) a[jj] = (v8){0};                                 \
        for (Py_ssize_t i = 0; i < r; i++) {                                            \
            v8 xk = *(const v8 *)(xb + i * pp + k0);                                    \
            const double *s = sb + i * pp + j0;                                         \
            for (int jj = 0; jj < J; jj++) a[jj] += s[jj] * xk;                         \
        }                                                                               \
        for (int jj = 0; jj < J; jj++) acc[jj] = a[jj];                                 \
    }

PANEL(8) PANEL(4) PANEL(2) PANEL(1)

CLONES static void panels(const double *X, Py_ssize_t n, Py_ssize_t p, Py_ssize_t rs,
                          Py_ssize_t cs, const double *w, const double *u, double *G,
                          double *g)
{
    /* xb: the rows, sb: the rows times w; each row padded with zeros to pp columns */
    static __thread double xb[RB * PMAX] __attribute__((aligned(64)));
    static __thread double sb[RB * PMAX] __attribute__((aligned(64)));
    Py_ssize_t pp = (p + 7) / 8 * 8;
    memset(xb, 0, sizeof(double) * RB * pp);
    memset(sb, 0, sizeof(double) * RB * pp);
    memset(G, 0, sizeof(double) * p * p);
    memset(g, 0, sizeof(double) * p);
    for (Py_ssize_t a = 0; a < n; a += RB) {
        Py_ssize_t r = n - a < RB ? n - a : RB;
        if (cs == 1) {
            for (Py_ssize_t i = 0; i < r; i++)
                memcpy(xb + i * pp, X + (a + i) * rs, sizeof(double) * p);
        } else {
            for (Py_ssize_t k = 0; k < p; k++) {
                const double *x = X + a * rs + k * cs;
                for (Py_ssize_t i = 0; i < r; i++) xb[i * pp + k] = x[i * rs];
            }
        }
        for (Py_ssize_t i = 0; i < r; i++) {
            double wi = w ? w[a + i] : 1.0;
            for (Py_ssize_t q = 0; q < pp; q += 8)
                *(v8 *)(sb + i * pp + q) = wi * *(const v8 *)(xb + i * pp + q);
        }
        if (u) {
            for (Py_ssize_t q = 0; q < pp; q += 8) {
                v8 s = {0};
                for (Py_ssize_t i = 0; i < r; i++) s += u[a + i] * *(const v8 *)(xb + i * pp + q);
                for (Py_ssize_t kk = 0; kk < 8 && q + kk < p; kk++) g[q + kk] += s[kk];
            }
        }
        for (Py_ssize_t j0 = 0; j0 < p;) {
            Py_ssize_t left = p - j0;
            int J = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            for (Py_ssize_t k0 = j0 / 8 * 8; k0 < p; k0 += 8) {
                v8 acc[8];
                if (J == 8) panel_8(xb, sb, r, pp, j0, k0, acc);
                else if (J == 4) panel_4(xb, sb, r, pp, j0, k0, acc);
                else if (J == 2) panel_2(xb, sb, r, pp, j0, k0, acc);
                else panel_1(xb, sb, r, pp, j0, k0, acc);
                for (int jj = 0; jj < J; jj++)
                    for (Py_ssize_t kk = 0; kk < 8 && k0 + kk < p; kk++)
                        G[(j0 + jj) * p + k0 + kk] += acc[jj][kk];
            }
            j0 += J;
        }
    }
    for (Py_ssize_t j = 0; j < p; j++) /* panels fill the upper triangle (and more) */
        for (Py_ssize_t k = j + 1; k < p; k++) G[k * p + j] = G[j * p + k];
}

/* ---- column-contiguous block, any number of columns: 4 x 4 tiles of G ------------ */

/* rows per chunk: a chunk's columns stay in cache while every tile reads them */
#define RC 512

static inline __attribute__((always_inline)) double lane_sum(v8 v)
{
    double t = 0;
    for (int l = 0; l < 8; l++) t += v[l];
    return t;
}

/* entries (j0 + jj, k0 + kk), jj < J, kk < K, k >= j, of G over rows a..b (a multiple
   of 8 apart); a missing column (J or K below 4) reads column j0 or k0 again and is
   not stored */
static inline __attribute__((always_inline)) void tile(const double *X, Py_ssize_t cs, const double *w, Py_ssize_t a,
                        Py_ssize_t b, Py_ssize_t j0, int J, Py_ssize_t k0, int K, double *G,
                        Py_ssize_t p)
{
    const double *xj[4], *xk[4];
    for (int t = 0; t < 4; t++) {
        xj[t] = X + (j0 + (t < J ? t : 0)) * cs;
        xk[t] = X + (k0 + (t < K ? t : 0)) * cs;
    }
    v8 acc[4][4];
    for (int jj = 0; jj < 4; jj++)
        for (int kk = 0; kk < 4; kk++) acc[jj][kk] = (v8){0};
    for (Py_ssize_t i = a; i < b; i += 8) {
        v8 wv = w ? (v8) * (const v8u *)(w + i) : (v8){1, 1, 1, 1, 1, 1, 1, 1};
        v8 sj[4], xv[4];
        for (int t = 0; t < 4; t++) {
            sj[t] = wv * *(const v8u *)(xj[t] + i);
            xv[t] = *(const v8u *)(xk[t] + i);
        }
        for (int jj = 0; jj < 4; jj++)
            for (int kk = 0; kk < 4; kk++) acc[jj][kk] += sj[jj] * xv[kk];
    }
    for (int jj = 0; jj < J; jj++)
        for (int kk = 0; kk < K; kk++)
            if (k0 + kk >= j0 + jj) G[(j0 + jj) * p + k0 + kk] += lane_sum(acc[jj][kk]);
}

CLONES static void column_tiles(const double *X, Py_ssize_t n, Py_ssize_t p, Py_ssize_t cs,
                                const double *w, const double *u, double *G, double *g)
{
    memset(G, 0, sizeof(double) * p * p);
    memset(g, 0, sizeof(double) * p);
    Py_ssize_t n8 = n / 8 * 8;
    for (Py_ssize_t a = 0; a < n8; a += RC) {
        Py_ssize_t b = a + RC < n8 ? a + RC : n8;
        for (Py_ssize_t j0 = 0; j0 < p; j0 += 4)
            for (Py_ssize_t k0 = j0; k0 < p; k0 += 4)
                tile(X, cs, w, a, b, j0, p - j0 < 4 ? (int)(p - j0) : 4, k0,
                     p - k0 < 4 ? (int)(p - k0) : 4, G, p);
        if (u)
            for (Py_ssize_t k = 0; k < p; k++) {
                v8 t = {0};
                for (Py_ssize_t i = a; i < b; i += 8)
                    t += *(const v8u *)(u + i) * *(const v8u *)(X + k * cs + i);
                g[k] += lane_sum(t);
            }
    }
    for (Py_ssize_t i = n8; i < n; i++) { /* the last n % 8 rows */
        double wi = w ? w[i] : 1.0;
        for (Py_ssize_t j = 0; j < p; j++) {
            double sj = wi * X[j * cs + i];
            for (Py_ssize_t k = j; k < p; k++) G[j * p + k] += sj * X[k * cs + i];
            if (u) g[j] += u[i] * X[j * cs + i];
        }
    }
    for (Py_ssize_t j = 0; j < p; j++)
        for (Py_ssize_t k = j + 1; k < p; k++) G[k * p + j] = G[j * p + k];
}

/* ---- the linear predictor X b ---------------------------------------------------- */

/* C-ordered rows, P columns known at compile time: a dot product per row (at 10
   columns 0.5x the time of numpy's matmul, which goes to the BLAS's dgemv; the same
   time at 16; for other layouts and wider designs the BLAS is as fast or faster) */
#define DOT_C(P)                                                                        \
    CLONES static void dot_c_##P(const double *X, Py_ssize_t n, Py_ssize_t rs,          \
                                 const double *b, double *eta)                          \
    {                                                                                   \
        double bb[P];                                                                   \
        for (int k = 0; k < P; k++) bb[k] = b[k];                                       \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            const double *x = X + i * rs;                                               \
            double t = 0;                                                               \
            for (int k = 0; k < P; k++) t += x[k] * bb[k];                              \
            eta[i] = t;                                                                 \
        }                                                                               \
    }

DOT_C(1) DOT_C(2) DOT_C(3) DOT_C(4) DOT_C(5) DOT_C(6) DOT_C(7) DOT_C(8)
DOT_C(9) DOT_C(10) DOT_C(11) DOT_C(12) DOT_C(13) DOT_C(14)

typedef void (*dot_fn)(const double *, Py_ssize_t, Py_ssize_t, const double *, double *);
static const dot_fn DOT_C_FNS[FIXED_MAX + 1] = {
    NULL, dot_c_1, dot_c_2, dot_c_3, dot_c_4, dot_c_5, dot_c_6, dot_c_7, dot_c_8,
    dot_c_9, dot_c_10, dot_c_11, dot_c_12, dot_c_13, dot_c_14};

/* ---- Python binding (the buffer protocol: no numpy headers needed) --------------- */

/* The module is importable on its own, so it does not trust its callers (the Python
   side, mlereg.linalg.blocks, already sends odd layouts to numpy): every array
   argument is checked here for what the loops above assume, and a violation raises
   ValueError naming the argument before any of its memory is read or written. */

/* Convert a failure to export a buffer (not a buffer, read-only, no strides) into the
   ValueError of the argument; other errors (memory) pass through. */
static int buffer_error(const char *name, const char *what)
{
    if (PyErr_ExceptionMatches(PyExc_BufferError) || PyErr_ExceptionMatches(PyExc_TypeError) ||
        PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s must be %s", name, what);
    }
    return -1;
}

/* Whether a buffer's format is a native-order double: "d", or with a prefix that
   means native order ("=d" is what numpy gives for an unaligned array). */
static int is_native_double(const char *f)
{
    if (f == NULL) return 0;
    if (*f == '@' || *f == '=') f++;
#if PY_LITTLE_ENDIAN
    else if (*f == '<') f++;
#else
    else if (*f == '>' || *f == '!') f++;
#endif
    return strcmp(f, "d") == 0;
}

/* The buffer of argument ``name``: native float64 of ``ndim`` dimensions, writable if
   it is an output; on failure ValueError "<name> must be <what>" and nothing held. */
static int get_array(PyObject *obj, Py_buffer *v, int ndim, int writable, const char *name,
                     const char *what)
{
    int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) return buffer_error(name, what);
    if (v->ndim != ndim || v->itemsize != 8 || !is_native_double(v->format) ||
        v->strides == NULL) {
        PyErr_Format(PyExc_ValueError, "%s must be %s", name, what);
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

/* Alignment: the loops load single doubles and v8u vectors, both aligned to 8 bytes
   (the aligned v8 loads read only the kernel's own 64-byte-aligned buffers), and index
   elements as pointer + i * (stride / 8). So the data pointer and every stride that is
   used (of a dimension of more than one element) must be multiples of 8. The rule is
   numpy's ALIGNED flag for float64: an array without elements is aligned (nothing is
   read), and the stride of a dimension of one element is never multiplied by a
   non-zero index. 0, or ValueError naming the argument. */
static int check_aligned(const Py_buffer *v, const char *name)
{
    for (int d = 0; d < v->ndim; d++)
        if (v->shape[d] == 0) return 0;
    if ((uintptr_t)v->buf % 8) {
        PyErr_Format(PyExc_ValueError, "%s must be aligned to 8 bytes", name);
        return -1;
    }
    for (int d = 0; d < v->ndim; d++)
        if (v->shape[d] > 1 && v->strides[d] % 8) {
            PyErr_Format(PyExc_ValueError, "%s must have strides that are multiples of 8 bytes",
                         name);
            return -1;
        }
    return 0;
}

/* Whether the elements of v are C-contiguous (as numpy's flag: strides of dimensions
   of one element do not count) */
static int is_c_contiguous(const Py_buffer *v)
{
    Py_ssize_t step = 8;
    for (int d = v->ndim - 1; d >= 0; d--) {
        if (v->shape[d] == 0) return 1;
        if (v->shape[d] > 1 && v->strides[d] != step) return 0;
        step *= v->shape[d];
    }
    return 1;
}

/* A C-contiguous float64 argument of the given shape (1-D: n elements; 2-D: n x n). */
static int get_contiguous(PyObject *obj, Py_buffer *v, int ndim, Py_ssize_t n, int writable,
                          const char *name)
{
    char what[96];
    if (ndim == 1)
        PyOS_snprintf(what, sizeof what, "%sfloat64 with %zd elements, in one dimension",
                      writable ? "writable " : "", n);
    else
        PyOS_snprintf(what, sizeof what, "a %sfloat64 array of shape (%zd, %zd)",
                      writable ? "writable " : "", n, n);
    if (get_array(obj, v, ndim, writable, name, what) < 0) return -1;
    for (int d = 0; d < ndim; d++)
        if (v->shape[d] != n) {
            PyErr_Format(PyExc_ValueError, "%s must be %s", name, what);
            PyBuffer_Release(v);
            return -1;
        }
    if (check_aligned(v, name) < 0) {
        PyBuffer_Release(v);
        return -1;
    }
    if (!is_c_contiguous(v)) { /* the loops index it as one run of doubles */
        PyErr_Format(PyExc_ValueError, "%s must be C-contiguous", name);
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

/* The bytes [lo, hi) an array spans (empty, lo == hi, when it has no elements). */
static void extent(const Py_buffer *v, uintptr_t *lo, uintptr_t *hi)
{
    uintptr_t a = (uintptr_t)v->buf, b = a;
    for (int d = 0; d < v->ndim; d++) {
        if (v->shape[d] == 0) {
            *lo = *hi = a;
            return;
        }
        Py_ssize_t span = (v->shape[d] - 1) * v->strides[d];
        if (span < 0)
            a -= (uintptr_t)(-span);
        else
            b += (uintptr_t)span;
    }
    *lo = a;
    *hi = b + (uintptr_t)v->itemsize;
}

/* Overlap of an output with an input or another output: the kernels write their
   outputs while still reading their inputs (panels clears G first, the per-row loops
   write eta row by row), so a shared byte would change what is read or what was
   written. The test is on byte ranges, as numpy's may_share_memory: it may refuse
   interleaved arrays that share no element, never accepts ones that do, and gives
   the same answer every time. 0, or ValueError "<out> overlaps <other>". */
static int check_disjoint(const Py_buffer *out, const char *out_name, const Py_buffer *other,
                          const char *other_name)
{
    uintptr_t alo, ahi, blo, bhi;
    extent(out, &alo, &ahi);
    extent(other, &blo, &bhi);
    if (alo < ahi && blo < bhi && alo < bhi && blo < ahi) {
        PyErr_Format(PyExc_ValueError, "%s overlaps %s", out_name, other_name);
        return -1;
    }
    return 0;
}

static PyObject *gram_score(PyObject *self, PyObject *args)
{
    PyObject *Xo, *wo, *uo, *Go, *go;
    if (!PyArg_ParseTuple(args, "OOOOO", &Xo, &wo, &uo, &Go, &go)) return NULL;
    static const char X_what[] = "a 2-D float64 array of 1 to 64 columns";
    Py_buffer held[5]; /* X, then those of w, u, G, g acquired so far */
    int nheld = 0, ok = 0;
    Py_buffer *X = &held[0], *w = NULL, *u = NULL, *G = NULL, *g = NULL;
    if (get_array(Xo, X, 2, 0, "X", X_what) < 0) return NULL;
    nheld = 1;
    Py_ssize_t n = X->shape[0], p = X->shape[1];
    if (p < 1 || p > PMAX) { /* the panels' buffers hold PMAX columns */
        PyErr_Format(PyExc_ValueError, "X must be %s", X_what);
        goto done;
    }
    if (check_aligned(X, "X") < 0) goto done; /* any strides: indexed by element */
    if (wo != Py_None) {
        if (get_contiguous(wo, &held[nheld], 1, n, 0, "w") < 0) goto done;
        w = &held[nheld++];
    }
    if (uo != Py_None) {
        if (get_contiguous(uo, &held[nheld], 1, n, 0, "u") < 0) goto done;
        u = &held[nheld++];
    }
    if (get_contiguous(Go, &held[nheld], 2, p, 1, "G") < 0) goto done;
    G = &held[nheld++];
    if (get_contiguous(go, &held[nheld], 1, p, 1, "g") < 0) goto done;
    g = &held[nheld++]; /* written (zeros) even without u */
    if (check_disjoint(G, "G", X, "X") < 0 || (w && check_disjoint(G, "G", w, "w") < 0) ||
        (u && check_disjoint(G, "G", u, "u") < 0) || check_disjoint(G, "G", g, "g") < 0 ||
        check_disjoint(g, "g", X, "X") < 0 || (w && check_disjoint(g, "g", w, "w") < 0) ||
        (u && check_disjoint(g, "g", u, "u") < 0))
        goto done;
    {
        const double *xp = (const double *)X->buf, *wp = w ? w->buf : NULL;
        const double *up = u ? u->buf : NULL;
        double *Gp = G->buf, *gp = g->buf;
        /* strides of one-element dimensions may be anything (check_aligned): the
           kernels never step along them */
        Py_ssize_t rs = X->strides[0] / 8, cs = X->strides[1] / 8;
        Py_BEGIN_ALLOW_THREADS
        if (rs == 1 && p <= FIXED_F_MAX)
            FIXED_F_FNS[p](xp, n, cs, wp, up, Gp, gp);
        else if (rs == 1)
            column_tiles(xp, n, p, cs, wp, up, Gp, gp);
        else if (cs == 1 && p <= FIXED_MAX)
            FIXED_FNS[p](xp, n, rs, wp, up, Gp, gp);
        else
            panels(xp, n, p, rs, cs, wp, up, Gp, gp);
        Py_END_ALLOW_THREADS
    }
    ok = 1;
done:
    while (nheld > 0) PyBuffer_Release(&held[--nheld]);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

static PyObject *linear_predictor(PyObject *self, PyObject *args)
{
    PyObject *Xo, *bo, *eo;
    if (!PyArg_ParseTuple(args, "OOO", &Xo, &bo, &eo)) return NULL;
    static const char X_what[] =
        "a 2-D float64 array of contiguous rows of 1 to 14 columns";
    Py_buffer X, b, e;
    if (get_array(Xo, &X, 2, 0, "X", X_what) < 0) return NULL;
    Py_ssize_t n = X.shape[0], p = X.shape[1];
    /* dot_c reads each row as p consecutive doubles */
    if (p < 1 || p > FIXED_MAX || X.strides[1] != 8) {
        PyErr_Format(PyExc_ValueError, "X must be %s", X_what);
        PyBuffer_Release(&X);
        return NULL;
    }
    if (check_aligned(&X, "X") < 0) {
        PyBuffer_Release(&X);
        return NULL;
    }
    if (get_contiguous(bo, &b, 1, p, 0, "b") < 0) {
        PyBuffer_Release(&X);
        return NULL;
    }
    if (get_contiguous(eo, &e, 1, n, 1, "eta") < 0) {
        PyBuffer_Release(&b);
        PyBuffer_Release(&X);
        return NULL;
    }
    int ok = check_disjoint(&e, "eta", &X, "X") == 0 && check_disjoint(&e, "eta", &b, "b") == 0;
    if (ok) {
        const double *xp = (const double *)X.buf;
        Py_ssize_t rs = X.strides[0] / 8;
        double *ep = e.buf;
        const double *bp = b.buf;
        Py_BEGIN_ALLOW_THREADS
        DOT_C_FNS[p](xp, n, rs, bp, ep);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&e);
    PyBuffer_Release(&b);
    PyBuffer_Release(&X);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"gram_score", gram_score, METH_VARARGS,
     "gram_score(X, w, u, G, g): G = X' diag(w) X and g = X' u for one row block."},
    {"linear_predictor", linear_predictor, METH_VARARGS,
     "linear_predictor(X, b, eta): eta = X b for one row block."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ckernels",
                                    "Compiled kernels of the row passes.", -1, methods};

/* the limits the Python side dispatches on: MAX_COLUMNS for gram_score,
   ETA_MAX_COLUMNS for linear_predictor; FIXED_COLUMNS and FIXED_F_COLUMNS, the widths
   of the per-column-count functions; WIDE_VECTORS, whether the CPU has 512-bit vectors
   (the tiles and panels keep G's accumulators in 32 such registers: with 16 narrower
   ones, as on AVX2, they spill and numpy's BLAS path is faster) */
static int wide_vectors(void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

PyMODINIT_FUNC PyInit__ckernels(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "MAX_COLUMNS", PMAX) < 0 ||
        PyModule_AddIntConstant(m, "ETA_MAX_COLUMNS", FIXED_MAX) < 0 ||
        PyModule_AddIntConstant(m, "FIXED_COLUMNS", FIXED_MAX) < 0 ||
        PyModule_AddIntConstant(m, "FIXED_F_COLUMNS", FIXED_F_MAX) < 0 ||
        PyModule_AddIntConstant(m, "WIDE_VECTORS", wide_vectors()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
