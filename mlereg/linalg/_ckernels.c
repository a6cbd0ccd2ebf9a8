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
 *   X: 2-D float64 buffer (n, p), any strides; w, u: 1-D float64 (n,) C-contiguous,
 *   or None (w = 1; no score); G: writable C-contiguous float64 (p, p), overwritten with
 *   X' diag(w) X (symmetric); g: writable float64 (p,), overwritten with X' u (ignored
 *   when u is None).
 * linear_predictor(X, b, eta) -> None
 *   X: 2-D float64 (n, p) with contiguous rows, 1 <= p <= 14; b: float64 (p,); eta:
 *   writable float64 (n,), overwritten with X b.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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

static int get_vector(PyObject *obj, Py_buffer *view, Py_ssize_t n, int writable,
                      const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, "d") != 0 ||
        view->len != n * 8) {
        PyErr_Format(PyExc_ValueError, "%s must be float64 with %zd elements", name, n);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *gram_score(PyObject *self, PyObject *args)
{
    PyObject *Xo, *wo, *uo, *Go, *go;
    if (!PyArg_ParseTuple(args, "OOOOO", &Xo, &wo, &uo, &Go, &go)) return NULL;
    Py_buffer X, w = {0}, u = {0}, G, g;
    if (PyObject_GetBuffer(Xo, &X, PyBUF_STRIDES | PyBUF_FORMAT) < 0) return NULL;
    if (X.ndim != 2 || X.itemsize != 8 || X.format == NULL || strcmp(X.format, "d") != 0 ||
        X.strides[0] % 8 || X.strides[1] % 8 || X.shape[1] > PMAX || X.shape[1] < 1) {
        PyErr_SetString(PyExc_ValueError, "X must be a 2-D float64 array of 1 to 64 columns");
        PyBuffer_Release(&X);
        return NULL;
    }
    Py_ssize_t n = X.shape[0], p = X.shape[1];
    int has_w = wo != Py_None, has_u = uo != Py_None, ok = 0;
    if (has_w && get_vector(wo, &w, n, 0, "w") < 0) goto release_X;
    if (has_u && get_vector(uo, &u, n, 0, "u") < 0) goto release_w;
    if (get_vector(Go, &G, p * p, 1, "G") < 0) goto release_u;
    if (get_vector(go, &g, p, 1, "g") < 0) goto release_G;
    {
        const double *xp = (const double *)X.buf, *wp = has_w ? w.buf : NULL;
        const double *up = has_u ? u.buf : NULL;
        Py_ssize_t rs = X.strides[0] / 8, cs = X.strides[1] / 8;
        Py_BEGIN_ALLOW_THREADS
        if (rs == 1 && p <= FIXED_F_MAX)
            FIXED_F_FNS[p](xp, n, cs, wp, up, G.buf, g.buf);
        else if (rs == 1)
            column_tiles(xp, n, p, cs, wp, up, G.buf, g.buf);
        else if (cs == 1 && p <= FIXED_MAX)
            FIXED_FNS[p](xp, n, rs, wp, up, G.buf, g.buf);
        else
            panels(xp, n, p, rs, cs, wp, up, G.buf, g.buf);
        Py_END_ALLOW_THREADS
    }
    ok = 1;
    PyBuffer_Release(&g);
release_G:
    PyBuffer_Release(&G);
release_u:
    if (has_u) PyBuffer_Release(&u);
release_w:
    if (has_w) PyBuffer_Release(&w);
release_X:
    PyBuffer_Release(&X);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

static PyObject *linear_predictor(PyObject *self, PyObject *args)
{
    PyObject *Xo, *bo, *eo;
    if (!PyArg_ParseTuple(args, "OOO", &Xo, &bo, &eo)) return NULL;
    Py_buffer X, b, e;
    if (PyObject_GetBuffer(Xo, &X, PyBUF_STRIDES | PyBUF_FORMAT) < 0) return NULL;
    if (X.ndim != 2 || X.itemsize != 8 || X.format == NULL || strcmp(X.format, "d") != 0 ||
        X.strides[0] % 8 || X.strides[1] != 8 || X.shape[1] < 1 || X.shape[1] > FIXED_MAX) {
        PyErr_SetString(PyExc_ValueError,
                        "X must be a 2-D float64 array of contiguous rows of 1 to 14 columns");
        PyBuffer_Release(&X);
        return NULL;
    }
    Py_ssize_t n = X.shape[0], p = X.shape[1];
    if (get_vector(bo, &b, p, 0, "b") < 0) {
        PyBuffer_Release(&X);
        return NULL;
    }
    if (get_vector(eo, &e, n, 1, "eta") < 0) {
        PyBuffer_Release(&b);
        PyBuffer_Release(&X);
        return NULL;
    }
    {
        const double *xp = (const double *)X.buf;
        Py_ssize_t rs = X.strides[0] / 8;
        Py_BEGIN_ALLOW_THREADS
        DOT_C_FNS[p](xp, n, rs, b.buf, e.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&e);
    PyBuffer_Release(&b);
    PyBuffer_Release(&X);
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
