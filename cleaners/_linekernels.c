/* Compiled kernels of cleaners.linescore: the per-line feature pass and the stacked
 * scoring stages of the boilerplate line model.
 *
 * Each function here computes what a numpy function of cleaners/linescore.py computes
 * (local_features, structure_features, stage_scores with context_features); linescore.py
 * keeps those as the reference and falls back to them when this module is not built.
 * The per-line work is what dominates strip_boilerplate's time in numpy (dozens of array
 * operations on arrays of a few hundred lines per document), so doing it in one pass per
 * line here is what makes the stripper fast.
 *
 * The numbers are the same as the numpy path's except for the order of additions in the
 * two dot products (BLAS) and the window means (np.convolve): those can differ in the last
 * bits. tests/test_linekernels.py checks every column against the numpy path.
 *
 * Arrays come in through the buffer protocol (float64, C-contiguous); lists of lines,
 * tokens and reasons come in as Python lists. No numpy headers are needed to build it.
 */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE /* memmem */
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* the column layout of LOCAL_FEATURES / CONTEXT_FEATURES (exported as LAYOUT; linescore.py
 * compares it with its own tuples at import) */
#define N_LOCAL 37
#define N_CONTEXT 21
#define COL_LOG_WORDS 1
#define COL_ENDS 3
#define COL_ENDS_COLON 4
#define COL_HAS_TIME 31
#define COL_LEXICAL 33
#define COL_STRUCT 34

/* bits of linescore._packed_table(): category in the low three bits, then flags */
#define CAT_CAPS 1
#define CAT_COMMA 2
#define CAT_SEP 3
#define CAT_BREAK 4
#define CAT_CJK 5
#define CAT_DIGIT 6
#define LK_WORD_BIT 8
#define LK_UPPER_BIT 16
#define LK_LOWER_BIT 32

static PyObject *str_phrase; /* "phrase" */

/* ------------------------------------------------------------------ buffers --- */

static int
get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t items, int writable, char kind, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    Py_ssize_t size = kind == 'd' ? 8 : 1;
    int ok = view->itemsize == size && f[0] == kind && f[1] == '\0';
    if (kind == 'B' && view->itemsize == 1 && (f[0] == '?' || f[0] == 'b') && f[1] == '\0')
        ok = 1; /* a bool or int8 table reads as bytes */
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of %s, got format '%s'", name,
                     kind == 'd' ? "float64" : "bytes", view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    if (view->len / size < items) {
        PyErr_Format(PyExc_ValueError, "%s: expected at least %zd items, got %zd", name, items, view->len / size);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static int
check_list(PyObject *obj, Py_ssize_t n, const char *name)
{
    if (!PyList_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list", name);
        return -1;
    }
    if (PyList_GET_SIZE(obj) != n) {
        PyErr_Format(PyExc_ValueError, "%s has %zd items, expected %zd", name, PyList_GET_SIZE(obj), n);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ local features --- */

static inline int
is_ascii_digit(Py_UCS4 c)
{
    return c >= '0' && c <= '9';
}

/* str.isdigit() of a non-empty token */
static int
token_isdigit(PyObject *tok)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(tok);
    if (len == 0)
        return 0;
    int kind = PyUnicode_KIND(tok);
    const void *data = PyUnicode_DATA(tok);
    for (Py_ssize_t i = 0; i < len; i++) {
        if (!Py_UNICODE_ISDIGIT(PyUnicode_READ(kind, data, i)))
            return 0;
    }
    return 1;
}

/* does the lower-cased line hold "http", "www." or "@" */
static int
url_like(PyObject *low)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(low);
    int kind = PyUnicode_KIND(low);
    const void *data = PyUnicode_DATA(low);
    if (kind == PyUnicode_1BYTE_KIND) /* most lines: the C library's searches */
        return memchr(data, '@', (size_t)len) != NULL || memmem(data, (size_t)len, "http", 4) != NULL ||
               memmem(data, (size_t)len, "www.", 4) != NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '@')
            return 1;
        if (c == 'h' && i + 3 < len && PyUnicode_READ(kind, data, i + 1) == 't' &&
            PyUnicode_READ(kind, data, i + 2) == 't' && PyUnicode_READ(kind, data, i + 3) == 'p')
            return 1;
        if (c == 'w' && i + 3 < len && PyUnicode_READ(kind, data, i + 1) == 'w' &&
            PyUnicode_READ(kind, data, i + 2) == 'w' && PyUnicode_READ(kind, data, i + 3) == '.')
            return 1;
    }
    return 0;
}

/* Per character of one line (`data`, `len` characters of type T): the category counts `cnt`, clock
 * times and question marks. The character before a line is a line break: not a word character. */
#define SCAN_CHARS(T)                                                                                         \
    do {                                                                                                      \
        const T *d = (const T *)data;                                                                         \
        int prev_word = 0;                                                                                    \
        for (Py_ssize_t i = 0; i < len; i++) {                                                                \
            Py_UCS4 c = d[i];                                                                                 \
            unsigned t = table[c > 0xFFFF ? 0xFFFF : c];                                                      \
            unsigned cat = t & 7;                                                                             \
            if ((t & LK_UPPER_BIT) && !prev_word)                                                             \
                cat = CAT_CAPS; /* an upper-case letter that starts a word */                                 \
            else if (cat == CAT_BREAK) {                                                                      \
                /* ".", "?" and "!" end a sentence only before a space; "。" always */                      \
                Py_UCS4 next = i + 1 < len ? d[i + 1] : '\n';                                                \
                if (!(next == ' ' || c == 0x3002))                                                            \
                    cat = 0;                                                                                  \
            }                                                                                                 \
            cnt[cat]++;                                                                                       \
            prev_word = (t & LK_WORD_BIT) != 0;                                                               \
            if (c == '?' || c == 0xFF1F)                                                                      \
                question++;                                                                                   \
            else if (c == ':' && i >= 1 && i + 2 < len && is_ascii_digit(d[i - 1]) && is_ascii_digit(d[i + 1]) && \
                     is_ascii_digit(d[i + 2]))                                                                \
                clock++;                                                                                      \
        }                                                                                                     \
    } while (0)

/* local_features(lines, lows, tokens, codes, reasons, repeats, phrase_share, duplicated,
 *                packed_table, end_table, has_lexicon, lexicon_power, out)
 * Fills columns 0 ... COL_STRUCT-1 of out (n x N_LOCAL); see linescore.local_features. */
static PyObject *
k_local_features(PyObject *self, PyObject *args)
{
    PyObject *lines, *lows, *tokens, *codes, *reasons, *repeats, *shares, *dups, *table_o, *end_o, *out_o;
    int has_lex;
    double power;
    if (!PyArg_ParseTuple(args, "OOOO!OOOOOOpdO", &lines, &lows, &tokens, &PyDict_Type, &codes, &reasons, &repeats,
                          &shares, &dups, &table_o, &end_o, &has_lex, &power, &out_o))
        return NULL;
    if (!PyList_Check(lines)) {
        PyErr_SetString(PyExc_TypeError, "lines must be a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (check_list(lows, n, "lows") < 0 || check_list(tokens, n, "tokens") < 0 || check_list(reasons, n, "reasons") < 0 ||
        check_list(repeats, n, "repeats") < 0 || check_list(shares, n, "phrase_share") < 0 || check_list(dups, n, "duplicated") < 0)
        return NULL;
    Py_buffer tb, eb, ob;
    if (get_buffer(table_o, &tb, 65536, 0, 'B', "packed_table") < 0)
        return NULL;
    if (get_buffer(end_o, &eb, 65536, 0, 'B', "end_table") < 0) {
        PyBuffer_Release(&tb);
        return NULL;
    }
    if (get_buffer(out_o, &ob, n * N_LOCAL, 1, 'd', "out") < 0) {
        PyBuffer_Release(&tb);
        PyBuffer_Release(&eb);
        return NULL;
    }
    const unsigned char *table = tb.buf, *endt = eb.buf;
    double *out = ob.buf;
    PyObject *result = NULL;

    /* an astral character anywhere: then every line's tokens are checked for numbers (as the
     * numpy path does, which cannot tell astral digits from its BMP table) */
    int astral = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(lines, k);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", k);
            goto done;
        }
        if (PyUnicode_KIND(s) == PyUnicode_4BYTE_KIND)
            astral = 1;
    }

    /* running sums over every token of the document, line after line: a line's stop-word
     * count and lexicon sum are differences of them (as linescore._line_sums) */
    double run_re = 0.0, run_im = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(lines, k);
        PyObject *low = PyList_GET_ITEM(lows, k);
        PyObject *toks = PyList_GET_ITEM(tokens, k);
        if (!PyUnicode_Check(low) || !PyList_Check(toks)) {
            PyErr_Format(PyExc_TypeError, "line %zd: lows must hold str and tokens lists", k);
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        if (len == 0) {
            PyErr_Format(PyExc_ValueError, "line %zd is empty (lines must be stripped and non-empty)", k);
            goto done;
        }
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        long cnt[7] = {0, 0, 0, 0, 0, 0, 0};
        long clock = 0, question = 0;
        switch (kind) { /* one loop per character width: no width switch per character */
        case PyUnicode_1BYTE_KIND:
            SCAN_CHARS(Py_UCS1);
            break;
        case PyUnicode_2BYTE_KIND:
            SCAN_CHARS(Py_UCS2);
            break;
        default:
            SCAN_CHARS(Py_UCS4);
            break;
        }
        /* tokens: stop words and lexicon weights (complex codes), number tokens */
        Py_ssize_t ntok = PyList_GET_SIZE(toks);
        double re0 = run_re, im0 = run_im;
        long digits = 0;
        int count_digits = astral || cnt[CAT_DIGIT] > 0;
        for (Py_ssize_t j = 0; j < ntok; j++) {
            PyObject *tok = PyList_GET_ITEM(toks, j);
            PyObject *v = PyDict_GetItemWithError(codes, tok);
            if (v != NULL) {
                Py_complex z = PyComplex_CheckExact(v) ? ((PyComplexObject *)v)->cval : PyComplex_AsCComplex(v);
                if (z.real == -1.0 && PyErr_Occurred())
                    goto done;
                run_re += z.real;
                run_im += z.imag;
            }
            else if (PyErr_Occurred())
                goto done;
            else {
                run_re += 0.0; /* as the numpy path's running sum adds the missing words' zeros */
                run_im += 0.0;
            }
            if (count_digits) {
                if (!PyUnicode_Check(tok)) {
                    PyErr_Format(PyExc_TypeError, "line %zd: a token is not a str", k);
                    goto done;
                }
                digits += token_isdigit(tok);
            }
        }
        double stops = run_re - re0, lexsum = run_im - im0;

        Py_UCS4 first = PyUnicode_READ(kind, data, 0), last = PyUnicode_READ(kind, data, len - 1);
        int endb = endt[last > 0xFFFF ? 0xFFFF : last] != 0;
        int colon = last == ':';
        int lower_start = first > 0xFFFF ? Py_UNICODE_ISLOWER(first) != 0 : (table[first] & LK_LOWER_BIT) != 0;

        double cjk = (double)cnt[CAT_CJK];
        double nt = (double)ntok + floor(cjk / 2.0); /* a kana/han line counts one word per two characters */
        double nw = nt > 1.0 ? nt : 1.0;
        double chars = (double)len;
        double caps = (double)cnt[CAT_CAPS];
        double lw = log1p(nt);
        double stop_share = stops / nw, cap_share = caps / nw;
        double endf = endb ? 1.0 : 0.0;

        PyObject *r = PyList_GET_ITEM(reasons, k);
        double rule = 0.0, phrase = 0.0;
        int truthy = PyObject_IsTrue(r);
        if (truthy < 0)
            goto done;
        if (truthy) {
            if (!PyUnicode_Check(r)) {
                PyErr_Format(PyExc_TypeError, "line %zd: a reason is not a str or None", k);
                goto done;
            }
            if (PyUnicode_Tailmatch(r, str_phrase, 0, PY_SSIZE_T_MAX, -1))
                phrase = 1.0;
            else
                rule = 1.0;
        }
        int rep = PyObject_IsTrue(PyList_GET_ITEM(repeats, k));
        int dup = PyObject_IsTrue(PyList_GET_ITEM(dups, k));
        double share = PyFloat_AsDouble(PyList_GET_ITEM(shares, k));
        if (rep < 0 || dup < 0 || (share == -1.0 && PyErr_Occurred()))
            goto done;

        double *x = out + k * N_LOCAL;
        x[0] = 1.0;
        x[1] = lw;
        x[2] = log1p(chars);
        x[3] = endf;
        x[4] = colon;
        x[5] = stop_share;
        x[6] = cap_share;
        x[7] = (double)digits / nw;
        x[8] = log1p((double)cnt[CAT_BREAK]);
        x[9] = (double)cnt[CAT_COMMA] / nw;
        x[10] = (double)cnt[CAT_SEP] / nw;
        x[11] = lower_start;
        x[12] = nt <= 3;
        x[13] = (nt >= 3) && (caps >= nt - 1) && !endb && !colon;
        x[14] = cjk / chars;
        x[15] = rule;
        x[16] = phrase;
        x[17] = rep;
        x[18] = (double)k / (double)n;
        x[19] = url_like(low) && nt <= 12;
        x[20] = nt <= 1;
        x[21] = nt >= 4 && nt <= 6;
        x[22] = nt >= 7 && nt <= 12;
        x[23] = nt >= 13 && nt <= 25;
        x[24] = nt >= 26 && nt <= 50;
        x[25] = nt > 50;
        x[26] = endf * lw;
        x[27] = stop_share * lw;
        x[28] = cap_share * lw;
        x[29] = share;
        x[30] = dup;
        x[31] = clock > 0 ? 1.0 : 0.0;
        double per5 = chars / 5.0;
        x[32] = (double)question / (per5 > 1.0 ? per5 : 1.0);
        x[33] = has_lex ? lexsum / pow((double)(ntok > 1 ? ntok : 1), power) : 0.0;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&tb);
    PyBuffer_Release(&eb);
    PyBuffer_Release(&ob);
    return result;
}

/* ---------------------------------------------------------------- windows --- */

/* out[k * ostride] = mean of x[(k - half) ... (k + half)] (zero beyond either end), as
 * sum of x * (1 / (2 * half + 1)), which is what linescore._window_mean's kernel gives */
static void
window_mean(const double *x, Py_ssize_t xstride, Py_ssize_t n, int half, double *out, Py_ssize_t ostride)
{
    double w = 1.0 / (double)(2 * half + 1);
    for (Py_ssize_t k = 0; k < n; k++) {
        double s = 0.0;
        Py_ssize_t lo = k - half < 0 ? 0 : k - half, hi = k + half >= n ? n - 1 : k + half;
        for (Py_ssize_t j = lo; j <= hi; j++)
            s += x[j * xstride] * w;
        out[k * ostride] = s;
    }
}

/* structure(x, dateline) -> None: the STRUCTURE_FEATURES columns of x (n x N_LOCAL), in place,
 * from its other columns; dateline: one byte per line, is its rule "dateline-only" */
static PyObject *
k_structure(PyObject *self, PyObject *args)
{
    PyObject *x_o, *d_o;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OOn", &x_o, &d_o, &n))
        return NULL;
    Py_buffer xb, db;
    if (get_buffer(x_o, &xb, n * N_LOCAL, 1, 'd', "x") < 0)
        return NULL;
    if (get_buffer(d_o, &db, n, 0, 'B', "dateline") < 0) {
        PyBuffer_Release(&xb);
        return NULL;
    }
    double *x = xb.buf;
    const unsigned char *dateline = db.buf;
    double *tmp = PyMem_Malloc(sizeof(double) * (size_t)(2 * n + 1));
    unsigned char *flags = PyMem_Malloc((size_t)(2 * n + 1));
    if (!tmp || !flags) {
        PyMem_Free(tmp);
        PyMem_Free(flags);
        PyBuffer_Release(&xb);
        PyBuffer_Release(&db);
        return PyErr_NoMemory();
    }
    double *pair = tmp, *meta = tmp + n;
    unsigned char *prose = flags, *head = flags + n;
    for (Py_ssize_t k = 0; k < n; k++) {
        const double *row = x + k * N_LOCAL;
        double nt = expm1(row[COL_LOG_WORDS]);
        int ends = row[COL_ENDS] > 0;
        prose[k] = ends && nt >= 8;
        head[k] = !ends && row[COL_ENDS_COLON] == 0 && nt >= 3 && nt <= 20;
        meta[k] = (nt <= 15 && (row[COL_HAS_TIME] > 0 || dateline[k])) ? 1.0 : 0.0;
    }
    for (Py_ssize_t k = 0; k < n; k++)
        pair[k] = (k + 1 < n && ((head[k] && prose[k + 1]) || (prose[k] && head[k + 1]))) ? 1.0 : 0.0;
    window_mean(pair, 1, n, 4, x + COL_STRUCT, N_LOCAL);
    window_mean(meta, 1, n, 5, x + COL_STRUCT + 1, N_LOCAL);
    window_mean(x + COL_LEXICAL, N_LOCAL, n, 3, x + COL_STRUCT + 2, N_LOCAL);
    PyMem_Free(tmp);
    PyMem_Free(flags);
    PyBuffer_Release(&xb);
    PyBuffer_Release(&db);
    Py_RETURN_NONE;
}

/* ----------------------------------------------------------------- stages --- */

static inline double
sigmoid(double z)
{
    /* np.clip(z, -30, 30) keeping NaN, then 1 / (1 + exp(-z)) */
    if (z < -30.0)
        z = -30.0;
    else if (z > 30.0)
        z = 30.0;
    return 1.0 / (1.0 + exp(-z));
}

typedef struct {
    Py_ssize_t n;
    const double *chars;
    const Py_ssize_t *marks; /* comment-notice lines, ascending */
    Py_ssize_t n_marks;
    Py_ssize_t *run, *next_body;
    double *mass;
} ctx_work;

/* per line: prose characters of its run over those of the largest run (share), and is its run
 * the largest; a run of prose lines (p >= 0.5) ends at `gap` or more non-prose lines in a row */
static void
run_shares(const double *p, ctx_work *w, int gap, double *share, double *largest, Py_ssize_t stride)
{
    Py_ssize_t n = w->n, cur = 0, last_prose = -1;
    w->mass[0] = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (p[k] >= 0.5) {
            if (last_prose < 0 || k - last_prose > gap)
                w->mass[++cur] = 0.0;
            w->mass[cur] += w->chars[k];
            last_prose = k;
        }
        w->run[k] = cur;
    }
    double top = w->mass[0];
    Py_ssize_t arg = 0;
    for (Py_ssize_t r = 1; r <= cur; r++) {
        if (w->mass[r] > top) {
            top = w->mass[r];
            arg = r;
        }
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (top <= 0) {
            share[k * stride] = 0.0;
            if (largest)
                largest[k * stride] = 0.0;
        }
        else {
            share[k * stride] = w->mass[w->run[k]] / top;
            if (largest)
                largest[k * stride] = w->run[k] == arg ? 1.0 : 0.0;
        }
    }
}

/* the CONTEXT_FEATURES columns of ctx (n x N_CONTEXT) that depend on the scores p */
static void
context_columns(const double *p, double confident, ctx_work *w, double *ctx)
{
    Py_ssize_t n = w->n;
    const int halves[3] = {3, 1, 10}, cols[3] = {4, 12, 13};
    for (Py_ssize_t k = 0; k < n; k++) {
        double *row = ctx + k * N_CONTEXT;
        row[0] = k >= 1 ? p[k - 1] : 0.0;
        row[1] = k + 1 < n ? p[k + 1] : 0.0;
        row[2] = k >= 2 ? p[k - 2] : 0.0;
        row[3] = k + 2 < n ? p[k + 2] : 0.0;
        row[9] = p[k];
    }
    for (int h = 0; h < 3; h++)
        window_mean(p, 1, n, halves[h], ctx + cols[h], N_CONTEXT);
    run_shares(p, w, 2, ctx + 18, NULL, N_CONTEXT);
    run_shares(p, w, 4, ctx + 19, ctx + 20, N_CONTEXT);

    /* the body lines: those scoring `confident` or more, or the best-scoring ones */
    double top = p[0];
    int nan = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (p[k] != p[k])
            nan = 1;
        else if (p[k] > top || top != top)
            top = p[k];
    }
    double thr = (nan || !(top < confident)) ? confident : top; /* min(confident, max(p)), max being NaN with a NaN */
    Py_ssize_t first = -1, lastb = -1;
    double total = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (p[k] >= thr) {
            if (first < 0)
                first = k;
            lastb = k;
            total += w->chars[k];
        }
    }
    if (first < 0) { /* only when the scores are NaN */
        for (Py_ssize_t k = 0; k < n; k++) {
            double *row = ctx + k * N_CONTEXT;
            row[11] = row[14] = row[15] = row[8] = row[6] = 0.0;
            row[7] = log1p((double)n);
            row[5] = 1.0;
        }
        return;
    }
    /* distance to the nearest body line: the next one from the right, the last one from the left */
    Py_ssize_t nb = -1;
    for (Py_ssize_t k = n - 1; k >= 0; k--) {
        if (p[k] >= thr)
            nb = k;
        w->next_body[k] = nb;
    }
    Py_ssize_t after_mark = n; /* lines after the first comment notice past the first body line */
    for (Py_ssize_t j = 0; j < w->n_marks; j++) {
        if (w->marks[j] > first) {
            after_mark = w->marks[j] + 1;
            break;
        }
    }
    double denom = total > 1.0 ? total : 1.0, cum = 0.0;
    Py_ssize_t prev = -1;
    for (Py_ssize_t k = 0; k < n; k++) {
        double *row = ctx + k * N_CONTEXT;
        int body = p[k] >= thr;
        if (body)
            prev = k;
        Py_ssize_t dist = n * 4;
        if (prev >= 0)
            dist = k - prev;
        if (w->next_body[k] >= 0 && w->next_body[k] - k < dist)
            dist = w->next_body[k] - k;
        row[7] = log1p((double)dist);
        double b = body ? w->chars[k] : 0.0;
        cum += b;
        row[8] = (cum - b) / denom;
        row[5] = k < first ? 1.0 : 0.0;
        row[6] = k > lastb ? 1.0 : 0.0;
        row[11] = k >= after_mark ? 1.0 : 0.0;
        row[14] = k >= first ? log1p((double)(k - first)) : 0.0;
        row[15] = k <= lastb ? log1p((double)(lastb - k)) : 0.0;
    }
}

/* stages(xl, w1, ws, n_stages, chars, hits, comments, confident, ctx, p1, p) -> None
 * xl: n x N_LOCAL local features; w1: N_LOCAL weights; ws: n_stages x (N_LOCAL + N_CONTEXT);
 * writes the stage-one scores p1, the last stage's context features ctx and the final scores p. */
static PyObject *
k_stages(PyObject *self, PyObject *args)
{
    PyObject *xl_o, *w1_o, *ws_o, *chars_o, *hits_o, *com_o, *ctx_o, *p1_o, *p_o;
    Py_ssize_t n, stages;
    double confident;
    if (!PyArg_ParseTuple(args, "nOOOnOOOdOOO", &n, &xl_o, &w1_o, &ws_o, &stages, &chars_o, &hits_o, &com_o, &confident,
                          &ctx_o, &p1_o, &p_o))
        return NULL;
    Py_buffer bufs[9];
    PyObject *objs[9] = {xl_o, w1_o, ws_o, chars_o, hits_o, com_o, ctx_o, p1_o, p_o};
    Py_ssize_t sizes[9] = {n * N_LOCAL, N_LOCAL, stages * (N_LOCAL + N_CONTEXT), n, n, n, n * N_CONTEXT, n, n};
    const char *names[9] = {"xl", "w1", "ws", "chars", "hits", "comments", "ctx", "p1", "p"};
    int got = 0;
    for (; got < 9; got++) {
        if (get_buffer(objs[got], &bufs[got], sizes[got], got >= 6, 'd', names[got]) < 0)
            break;
    }
    PyObject *result = NULL;
    ctx_work w = {0};
    double *pcur = NULL;
    Py_ssize_t *marks = NULL;
    if (got < 9)
        goto done;
    const double *xl = bufs[0].buf, *w1 = bufs[1].buf, *ws = bufs[2].buf, *chars = bufs[3].buf, *hits = bufs[4].buf,
                 *com = bufs[5].buf;
    double *ctx = bufs[6].buf, *p1 = bufs[7].buf, *p = bufs[8].buf;
    if (n == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    w.n = n;
    w.chars = chars;
    w.run = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n);
    w.next_body = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n);
    w.mass = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    marks = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)n);
    pcur = PyMem_Malloc(sizeof(double) * (size_t)n);
    if (!w.run || !w.next_body || !w.mass || !marks || !pcur) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (com[k] > 0)
            marks[w.n_marks++] = k;
    }
    w.marks = marks;
    for (Py_ssize_t k = 0; k < n; k++) {
        const double *row = xl + k * N_LOCAL;
        double z = 0.0;
        for (int j = 0; j < N_LOCAL; j++)
            z += row[j] * w1[j];
        p1[k] = sigmoid(z);
        pcur[k] = p1[k];
    }
    /* the columns that do not depend on the scores */
    window_mean(hits, 1, n, 3, ctx + 10, N_CONTEXT);
    for (Py_ssize_t k = 0; k < n; k++) {
        ctx[k * N_CONTEXT + 16] = k >= 1 ? xl[(k - 1) * N_LOCAL + COL_LOG_WORDS] : 0.0;
        ctx[k * N_CONTEXT + 17] = k + 1 < n ? xl[(k + 1) * N_LOCAL + COL_LOG_WORDS] : 0.0;
    }
    for (Py_ssize_t s = 0; s < stages; s++) {
        const double *wl = ws + s * (N_LOCAL + N_CONTEXT), *wc = wl + N_LOCAL;
        context_columns(pcur, confident, &w, ctx);
        for (Py_ssize_t k = 0; k < n; k++) {
            const double *row = xl + k * N_LOCAL, *crow = ctx + k * N_CONTEXT;
            double z = 0.0;
            for (int j = 0; j < N_LOCAL; j++)
                z += row[j] * wl[j];
            for (int j = 0; j < N_CONTEXT; j++)
                z += crow[j] * wc[j];
            p[k] = sigmoid(z);
        }
        memcpy(pcur, p, sizeof(double) * (size_t)n);
    }
    if (stages == 0)
        memcpy(p, p1, sizeof(double) * (size_t)n);
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(w.run);
    PyMem_Free(w.next_body);
    PyMem_Free(w.mass);
    PyMem_Free(marks);
    PyMem_Free(pcur);
    for (int i = 0; i < got; i++)
        PyBuffer_Release(&bufs[i]);
    return result;
}

/* ------------------------------------------------------------- rule screen --- */

/* A line's character pairs, hashed into 4096 bits: a needed string with a pair the line does not
 * have is not in the line, which settles most of the ~40 needle tests a line meets without a search. */
typedef struct {
    PyObject *text;
    uint64_t bits[64];
} pairs;

static inline unsigned
pair_hash(Py_UCS4 a, Py_UCS4 b)
{
    return (a * 0x9E3779B1u ^ b * 0x85EBCA77u) >> 20; /* 12 bits */
}

static void
pairs_of(pairs *p, PyObject *text)
{
    p->text = text;
    memset(p->bits, 0, sizeof p->bits);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (len < 2)
        return;
    if (kind == PyUnicode_1BYTE_KIND) { /* most lines: no per-character kind switch */
        const Py_UCS1 *d = data;
        for (Py_ssize_t i = 1; i < len; i++) {
            unsigned h = pair_hash(d[i - 1], d[i]);
            p->bits[h >> 6] |= (uint64_t)1 << (h & 63);
        }
        return;
    }
    Py_UCS4 prev = PyUnicode_READ(kind, data, 0);
    for (Py_ssize_t i = 1; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        unsigned h = pair_hash(prev, c);
        p->bits[h >> 6] |= (uint64_t)1 << (h & 63);
        prev = c;
    }
}

/* `needle` in the line of `p` */
static int
pairs_contain(const pairs *p, PyObject *needle)
{
    Py_ssize_t nlen = PyUnicode_GET_LENGTH(needle);
    if (nlen >= 2) {
        int kind = PyUnicode_KIND(needle);
        const void *data = PyUnicode_DATA(needle);
        Py_UCS4 prev = PyUnicode_READ(kind, data, 0);
        for (Py_ssize_t i = 1; i < nlen; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            unsigned h = pair_hash(prev, c);
            if (!(p->bits[h >> 6] >> (h & 63) & 1))
                return 0;
            prev = c;
        }
    }
    return PyUnicode_Contains(p->text, needle);
}

/* `needle` in `text`, for the few tests made on every line: memchr / memmem when both are one
 * byte a character, else the str search */
static int
line_contains(PyObject *text, PyObject *needle)
{
    if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND && PyUnicode_KIND(needle) == PyUnicode_1BYTE_KIND) {
        size_t len = (size_t)PyUnicode_GET_LENGTH(text), nlen = (size_t)PyUnicode_GET_LENGTH(needle);
        const void *data = PyUnicode_DATA(text), *ndata = PyUnicode_DATA(needle);
        if (nlen == 1)
            return memchr(data, *(const Py_UCS1 *)ndata, len) != NULL;
        return memmem(data, len, ndata, nlen) != NULL;
    }
    return PyUnicode_Contains(text, needle);
}

/* does the line hold, for every clause of `needs` (a tuple of tuples of str), one of its strings */
static int
holds_needs(const pairs *p, PyObject *needs)
{
    Py_ssize_t nc = PyTuple_GET_SIZE(needs);
    for (Py_ssize_t c = 0; c < nc; c++) {
        PyObject *clause = PyTuple_GET_ITEM(needs, c);
        Py_ssize_t ns = PyTuple_GET_SIZE(clause);
        int found = 0;
        for (Py_ssize_t i = 0; i < ns && !found; i++) {
            int r = pairs_contain(p, PyTuple_GET_ITEM(clause, i));
            if (r < 0)
                return -1;
            found = r;
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int
contains_any(const pairs *p, PyObject *needles)
{
    Py_ssize_t n = PyTuple_GET_SIZE(needles);
    for (Py_ssize_t i = 0; i < n; i++) {
        int r = pairs_contain(p, PyTuple_GET_ITEM(needles, i));
        if (r != 0)
            return r;
    }
    return 0;
}

static int
check_strings(PyObject *t, const char *name)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(t, i))) {
            PyErr_Format(PyExc_TypeError, "%s must be a tuple of str", name);
            return -1;
        }
    }
    return 0;
}

static int
check_needs_table(PyObject *t, const char *name)
{
    if (!PyTuple_Check(t)) {
        PyErr_Format(PyExc_TypeError, "%s must be a tuple", name);
        return -1;
    }
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(t); j++) {
        PyObject *needs = PyTuple_GET_ITEM(t, j);
        if (!PyTuple_Check(needs))
            goto bad;
        for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(needs); c++) {
            PyObject *clause = PyTuple_GET_ITEM(needs, c);
            if (!PyTuple_Check(clause))
                goto bad;
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(clause); i++) {
                if (!PyUnicode_Check(PyTuple_GET_ITEM(clause, i)))
                    goto bad;
            }
        }
    }
    return 0;
bad:
    PyErr_Format(PyExc_TypeError, "%s must hold tuples of tuples of str", name);
    return -1;
}

/* what the rule screen found on a line (the bits of rule_screen's masks; boilerplate.py names them) */
#define SCREEN_BULLET 1 /* a leading bullet: the rules read the line without it (run them all) */
#define SCREEN_OWN 2    /* a pre-check of the line's own rules (template, icon sprite, credit, date) */
#define SCREEN_WHOLE 4  /* a whole-line phrase may match */
#define SCREEN_PHRASE 8 /* phrases whose needed strings the line holds (their numbers are returned) */
#define SCREEN_AT 16    /* the contact rule's character */

static int
cmp_ssize(const void *a, const void *b)
{
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

static PyObject *
ssize_tuple(const Py_ssize_t *v, Py_ssize_t n)
{
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t != NULL && i < n; i++) {
        PyObject *x = PyLong_FromSsize_t(v[i]);
        if (x == NULL) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

/* rule_screen(lines, lows, tokens, spec) -> (masks, phrases)
 * masks: bytes, per line the SCREEN_* bits of what may fire on it (0: no rule can, and its verdict
 * is no reason and no phrase share); phrases: {line: (inner, symbol)}, for the lines with
 * SCREEN_PHRASE, the numbers (ascending) of the inner and the symbol-led phrase patterns whose
 * needed strings the line holds: the only ones that can match it. `spec` is the tuple
 * boilerplate._screen_spec() builds from the rules' own pre-checks and the phrase tables:
 * (own_line_needles, own_low_needles, contact, lead_chars, slash_max, digit_max, whole_max, whole_first,
 *  whole_other_needs, symbol_chars, symbol_needs, by_word, inner_needs). */
static PyObject *
k_rule_screen(PyObject *self, PyObject *args)
{
    PyObject *lines, *lows, *tokens, *spec;
    if (!PyArg_ParseTuple(args, "O!OOO!", &PyList_Type, &lines, &lows, &tokens, &PyTuple_Type, &spec))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (check_list(lows, n, "lows") < 0 || check_list(tokens, n, "tokens") < 0)
        return NULL;
    PyObject *line_needles, *low_needles, *contact, *lead_chars, *whole_first, *whole_other, *symbol_chars, *symbol_needs,
        *by_word, *inner_needs;
    Py_ssize_t slash_max, digit_max, whole_max;
    if (!PyArg_ParseTuple(spec, "O!O!UUnnnOO!UO!O!O!;spec", &PyTuple_Type, &line_needles, &PyTuple_Type, &low_needles,
                          &contact, &lead_chars, &slash_max, &digit_max, &whole_max, &whole_first, &PyTuple_Type,
                          &whole_other, &symbol_chars, &PyTuple_Type, &symbol_needs, &PyDict_Type, &by_word, &PyTuple_Type,
                          &inner_needs))
        return NULL;
    if (!PyAnySet_Check(whole_first)) {
        PyErr_SetString(PyExc_TypeError, "spec: whole_first must be a set");
        return NULL;
    }
    if (check_needs_table(whole_other, "whole_other_needs") < 0 || check_needs_table(symbol_needs, "symbol_needs") < 0 ||
        check_needs_table(inner_needs, "inner_needs") < 0 || check_strings(line_needles, "own_line_needles") < 0 ||
        check_strings(low_needles, "own_low_needles") < 0)
        return NULL;
    Py_ssize_t n_inner = PyTuple_GET_SIZE(inner_needs), n_symbol = PyTuple_GET_SIZE(symbol_needs);
    PyObject *masks = PyBytes_FromStringAndSize(NULL, n), *phrases = PyDict_New();
    Py_ssize_t *stamp = PyMem_Calloc((size_t)(n_inner + 1), sizeof(Py_ssize_t)); /* line + 1 that last checked a pattern */
    Py_ssize_t *inner_hits = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n_inner + 1));
    Py_ssize_t *symbol_hits = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n_symbol + 1));
    PyObject *underscore = PyUnicode_FromString("_"), *slash = PyUnicode_FromString("/");
    if (!masks || !phrases || !underscore || !slash)
        goto error;
    if (!stamp || !inner_hits || !symbol_hits) {
        PyErr_NoMemory();
        goto error;
    }
    char *flags = PyBytes_AS_STRING(masks);
    int lk = PyUnicode_KIND(lead_chars), sk = PyUnicode_KIND(symbol_chars);
    const void *ld = PyUnicode_DATA(lead_chars), *sd = PyUnicode_DATA(symbol_chars);
    Py_ssize_t nlead = PyUnicode_GET_LENGTH(lead_chars), nsym = PyUnicode_GET_LENGTH(symbol_chars);
    pairs pl;
    unsigned char sym_latin1[256] = {0}; /* the symbol-led phrases' first characters, below U+0100 */
    int sym_wide = 0;                      /* ... and is there one above it */
    for (Py_ssize_t j = 0; j < nsym; j++) {
        Py_UCS4 c = PyUnicode_READ(sk, sd, j);
        if (c < 256)
            sym_latin1[c] = 1;
        else
            sym_wide = 1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(lines, k), *low = PyList_GET_ITEM(lows, k), *toks = PyList_GET_ITEM(tokens, k);
        if (!PyUnicode_Check(s) || !PyUnicode_Check(low) || !PyList_Check(toks)) {
            PyErr_Format(PyExc_TypeError, "line %zd: lines and lows must hold str, tokens lists", k);
            goto error;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(s), lowlen = PyUnicode_GET_LENGTH(low);
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        int mask = 0, r = 0;
        flags[k] = 0;
        if (len == 0)
            continue;
        /* a leading bullet: the rules read the line without it, so every rule is run */
        Py_UCS4 c0 = PyUnicode_READ(kind, data, 0);
        for (Py_ssize_t i = 0; i < nlead; i++) {
            if (PyUnicode_READ(lk, ld, i) == c0) {
                mask = SCREEN_BULLET;
                break;
            }
        }
        if (mask) {
            flags[k] = (char)mask;
            continue;
        }
        /* the line's own rules: their pre-checks */
        for (Py_ssize_t i = 0; !r && i < PyTuple_GET_SIZE(line_needles); i++)
            r = line_contains(s, PyTuple_GET_ITEM(line_needles, i));
        pairs_of(&pl, low);
        if (!r)
            r = contains_any(&pl, low_needles);
        if (!r && len < slash_max)
            r = line_contains(s, slash);
        if (!r && len < digit_max) {
            if (kind == PyUnicode_1BYTE_KIND) { /* no decimal digit in Latin-1 but 0-9 */
                const Py_UCS1 *d = data;
                for (Py_ssize_t i = 0; i < len && !r; i++)
                    r = d[i] >= '0' && d[i] <= '9';
            }
            else {
                for (Py_ssize_t i = 0; i < len && !r; i++)
                    r = Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i));
            }
        }
        if (r < 0)
            goto error;
        if (r)
            mask |= SCREEN_OWN;
        if ((r = line_contains(s, contact)) < 0)
            goto error;
        if (r)
            mask |= SCREEN_AT;
        /* whole-line phrases */
        if (lowlen < whole_max) {
            r = 0;
            if (PyList_GET_SIZE(toks))
                r = PySet_Contains(whole_first, PyList_GET_ITEM(toks, 0));
            if (!r)
                r = line_contains(low, underscore);
            for (Py_ssize_t j = 0; !r && j < PyTuple_GET_SIZE(whole_other); j++)
                r = holds_needs(&pl, PyTuple_GET_ITEM(whole_other, j));
            if (r < 0)
                goto error;
            if (r)
                mask |= SCREEN_WHOLE;
        }
        /* symbol-led phrases: a character they start with, and their needed strings */
        Py_ssize_t n_sym_hits = 0, n_inner_hits = 0;
        int sym = 0;
        int lowkind = PyUnicode_KIND(low);
        const void *lowdata = PyUnicode_DATA(low);
        if (lowkind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *d = lowdata;
            for (Py_ssize_t i = 0; i < lowlen && !sym; i++)
                sym = sym_latin1[d[i]];
        }
        else {
            for (Py_ssize_t i = 0; i < lowlen && !sym; i++) {
                Py_UCS4 c = PyUnicode_READ(lowkind, lowdata, i);
                if (c < 256)
                    sym = sym_latin1[c];
                else if (sym_wide) {
                    for (Py_ssize_t j = 0; j < nsym && !sym; j++)
                        sym = PyUnicode_READ(sk, sd, j) == c;
                }
            }
        }
        for (Py_ssize_t j = 0; sym && j < n_symbol; j++) {
            if ((r = holds_needs(&pl, PyTuple_GET_ITEM(symbol_needs, j))) < 0)
                goto error;
            if (r)
                symbol_hits[n_sym_hits++] = j;
        }
        /* phrases found inside a line: the patterns indexed by the line's words, and their needed strings */
        for (Py_ssize_t t = 0; t < PyList_GET_SIZE(toks); t++) {
            PyObject *cands = PyDict_GetItemWithError(by_word, PyList_GET_ITEM(toks, t));
            if (cands == NULL) {
                if (PyErr_Occurred())
                    goto error;
                continue;
            }
            if (!PyTuple_Check(cands)) {
                PyErr_SetString(PyExc_TypeError, "spec: by_word must map words to tuples of pattern numbers");
                goto error;
            }
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(cands); i++) {
                Py_ssize_t j = PyLong_AsSsize_t(PyTuple_GET_ITEM(cands, i));
                if (j < 0 || j >= n_inner) {
                    if (!PyErr_Occurred())
                        PyErr_Format(PyExc_IndexError, "spec: pattern number %zd out of range", j);
                    goto error;
                }
                if (stamp[j] == k + 1)
                    continue;
                stamp[j] = k + 1;
                if ((r = holds_needs(&pl, PyTuple_GET_ITEM(inner_needs, j))) < 0)
                    goto error;
                if (r)
                    inner_hits[n_inner_hits++] = j;
            }
        }
        if (n_inner_hits || n_sym_hits) {
            mask |= SCREEN_PHRASE;
            if (n_inner_hits > 1)
                qsort(inner_hits, (size_t)n_inner_hits, sizeof(Py_ssize_t), cmp_ssize);
            PyObject *key = PyLong_FromSsize_t(k), *a = ssize_tuple(inner_hits, n_inner_hits),
                     *b = ssize_tuple(symbol_hits, n_sym_hits);
            PyObject *pair = (a && b) ? PyTuple_Pack(2, a, b) : NULL;
            int bad = key == NULL || pair == NULL || PyDict_SetItem(phrases, key, pair) < 0;
            Py_XDECREF(key);
            Py_XDECREF(a);
            Py_XDECREF(b);
            Py_XDECREF(pair);
            if (bad)
                goto error;
        }
        flags[k] = (char)mask;
    }
    Py_DECREF(underscore);
    Py_DECREF(slash);
    PyMem_Free(stamp);
    PyMem_Free(inner_hits);
    PyMem_Free(symbol_hits);
    PyObject *result = PyTuple_Pack(2, masks, phrases);
    Py_DECREF(masks);
    Py_DECREF(phrases);
    return result;
error:
    Py_XDECREF(underscore);
    Py_XDECREF(slash);
    PyMem_Free(stamp);
    PyMem_Free(inner_hits);
    PyMem_Free(symbol_hits);
    Py_XDECREF(masks);
    Py_XDECREF(phrases);
    return NULL;
}

/* ---------------------------------------------------------------- tokenize --- */

/* tokenize(lows) -> list of lists of str: the \w+ runs of each line, as re.findall(r"\w+", line)
 * gives them (a \w character: str.isalnum() or "_") */
static PyObject *
k_tokenize(PyObject *self, PyObject *args)
{
    PyObject *lows;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &lows))
        return NULL;
    static unsigned char word1[256];
    static int ready = 0;
    if (!ready) {
        for (int c = 0; c < 256; c++)
            word1[c] = Py_UNICODE_ISALNUM(c) || c == '_';
        ready = 1;
    }
    Py_ssize_t n = PyList_GET_SIZE(lows);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *low = PyList_GET_ITEM(lows, k);
        if (!PyUnicode_Check(low)) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", k);
            goto error;
        }
        PyObject *toks = PyList_New(0);
        if (toks == NULL)
            goto error;
        PyList_SET_ITEM(out, k, toks);
        Py_ssize_t len = PyUnicode_GET_LENGTH(low), start = -1;
        int kind = PyUnicode_KIND(low);
        const void *data = PyUnicode_DATA(low);
        for (Py_ssize_t i = 0; i <= len; i++) {
            int w = 0;
            if (i < len) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                w = c < 256 ? word1[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
            }
            if (w && start < 0)
                start = i;
            else if (!w && start >= 0) {
                PyObject *tok = PyUnicode_Substring(low, start, i);
                if (tok == NULL || PyList_Append(toks, tok) < 0) {
                    Py_XDECREF(tok);
                    goto error;
                }
                Py_DECREF(tok);
                start = -1;
            }
        }
    }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

/* --------------------------------------------------------------- best span --- */

/* best_span(values, lo, hi) -> (a, b): boilerplate._best_span of values[lo:hi] (a float64 array),
 * the contiguous span with the largest sum by Kadane's scan, in the same additions and comparisons
 * (so the same span, ties and NaN included); positions count from lo, (0, -1) when there is none */
static PyObject *
k_best_span(PyObject *self, PyObject *args)
{
    PyObject *obj;
    Py_ssize_t lo, hi;
    if (!PyArg_ParseTuple(args, "Onn", &obj, &lo, &hi))
        return NULL;
    Py_buffer vb;
    if (get_buffer(obj, &vb, 0, 0, 'd', "values") < 0)
        return NULL;
    Py_ssize_t n = vb.len / 8;
    if (lo < 0 || hi > n || lo > hi) {
        PyBuffer_Release(&vb);
        return PyErr_Format(PyExc_IndexError, "span %zd:%zd out of 0:%zd", lo, hi, n);
    }
    const double *x = vb.buf;
    double best = -INFINITY, cur = 0.0;
    Py_ssize_t start = 0, a = 0, b = -1;
    for (Py_ssize_t i = lo; i < hi; i++) {
        if (cur <= 0) {
            cur = x[i];
            start = i - lo;
        }
        else
            cur += x[i];
        if (cur > best) {
            best = cur;
            a = start;
            b = i - lo;
        }
    }
    PyBuffer_Release(&vb);
    return Py_BuildValue("(nn)", a, b);
}

/* ----------------------------------------------------------------- module --- */

static PyMethodDef methods[] = {
    {"local_features", k_local_features, METH_VARARGS, "Columns 0 ... 33 of linescore.local_features, in place."},
    {"structure", k_structure, METH_VARARGS, "linescore.structure_features, into columns 34 ... 36 of x, in place."},
    {"stages", k_stages, METH_VARARGS, "Stage-one scores, the stacked context stages and the final scores."},
    {"best_span", k_best_span, METH_VARARGS, "boilerplate._best_span of values[lo:hi], for a float64 array."},
    {"tokenize", k_tokenize, METH_VARARGS, "The \\w+ tokens of each line (re.findall), for a list of lines."},
    {"rule_screen", k_rule_screen, METH_VARARGS, "Per line: which rules of boilerplate._rule_evidence may fire on it, and the phrase patterns that can match it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cleaners._linekernels",
                                    "Compiled per-line kernels of cleaners.linescore.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC
PyInit__linekernels(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    str_phrase = PyUnicode_InternFromString("phrase");
    /* the column layout this was built for; linescore uses the kernels only when it matches */
    PyObject *layout = Py_BuildValue("(iiiiiiii)", N_LOCAL, N_CONTEXT, COL_LOG_WORDS, COL_ENDS, COL_ENDS_COLON, COL_HAS_TIME,
                                     COL_LEXICAL, COL_STRUCT);
    if (str_phrase == NULL || layout == NULL || PyModule_AddObject(m, "LAYOUT", layout) < 0) {
        Py_XDECREF(layout);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
