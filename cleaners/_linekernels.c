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
#include <ctype.h>

/* the column layout of LOCAL_FEATURES / CONTEXT_FEATURES (exported as LAYOUT; linescore.py
 * compares it with its own tuples at import) */
#define N_LOCAL 37
#define N_CONTEXT 21
#define COL_LOG_WORDS 1
#define COL_ENDS 3
#define COL_ENDS_COLON 4
#define COL_REPEAT 17
#define COL_REL_POS 18
#define COL_DUPLICATED 30
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

/* -------------------------------------------------------------- word tables --- */

/* The words the kernels look up (stop words and lexicon weights; the phrase tables' word index and
 * the first words of whole-line phrases), in an open-addressing table keyed by a hash of the
 * word's code points. A line's \w+ tokens are found and looked up here as its characters are read,
 * without making a str of each one: Python's str hash and dict look-up of fresh token objects were
 * most of the per-line work. Built once per table of words (word_table), held in a capsule. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define WT_WHOLE_FIRST 1

typedef struct {
    uint64_t hash;
    Py_ssize_t key;  /* offset of the word's code points in keys */
    Py_ssize_t len;  /* characters; -1: an empty slot */
    double re, im;   /* the code (complex) of the word, 0 when it has none */
    Py_ssize_t cand; /* offset of its pattern numbers in cands */
    Py_ssize_t ncand;
    int flags;
} wt_entry;

typedef struct {
    size_t mask; /* slots - 1 */
    wt_entry *slots;
    Py_UCS4 *keys;
    Py_ssize_t nkeys, capkeys;
    Py_ssize_t *cands;
    Py_ssize_t ncands, capcands;
} word_table;

static const char *WT_CAPSULE = "cleaners._linekernels.word_table";

static unsigned char word1[256];  /* \w: str.isalnum() or "_", below U+0100 */
static unsigned char digit1[256]; /* str.isdigit(), below U+0100 */

static inline int
is_word_char(Py_UCS4 c)
{
    return c < 256 ? word1[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
}

static inline int
is_digit_char(Py_UCS4 c)
{
    return c < 256 ? digit1[c] : Py_UNICODE_ISDIGIT(c);
}

static inline size_t
wt_slot(uint64_t h, size_t mask)
{
    return (size_t)(h ^ (h >> 29)) & mask;
}

/* the next \w+ run of data[*pos ...] (as re.findall(r"\w+") finds them): its start, end (*pos),
 * the hash of its code points and whether every character is a digit (str.isdigit); one loop per
 * character width */
#define NEXT_TOKEN(T)                                                                                         \
    do {                                                                                                      \
        const T *d = (const T *)data;                                                                         \
        while (i < len && !is_word_char(d[i]))                                                                \
            i++;                                                                                              \
        if (i >= len)                                                                                         \
            break;                                                                                            \
        *start = i;                                                                                           \
        found = 1;                                                                                            \
        for (; i < len; i++) {                                                                                \
            Py_UCS4 c = d[i];                                                                                 \
            if (!is_word_char(c))                                                                             \
                break;                                                                                        \
            h = (h ^ c) * FNV_PRIME;                                                                          \
            dg &= is_digit_char(c);                                                                           \
        }                                                                                                     \
    } while (0)

static inline int
next_token(int kind, const void *data, Py_ssize_t len, Py_ssize_t *pos, Py_ssize_t *start, uint64_t *hash, int *digit)
{
    Py_ssize_t i = *pos;
    uint64_t h = FNV_OFFSET;
    int dg = 1, found = 0;
    if (kind == PyUnicode_1BYTE_KIND)
        NEXT_TOKEN(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        NEXT_TOKEN(Py_UCS2);
    else
        NEXT_TOKEN(Py_UCS4);
    *pos = i;
    *hash = h;
    *digit = dg;
    return found;
}

/* the entry of the word data[start ... start + len) (hash h), or NULL */
static inline const wt_entry *
wt_find(const word_table *t, uint64_t h, int kind, const void *data, Py_ssize_t start, Py_ssize_t len)
{
    size_t i = wt_slot(h, t->mask);
    for (;;) {
        const wt_entry *e = &t->slots[i];
        if (e->len < 0)
            return NULL;
        if (e->hash == h && e->len == len) {
            const Py_UCS4 *k = t->keys + e->key;
            Py_ssize_t j = 0;
            while (j < len && k[j] == PyUnicode_READ(kind, data, start + j))
                j++;
            if (j == len)
                return e;
        }
        i = (i + 1) & t->mask;
    }
}

static void
wt_free(word_table *t)
{
    if (t == NULL)
        return;
    PyMem_Free(t->slots);
    PyMem_Free(t->keys);
    PyMem_Free(t->cands);
    PyMem_Free(t);
}

static void
wt_capsule_free(PyObject *cap)
{
    wt_free(PyCapsule_GetPointer(cap, WT_CAPSULE));
}

/* the entry of `word` (a str), added when it is not there yet; NULL with an exception set */
static wt_entry *
wt_entry_of(word_table *t, PyObject *word, const char *name)
{
    if (!PyUnicode_Check(word)) {
        PyErr_Format(PyExc_TypeError, "word_table: %s must have str keys", name);
        return NULL;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < len; i++)
        h = (h ^ PyUnicode_READ(kind, data, i)) * FNV_PRIME;
    const wt_entry *found = wt_find(t, h, kind, data, 0, len);
    if (found != NULL)
        return (wt_entry *)found;
    size_t i = wt_slot(h, t->mask);
    while (t->slots[i].len >= 0)
        i = (i + 1) & t->mask;
    if (t->nkeys + len > t->capkeys) {
        Py_ssize_t cap = 2 * (t->capkeys + len) + 64;
        Py_UCS4 *keys = PyMem_Realloc(t->keys, sizeof(Py_UCS4) * (size_t)cap);
        if (keys == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        t->keys = keys;
        t->capkeys = cap;
    }
    for (Py_ssize_t j = 0; j < len; j++)
        t->keys[t->nkeys + j] = PyUnicode_READ(kind, data, j);
    wt_entry *e = &t->slots[i];
    e->hash = h;
    e->key = t->nkeys;
    e->len = len;
    t->nkeys += len;
    return e;
}

/* word_table(codes, by_word, whole_first) -> capsule: any of them may be None.
 * codes: {word: complex} (stop word and lexicon weight, linescore._token_codes);
 * by_word: {word: tuple of pattern numbers} (the phrase tables' word index);
 * whole_first: a set of words (the first words of whole-line phrases). */
static PyObject *
k_word_table(PyObject *self, PyObject *args)
{
    PyObject *codes, *by_word, *whole_first;
    if (!PyArg_ParseTuple(args, "OOO", &codes, &by_word, &whole_first))
        return NULL;
    if ((codes != Py_None && !PyDict_Check(codes)) || (by_word != Py_None && !PyDict_Check(by_word)) ||
        (whole_first != Py_None && !PyAnySet_Check(whole_first))) {
        PyErr_SetString(PyExc_TypeError, "word_table(codes: dict | None, by_word: dict | None, whole_first: set | None)");
        return NULL;
    }
    Py_ssize_t n = (codes != Py_None ? PyDict_GET_SIZE(codes) : 0) + (by_word != Py_None ? PyDict_GET_SIZE(by_word) : 0) +
                   (whole_first != Py_None ? PySet_GET_SIZE(whole_first) : 0);
    size_t slots = 16;
    while (slots < 2 * (size_t)n + 1)
        slots <<= 1;
    word_table *t = PyMem_Calloc(1, sizeof(word_table));
    if (t == NULL)
        return PyErr_NoMemory();
    t->mask = slots - 1;
    t->slots = PyMem_Malloc(sizeof(wt_entry) * slots);
    if (t->slots == NULL) {
        wt_free(t);
        return PyErr_NoMemory();
    }
    for (size_t i = 0; i < slots; i++) {
        wt_entry *e = &t->slots[i];
        memset(e, 0, sizeof *e);
        e->len = -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (codes != Py_None && PyDict_Next(codes, &pos, &key, &value)) {
        wt_entry *e = wt_entry_of(t, key, "codes");
        if (e == NULL)
            goto error;
        Py_complex z = PyComplex_AsCComplex(value);
        if (z.real == -1.0 && PyErr_Occurred())
            goto error;
        e->re = z.real;
        e->im = z.imag;
    }
    pos = 0;
    while (by_word != Py_None && PyDict_Next(by_word, &pos, &key, &value)) {
        wt_entry *e = wt_entry_of(t, key, "by_word");
        if (e == NULL)
            goto error;
        if (!PyTuple_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "word_table: by_word must map words to tuples of pattern numbers");
            goto error;
        }
        Py_ssize_t m = PyTuple_GET_SIZE(value);
        if (t->ncands + m > t->capcands) {
            Py_ssize_t cap = 2 * (t->capcands + m) + 64;
            Py_ssize_t *cands = PyMem_Realloc(t->cands, sizeof(Py_ssize_t) * (size_t)cap);
            if (cands == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            t->cands = cands;
            t->capcands = cap;
        }
        e->cand = t->ncands;
        e->ncand = m;
        for (Py_ssize_t i = 0; i < m; i++) {
            Py_ssize_t j = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, i));
            if (j < 0) {
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_ValueError, "word_table: pattern number %zd is negative", j);
                goto error;
            }
            t->cands[t->ncands++] = j;
        }
    }
    if (whole_first != Py_None) {
        PyObject *it = PyObject_GetIter(whole_first);
        if (it == NULL)
            goto error;
        while ((key = PyIter_Next(it)) != NULL) {
            wt_entry *e = wt_entry_of(t, key, "whole_first");
            Py_DECREF(key);
            if (e == NULL) {
                Py_DECREF(it);
                goto error;
            }
            e->flags |= WT_WHOLE_FIRST;
        }
        Py_DECREF(it);
        if (PyErr_Occurred())
            goto error;
    }
    PyObject *cap = PyCapsule_New(t, WT_CAPSULE, wt_capsule_free);
    if (cap == NULL)
        wt_free(t);
    return cap;
error:
    wt_free(t);
    return NULL;
}

/* the table a capsule made by `maker` (word_table or needs_table) holds; NULL with an exception set */
static void *
capsule_of(PyObject *obj, const char *capsule, const char *maker, const char *name)
{
    if (!PyCapsule_IsValid(obj, capsule)) {
        PyErr_Format(PyExc_TypeError, "%s must be a %s()", name, maker);
        return NULL;
    }
    return PyCapsule_GetPointer(obj, capsule);
}

/* ------------------------------------------------------------ local features --- */

#define N_LOG1P 4096
static double log1p_table[N_LOG1P]; /* log1p(i), by log1p itself: the same numbers */

/* log1p of a whole number (a count, a distance) */
static inline double
log1p_count(double x)
{
    return x >= 0 && x < N_LOG1P && x == (double)(Py_ssize_t)x ? log1p_table[(Py_ssize_t)x] : log1p(x);
}

static inline int
is_ascii_digit(Py_UCS4 c)
{
    return c >= '0' && c <= '9';
}

/* `needle` (n bytes) in the one-byte characters d[0 ... len): memchr for its first byte, then the rest
 * (the needles are a few characters: no set-up, unlike memmem) */
static inline int
find_bytes(const Py_UCS1 *d, Py_ssize_t len, const char *needle, Py_ssize_t n)
{
    if (n == 0)
        return 1;
    if (len < n)
        return 0;
    const Py_UCS1 *end = d + len - n + 1, *at = d;
    while (at < end && (at = memchr(at, (unsigned char)needle[0], (size_t)(end - at))) != NULL) {
        if (memcmp(at + 1, needle + 1, (size_t)(n - 1)) == 0)
            return 1;
        at++;
    }
    return 0;
}

/* does the lower-cased line hold "http", "www." or "@" */
static int
url_like(PyObject *low)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(low);
    int kind = PyUnicode_KIND(low);
    const void *data = PyUnicode_DATA(low);
    if (kind == PyUnicode_1BYTE_KIND) /* most lines */
        return memchr(data, '@', (size_t)len) != NULL || find_bytes(data, len, "http", 4) || find_bytes(data, len, "www.", 4);
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
 * times and question marks. The character before a line is a line break: not a word character.
 * The counts add up in two registers of three 21-bit fields (categories 1-3 and 4-6; category 0,
 * most characters, adds nothing), read out every CHUNK characters: a count in memory, bumped per
 * character, would make each character wait for the store of the one before. */
#define CHUNK ((Py_ssize_t)1 << 20)
static const uint64_t cat_lo[8] = {0, 1, (uint64_t)1 << 21, (uint64_t)1 << 42, 0, 0, 0, 0};
static const uint64_t cat_hi[8] = {0, 0, 0, 0, 1, (uint64_t)1 << 21, (uint64_t)1 << 42, 0};
#define FIELD(x, f) ((long)(((x) >> (21 * (f))) & (((uint64_t)1 << 21) - 1)))
#define SCAN_CHARS(T)                                                                                         \
    do {                                                                                                      \
        const T *d = (const T *)data;                                                                         \
        int prev_word = 0;                                                                                    \
        for (Py_ssize_t base = 0; base < len; base += CHUNK) {                                                \
            Py_ssize_t stop = len - base < CHUNK ? len : base + CHUNK;                                        \
            uint64_t lo = 0, hi = 0;                                                                          \
            for (Py_ssize_t i = base; i < stop; i++) {                                                        \
                Py_UCS4 c = d[i];                                                                             \
                unsigned t = table[c > 0xFFFF ? 0xFFFF : c];                                                  \
                unsigned cat = t & 7;                                                                         \
                if ((t & LK_UPPER_BIT) && !prev_word)                                                         \
                    cat = CAT_CAPS; /* an upper-case letter that starts a word */                             \
                else if (cat == CAT_BREAK) {                                                                  \
                    /* ".", "?" and "!" end a sentence only before a space; "。" always */                  \
                    Py_UCS4 next = i + 1 < len ? d[i + 1] : '\n';                                            \
                    if (!(next == ' ' || c == 0x3002))                                                        \
                        cat = 0;                                                                              \
                }                                                                                             \
                lo += cat_lo[cat];                                                                            \
                hi += cat_hi[cat];                                                                            \
                prev_word = (t & LK_WORD_BIT) != 0;                                                           \
                if (c == '?' || c == 0xFF1F)                                                                  \
                    question++;                                                                               \
                else if (c == ':' && i >= 1 && i + 2 < len && is_ascii_digit(d[i - 1]) &&                     \
                         is_ascii_digit(d[i + 1]) && is_ascii_digit(d[i + 2]))                                \
                    clock++;                                                                                  \
            }                                                                                                 \
            for (int f = 0; f < 3; f++) {                                                                     \
                cnt[1 + f] += FIELD(lo, f);                                                                   \
                cnt[4 + f] += FIELD(hi, f);                                                                   \
            }                                                                                                 \
        }                                                                                                     \
    } while (0)

/* local_features(lines, lows, codes, reasons, repeats, phrase_share, duplicated,
 *                packed_table, end_table, has_lexicon, lexicon_power, out)
 * codes: a word_table of linescore._token_codes (the lines' tokens are read from lows here).
 * Fills columns 0 ... COL_STRUCT-1 of out (n x N_LOCAL); see linescore.local_features. */
static PyObject *
k_local_features(PyObject *self, PyObject *args)
{
    PyObject *lines, *lows, *words_o, *reasons, *repeats, *shares, *dups, *table_o, *end_o, *out_o;
    int has_lex;
    double power;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOpdO", &lines, &lows, &words_o, &reasons, &repeats, &shares, &dups, &table_o,
                          &end_o, &has_lex, &power, &out_o))
        return NULL;
    const word_table *words = capsule_of(words_o, WT_CAPSULE, "word_table", "codes");
    if (words == NULL)
        return NULL;
    if (!PyList_Check(lines)) {
        PyErr_SetString(PyExc_TypeError, "lines must be a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (check_list(lows, n, "lows") < 0 || check_list(reasons, n, "reasons") < 0 ||
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

    /* running sums over every token of the document, line after line: a line's stop-word
     * count and lexicon sum are differences of them (as linescore._line_sums) */
    double run_re = 0.0, run_im = 0.0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(lines, k);
        PyObject *low = PyList_GET_ITEM(lows, k);
        if (!PyUnicode_Check(s) || !PyUnicode_Check(low)) {
            PyErr_Format(PyExc_TypeError, "line %zd: lines and lows must hold str", k);
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
        /* tokens (the \w+ runs of the lower-cased line): stop words and lexicon weights (complex
         * codes; a word without one adds zeros, as the numpy path's running sum does), number tokens */
        Py_ssize_t ntok = 0, lowlen = PyUnicode_GET_LENGTH(low), pos = 0, start;
        int lowkind = PyUnicode_KIND(low), dg;
        const void *lowdata = PyUnicode_DATA(low);
        uint64_t h;
        double re0 = run_re, im0 = run_im;
        long digits = 0;
        while (next_token(lowkind, lowdata, lowlen, &pos, &start, &h, &dg)) {
            const wt_entry *e = wt_find(words, h, lowkind, lowdata, start, pos - start);
            ntok++;
            digits += dg;
            if (e != NULL) {
                run_re += e->re;
                run_im += e->im;
            }
            else {
                run_re += 0.0;
                run_im += 0.0;
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
        double lw = log1p_count(nt);
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
        x[2] = log1p_count(chars);
        x[3] = endf;
        x[4] = colon;
        x[5] = stop_share;
        x[6] = cap_share;
        x[7] = (double)digits / nw;
        x[8] = log1p_count((double)cnt[CAT_BREAK]);
        x[9] = (double)cnt[CAT_COMMA] / nw;
        x[10] = (double)cnt[CAT_SEP] / nw;
        x[11] = lower_start;
        x[12] = nt <= 3;
        x[13] = (nt >= 3) && (caps >= nt - 1) && !endb && !colon;
        x[14] = cjk / chars;
        x[15] = rule;
        x[16] = phrase;
        x[COL_REPEAT] = rep;
        x[COL_REL_POS] = (double)k / (double)n;
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
        x[COL_DUPLICATED] = dup;
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
 * sum of x * (1 / (2 * half + 1)), which is what linescore._window_mean's kernel gives. Away from the
 * ends four outputs are summed side by side, each in the order it is alone: their additions are
 * independent, so they overlap instead of each waiting for the one before. */
static void
window_mean(const double *x, Py_ssize_t xstride, Py_ssize_t n, int half, double *out, Py_ssize_t ostride)
{
    double w = 1.0 / (double)(2 * half + 1);
    Py_ssize_t k = 0;
    while (k < n) {
        if (k - half >= 0 && k + 3 + half < n) { /* four whole windows */
            const double *a = x + (k - half) * xstride;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
            for (int t = 0; t <= 2 * half; t++) {
                const double *q = a + t * xstride;
                s0 += q[0] * w;
                s1 += q[xstride] * w;
                s2 += q[2 * xstride] * w;
                s3 += q[3 * xstride] * w;
            }
            out[k * ostride] = s0;
            out[(k + 1) * ostride] = s1;
            out[(k + 2) * ostride] = s2;
            out[(k + 3) * ostride] = s3;
            k += 4;
            continue;
        }
        double s = 0.0;
        Py_ssize_t lo = k - half < 0 ? 0 : k - half, hi = k + half >= n ? n - 1 : k + half;
        for (Py_ssize_t j = lo; j <= hi; j++)
            s += x[j * xstride] * w;
        out[k * ostride] = s;
        k++;
    }
}

/* z[k] += x[k, 0] * w[0] + ... + x[k, m - 1] * w[m - 1] (added in that order, onto z[k]) for the n rows
 * of x (row stride `stride`), four rows side by side: the same additions as one row at a time. */
static void
dot_add(const double *x, Py_ssize_t stride, Py_ssize_t n, const double *w, int m, double *z)
{
    Py_ssize_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const double *r0 = x + k * stride, *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
        double z0 = z[k], z1 = z[k + 1], z2 = z[k + 2], z3 = z[k + 3];
        for (int j = 0; j < m; j++) {
            double wj = w[j];
            z0 += r0[j] * wj;
            z1 += r1[j] * wj;
            z2 += r2[j] * wj;
            z3 += r3[j] * wj;
        }
        z[k] = z0;
        z[k + 1] = z1;
        z[k + 2] = z2;
        z[k + 3] = z3;
    }
    for (; k < n; k++) {
        const double *r = x + k * stride;
        double zk = z[k];
        for (int j = 0; j < m; j++)
            zk += r[j] * w[j];
        z[k] = zk;
    }
}

/* structure(x, reasons, n) -> None: the STRUCTURE_FEATURES columns of x (n x N_LOCAL), in place,
 * from its other columns; reasons: the lines' rule reasons (str or None; is it "dateline-only") */
static PyObject *
k_structure(PyObject *self, PyObject *args)
{
    PyObject *x_o, *reasons;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OOn", &x_o, &reasons, &n))
        return NULL;
    if (check_list(reasons, n, "reasons") < 0)
        return NULL;
    Py_buffer xb;
    if (get_buffer(x_o, &xb, n * N_LOCAL, 1, 'd', "x") < 0)
        return NULL;
    double *x = xb.buf;
    double *tmp = PyMem_Malloc(sizeof(double) * (size_t)(2 * n + 1));
    unsigned char *flags = PyMem_Malloc((size_t)(3 * n + 1));
    if (!tmp || !flags) {
        PyMem_Free(tmp);
        PyMem_Free(flags);
        PyBuffer_Release(&xb);
        return PyErr_NoMemory();
    }
    unsigned char *dateline = flags + 2 * n;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *r = PyList_GET_ITEM(reasons, k);
        dateline[k] = PyUnicode_Check(r) && PyUnicode_CompareWithASCIIString(r, "dateline-only") == 0;
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
    Py_RETURN_NONE;
}

/* line_arrays(lines, reasons, out) -> None: linescore.line_arrays into out (3 x n float64): per line
 * its length in characters, is its reason true (a rule marked it), and is it "phrase:comments" */
static PyObject *
k_line_arrays(PyObject *self, PyObject *args)
{
    PyObject *lines, *reasons, *out_o;
    if (!PyArg_ParseTuple(args, "O!OO", &PyList_Type, &lines, &reasons, &out_o))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (check_list(reasons, n, "reasons") < 0)
        return NULL;
    Py_buffer ob;
    if (get_buffer(out_o, &ob, 3 * n, 1, 'd', "out") < 0)
        return NULL;
    double *chars = ob.buf, *hits = chars + n, *comments = hits + n;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *s = PyList_GET_ITEM(lines, k), *r = PyList_GET_ITEM(reasons, k);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", k);
            PyBuffer_Release(&ob);
            return NULL;
        }
        int truthy = PyObject_IsTrue(r);
        if (truthy < 0) {
            PyBuffer_Release(&ob);
            return NULL;
        }
        chars[k] = (double)PyUnicode_GET_LENGTH(s);
        hits[k] = truthy ? 1.0 : 0.0;
        comments[k] = PyUnicode_Check(r) && PyUnicode_CompareWithASCIIString(r, "phrase:comments") == 0 ? 1.0 : 0.0;
    }
    PyBuffer_Release(&ob);
    Py_RETURN_NONE;
}

/* reposition(x, repeats, duplicated) -> None: the columns of x (n x N_LOCAL) that depend on the
 * other lines of a set: position k / n, and the truth of each line's repeat and duplicated flags */
static PyObject *
k_reposition(PyObject *self, PyObject *args)
{
    PyObject *x_o, *repeats, *dups;
    if (!PyArg_ParseTuple(args, "OO!O", &x_o, &PyList_Type, &repeats, &dups))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(repeats);
    if (check_list(dups, n, "duplicated") < 0)
        return NULL;
    Py_buffer xb;
    if (get_buffer(x_o, &xb, n * N_LOCAL, 1, 'd', "x") < 0)
        return NULL;
    double *x = xb.buf;
    for (Py_ssize_t k = 0; k < n; k++) {
        int rep = PyObject_IsTrue(PyList_GET_ITEM(repeats, k)), dup = rep < 0 ? -1 : PyObject_IsTrue(PyList_GET_ITEM(dups, k));
        if (dup < 0) {
            PyBuffer_Release(&xb);
            return NULL;
        }
        double *row = x + k * N_LOCAL;
        row[COL_REL_POS] = (double)k / (double)n;
        row[COL_REPEAT] = rep ? 1.0 : 0.0;
        row[COL_DUPLICATED] = dup ? 1.0 : 0.0;
    }
    PyBuffer_Release(&xb);
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
            row[7] = log1p_count((double)n);
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
        row[7] = log1p_count((double)dist);
        double b = body ? w->chars[k] : 0.0;
        cum += b;
        row[8] = (cum - b) / denom;
        row[5] = k < first ? 1.0 : 0.0;
        row[6] = k > lastb ? 1.0 : 0.0;
        row[11] = k >= after_mark ? 1.0 : 0.0;
        row[14] = k >= first ? log1p_count((double)(k - first)) : 0.0;
        row[15] = k <= lastb ? log1p_count((double)(lastb - k)) : 0.0;
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
    memset(p1, 0, sizeof(double) * (size_t)n); /* +0.0 */
    dot_add(xl, N_LOCAL, n, w1, N_LOCAL, p1);
    for (Py_ssize_t k = 0; k < n; k++) {
        p1[k] = sigmoid(p1[k]);
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
        memset(p, 0, sizeof(double) * (size_t)n);
        dot_add(xl, N_LOCAL, n, wl, N_LOCAL, p);
        dot_add(ctx, N_CONTEXT, n, wc, N_CONTEXT, p);
        for (Py_ssize_t k = 0; k < n; k++)
            p[k] = sigmoid(p[k]);
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

/* `needle` in `text`. In one-byte text (most lines) a memchr scan for the needle's first character and
 * a comparison of the rest: the needles are a few characters, so this beats memmem's and the str
 * search's set-up. An empty needle is in every text. */
static int
line_contains(PyObject *text, PyObject *needle)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), nlen = PyUnicode_GET_LENGTH(needle);
    int kind = PyUnicode_KIND(text), nkind = PyUnicode_KIND(needle);
    const void *data = PyUnicode_DATA(text), *ndata = PyUnicode_DATA(needle);
    if (nlen == 0)
        return 1;
    if (nkind > kind || nlen > len)
        return 0; /* a wider character than any of the text's (strings are in their narrowest kind) */
    if (kind == PyUnicode_1BYTE_KIND) /* and so is the needle */
        return find_bytes(data, len, ndata, nlen);
    return PyUnicode_Contains(text, needle); /* wider text: the str search (its skip table pays off) */
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

/* The phrase tables' needed strings, compiled once (needs_table): per pattern, clauses of strings of
 * which the line must hold one each; per string its character pairs' hashes, tested against the line's
 * pair set before any search (most strings fail on their first pair). */
typedef struct {
    PyObject *needle;    /* a str (a strong reference) */
    Py_ssize_t pair;     /* offset of its pair hashes in pairs */
    Py_ssize_t npairs;
} nt_needle;

typedef struct {
    Py_ssize_t n;        /* patterns */
    Py_ssize_t *entry;   /* pattern j: clauses entry[j] ... entry[j + 1] - 1 */
    Py_ssize_t *clause;  /* clause c: needles clause[c] ... clause[c + 1] - 1 */
    nt_needle *needles;
    Py_ssize_t nneedles;
    uint16_t *pairs;
    /* with at most 64 clauses, a clause index: a clause can be held only when the first pair of one of
     * its strings is among the line's pairs (or one of its strings has no pair: always); so a pattern is
     * searched only when each of its clauses passes this test, by a few bit tests for the whole table */
    int indexed;
    uint64_t always;          /* the clauses with a string of fewer than two characters */
    Py_ssize_t nkeys;         /* distinct first pairs */
    uint16_t *key_hash;       /* ... their hashes */
    uint64_t *key_clauses;    /* ... and the clauses with a string that starts with that pair */
    uint64_t *pattern_clauses; /* per pattern, its clauses */
} needs_table;

static const char *NT_CAPSULE = "cleaners._linekernels.needs_table";

static void
nt_free(needs_table *t)
{
    if (t == NULL)
        return;
    for (Py_ssize_t i = 0; t->needles != NULL && i < t->nneedles; i++)
        Py_XDECREF(t->needles[i].needle);
    PyMem_Free(t->entry);
    PyMem_Free(t->clause);
    PyMem_Free(t->needles);
    PyMem_Free(t->pairs);
    PyMem_Free(t->key_hash);
    PyMem_Free(t->key_clauses);
    PyMem_Free(t->pattern_clauses);
    PyMem_Free(t);
}

static void
nt_capsule_free(PyObject *cap)
{
    nt_free(PyCapsule_GetPointer(cap, NT_CAPSULE));
}

/* the clause index of a table of at most 64 clauses (see needs_table); -1: out of memory */
static int
nt_index(needs_table *t)
{
    t->key_hash = PyMem_Malloc(sizeof(uint16_t) * (size_t)(t->nneedles + 1));
    t->key_clauses = PyMem_Calloc((size_t)t->nneedles + 1, sizeof(uint64_t));
    t->pattern_clauses = PyMem_Calloc((size_t)t->n + 1, sizeof(uint64_t));
    if (!t->key_hash || !t->key_clauses || !t->pattern_clauses)
        return -1;
    for (Py_ssize_t j = 0; j < t->n; j++) {
        for (Py_ssize_t c = t->entry[j]; c < t->entry[j + 1]; c++) {
            uint64_t bit = (uint64_t)1 << c;
            t->pattern_clauses[j] |= bit;
            for (Py_ssize_t i = t->clause[c]; i < t->clause[c + 1]; i++) {
                const nt_needle *e = &t->needles[i];
                if (e->npairs == 0) {
                    t->always |= bit;
                    continue;
                }
                uint16_t h = t->pairs[e->pair];
                Py_ssize_t k = 0;
                while (k < t->nkeys && t->key_hash[k] != h)
                    k++;
                if (k == t->nkeys)
                    t->key_hash[t->nkeys++] = h;
                t->key_clauses[k] |= bit;
            }
        }
    }
    t->indexed = 1;
    return 0;
}

/* needs_table(needs) -> capsule: needs is a tuple (one item a pattern) of tuples (clauses) of tuples of str */
static PyObject *
k_needs_table(PyObject *self, PyObject *args)
{
    PyObject *needs;
    if (!PyArg_ParseTuple(args, "O!", &PyTuple_Type, &needs))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(needs), nclauses = 0, nneedles = 0, npairs = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *pat = PyTuple_GET_ITEM(needs, j);
        if (!PyTuple_Check(pat))
            goto bad;
        for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(pat); c++) {
            PyObject *clause = PyTuple_GET_ITEM(pat, c);
            if (!PyTuple_Check(clause))
                goto bad;
            nclauses++;
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(clause); i++) {
                PyObject *x = PyTuple_GET_ITEM(clause, i);
                if (!PyUnicode_Check(x))
                    goto bad;
                nneedles++;
                if (PyUnicode_GET_LENGTH(x) > 1)
                    npairs += PyUnicode_GET_LENGTH(x) - 1;
            }
        }
    }
    needs_table *t = PyMem_Calloc(1, sizeof(needs_table));
    if (t == NULL)
        return PyErr_NoMemory();
    t->n = n;
    t->entry = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    t->clause = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(nclauses + 1));
    t->needles = PyMem_Calloc((size_t)nneedles + 1, sizeof(nt_needle));
    t->pairs = PyMem_Malloc(sizeof(uint16_t) * (size_t)(npairs + 1));
    if (!t->entry || !t->clause || !t->needles || !t->pairs) {
        nt_free(t);
        return PyErr_NoMemory();
    }
    Py_ssize_t cl = 0, nd = 0, pr = 0;
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *pat = PyTuple_GET_ITEM(needs, j);
        t->entry[j] = cl;
        for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(pat); c++) {
            PyObject *clause = PyTuple_GET_ITEM(pat, c);
            t->clause[cl++] = nd;
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(clause); i++) {
                PyObject *x = PyTuple_GET_ITEM(clause, i);
                nt_needle *e = &t->needles[nd++];
                e->needle = Py_NewRef(x);
                t->nneedles = nd;
                e->pair = pr;
                Py_ssize_t len = PyUnicode_GET_LENGTH(x);
                int kind = PyUnicode_KIND(x);
                const void *data = PyUnicode_DATA(x);
                for (Py_ssize_t q = 1; q < len; q++)
                    t->pairs[pr++] = (uint16_t)pair_hash(PyUnicode_READ(kind, data, q - 1), PyUnicode_READ(kind, data, q));
                e->npairs = pr - e->pair;
            }
        }
    }
    t->entry[n] = cl;
    t->clause[cl] = nd;
    if (nclauses <= 64 && nt_index(t) < 0) {
        nt_free(t);
        return PyErr_NoMemory();
    }
    PyObject *cap = PyCapsule_New(t, NT_CAPSULE, nt_capsule_free);
    if (cap == NULL)
        nt_free(t);
    return cap;
bad:
    PyErr_SetString(PyExc_TypeError, "needs_table: needs must hold tuples of tuples of str");
    return NULL;
}

/* does the line of `p` hold, for every clause of pattern j of `t`, one of its strings */
static int
holds_needs(const pairs *p, const needs_table *t, Py_ssize_t j)
{
    for (Py_ssize_t c = t->entry[j]; c < t->entry[j + 1]; c++) {
        int found = 0;
        for (Py_ssize_t i = t->clause[c]; i < t->clause[c + 1] && !found; i++) {
            const nt_needle *e = &t->needles[i];
            const uint16_t *h = t->pairs + e->pair;
            Py_ssize_t q = 0;
            while (q < e->npairs && (p->bits[h[q] >> 6] >> (h[q] & 63) & 1))
                q++;
            if (q < e->npairs)
                continue;
            int r = line_contains(p->text, e->needle);
            if (r < 0)
                return -1;
            found = r;
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* the clauses of an indexed table that the line of `p` may hold (every clause, when not indexed) */
static inline uint64_t
nt_clauses_held(const pairs *p, const needs_table *t)
{
    if (!t->indexed)
        return ~(uint64_t)0;
    uint64_t held = t->always;
    for (Py_ssize_t k = 0; k < t->nkeys; k++) {
        unsigned h = t->key_hash[k];
        if (p->bits[h >> 6] >> (h & 63) & 1)
            held |= t->key_clauses[k];
    }
    return held;
}

/* may the line hold pattern j, given the clauses it may hold (nt_clauses_held); holds_needs decides */
static inline int
nt_may_hold(const needs_table *t, uint64_t held, Py_ssize_t j)
{
    return !t->indexed || (t->pattern_clauses[j] & held) == t->pattern_clauses[j];
}

/* what the rule screen found on a line (the bits of rule_screen's masks; boilerplate.py names them) */
#define SCREEN_BULLET 1       /* a leading bullet: the rules read the line without it (run them all) */
#define SCREEN_OWN 2          /* a pre-check of the template, icon-sprite or photo-credit rule */
#define SCREEN_WHOLE 4        /* a word-led whole-line phrase may match (its first word, or a "_") */
#define SCREEN_PHRASE 8       /* phrases whose needed strings the line holds (their numbers are returned) */
#define SCREEN_AT 16          /* the contact rule's character */
#define SCREEN_DATE 32        /* the date-line rule's pre-check (short, with a digit) */
#define SCREEN_WHOLE_OTHER 64 /* a whole-line phrase of no known first word whose needed strings the line holds */
#define SCREEN_DATELINE 128   /* the date-line rule fires (decided here: every word is an ASCII date token) */

/* The date-line rule (boilerplate._is_date_line on the words of the line as _own_rule cuts them: ","
 * a word of its own, "(" and ")" spaces, split at whitespace): are there 1 ... 14 words, each a date
 * token (boilerplate._DATE_TOKEN, case-insensitive, a trailing ":" ignored unless the word is all
 * colons). The word lists come from boilerplate (date_words); the shapes of numbers are here:
 * 1-4 digits with an ordinal suffix, a clock time 1-2 digits [:.] 2 digits (am/pm), a date of 1-4,
 * 1-2 and 1-4 digits between [./-], each maybe followed by ",". A word with a character outside
 * ASCII (but a one-character mark) is not decided here: the rule in Python reads it. */
typedef struct {
    PyObject *days, *months, *zones, *words; /* tuples of lower-case ASCII str */
    PyObject *marks;                         /* str: one-character date tokens */
} date_words;

#define DATE_NO 0
#define DATE_YES 1
#define DATE_UNSURE 2

/* is the lower-case ASCII word w (n bytes) one of the strings of `tuple` (or, prefix: does it start with one) */
static int
ascii_in(const char *w, Py_ssize_t n, PyObject *tuple, int prefix)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        PyObject *x = PyTuple_GET_ITEM(tuple, i);
        Py_ssize_t len = PyUnicode_GET_LENGTH(x);
        if ((prefix ? len <= n : len == n) && memcmp(PyUnicode_DATA(x), w, (size_t)len) == 0)
            return 1;
    }
    return 0;
}

static Py_ssize_t
digit_run(const char *w, Py_ssize_t n, Py_ssize_t at)
{
    Py_ssize_t i = at;
    while (i < n && w[i] >= '0' && w[i] <= '9')
        i++;
    return i - at;
}

/* one lower-cased ASCII word (its trailing ":" already dropped): a date token? */
static int
ascii_date_token(const char *w, Py_ssize_t n, const date_words *dw)
{
    if (n == 0)
        return 0;
    if (w[0] >= 'a' && w[0] <= 'z') {
        if (ascii_in(w, n, dw->zones, 0) || ascii_in(w, n, dw->words, 0))
            return 1;
        if (!ascii_in(w, n, dw->days, 1) && !ascii_in(w, n, dw->months, 1))
            return 0;
        /* a day or month: letters, then maybe ".", then maybe "," */
        Py_ssize_t i = 0;
        while (i < n && w[i] >= 'a' && w[i] <= 'z')
            i++;
        if (i < n && w[i] == '.')
            i++;
        if (i < n && w[i] == ',')
            i++;
        return i == n;
    }
    Py_ssize_t d1 = digit_run(w, n, 0);
    if (d1 == 0)
        return n == 1 && PyUnicode_FindChar(dw->marks, (Py_UCS4)(unsigned char)w[0], 0, PyUnicode_GET_LENGTH(dw->marks), 1) >= 0;
    Py_ssize_t i = d1, end = w[n - 1] == ',' ? n - 1 : n; /* a trailing "," is allowed by every shape */
    if (i == end) /* a number */
        return d1 <= 4;
    if (end - i == 2 && d1 <= 4 &&
        ((w[i] == 's' && w[i + 1] == 't') || (w[i] == 'n' && w[i + 1] == 'd') || (w[i] == 'r' && w[i + 1] == 'd') ||
         (w[i] == 't' && w[i + 1] == 'h')))
        return 1; /* an ordinal */
    char sep = w[i];
    Py_ssize_t d2 = digit_run(w, n, i + 1), j = i + 1 + d2;
    if ((sep == ':' || sep == '.') && d1 <= 2 && d2 == 2 &&
        (j == end || (end - j == 2 && (w[j] == 'a' || w[j] == 'p') && w[j + 1] == 'm')))
        return 1; /* a clock time */
    if ((sep == '.' || sep == '/' || sep == '-') && d1 <= 4 && d2 >= 1 && d2 <= 2 && j < end &&
        (w[j] == '.' || w[j] == '/' || w[j] == '-')) {
        Py_ssize_t d3 = digit_run(w, n, j + 1);
        return d3 >= 1 && d3 <= 4 && j + 1 + d3 == end; /* a date */
    }
    return 0;
}

/* the date-line rule on line s (DATE_NO, DATE_YES or DATE_UNSURE) */
static int
date_line(PyObject *s, const date_words *dw)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(s), nwords = 0, i = 0;
    int kind = PyUnicode_KIND(s), unsure = 0;
    const void *data = PyUnicode_DATA(s);
    char w[96];
    while (i < len) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '(' || c == ')' || Py_UNICODE_ISSPACE(c)) {
            i++;
            continue;
        }
        /* a word: "," alone, else the run up to a space, "(", ")" or "," */
        Py_ssize_t n = 0, start = i;
        int wide = 0;
        if (c == ',') {
            w[n++] = ',';
            i++;
        }
        else {
            for (; i < len; i++) {
                c = PyUnicode_READ(kind, data, i);
                if (c == '(' || c == ')' || c == ',' || Py_UNICODE_ISSPACE(c))
                    break;
                if (c >= 128)
                    wide = 1;
                else if (n < (Py_ssize_t)sizeof w)
                    w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
        }
        if (++nwords > 14)
            return DATE_NO;
        if (wide) { /* outside ASCII: a one-character mark, else Python decides */
            if (i - start != 1 ||
                PyUnicode_FindChar(dw->marks, PyUnicode_READ(kind, data, start), 0, PyUnicode_GET_LENGTH(dw->marks), 1) < 0)
                unsure = 1;
            continue;
        }
        if (n >= (Py_ssize_t)sizeof w)
            return DATE_NO; /* longer than any date token */
        Py_ssize_t m = n;
        while (m > 0 && w[m - 1] == ':')
            m--;
        if (!ascii_date_token(w, m > 0 ? m : n, dw))
            return DATE_NO;
    }
    if (nwords == 0)
        return DATE_NO;
    return unsure ? DATE_UNSURE : DATE_YES;
}

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

/* rule_screen(lines, lows, spec) -> (masks, phrases)
 * masks: bytes, per line the SCREEN_* bits of what may fire on it (0: no rule can, and its verdict
 * is no reason and no phrase share); phrases: {line: (inner, symbol)}, for the lines with
 * SCREEN_PHRASE, the numbers (ascending) of the inner and the symbol-led phrase patterns whose
 * needed strings the line holds: the only ones that can match it. `spec` is the tuple
 * boilerplate._screen_spec() builds from the rules' own pre-checks and the phrase tables:
 * (own_line_needles, own_low_needles, contact, lead_chars, slash_max, digit_max, whole_max, words,
 *  whole_other_needs, symbol_chars, symbol_needs, inner_needs, date_words), where words is a word_table of
 * the phrase tables' word index (by_word) and the whole-line phrases' first words (whole_first), the
 * *_needs are needs_table()s (own_low_needles: one entry, the lower-cased strings of the own rules'
 * pre-checks, one of which the line must hold), and date_words is (days, months, zones, words, marks):
 * the date tokens' day and month prefixes, time-zone words and other words (tuples of lower-case
 * ASCII str), and one-character marks (a str). A line the date-line rule fires on is marked
 * SCREEN_DATELINE; SCREEN_DATE asks Python for the rule's verdict (a word outside ASCII). */
static PyObject *
k_rule_screen(PyObject *self, PyObject *args)
{
    PyObject *lines, *lows, *spec;
    if (!PyArg_ParseTuple(args, "O!OO!", &PyList_Type, &lines, &lows, &PyTuple_Type, &spec))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    if (check_list(lows, n, "lows") < 0)
        return NULL;
    PyObject *line_needles, *low_needles, *contact, *lead_chars, *words_o, *whole_other_o, *symbol_chars, *symbol_needs_o,
        *inner_needs_o;
    Py_ssize_t slash_max, digit_max, whole_max;
    date_words dw;
    if (!PyArg_ParseTuple(spec, "O!OUUnnnOOUOO(O!O!O!O!U);spec", &PyTuple_Type, &line_needles, &low_needles,
                          &contact, &lead_chars, &slash_max, &digit_max, &whole_max, &words_o, &whole_other_o,
                          &symbol_chars, &symbol_needs_o, &inner_needs_o, &PyTuple_Type, &dw.days, &PyTuple_Type, &dw.months,
                          &PyTuple_Type, &dw.zones, &PyTuple_Type, &dw.words, &dw.marks))
        return NULL;
    PyObject *word_lists[4] = {dw.days, dw.months, dw.zones, dw.words};
    for (int j = 0; j < 4; j++) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(word_lists[j]); i++) {
            PyObject *x = PyTuple_GET_ITEM(word_lists[j], i);
            int ok = PyUnicode_Check(x) && PyUnicode_IS_ASCII(x);
            for (Py_ssize_t q = 0; ok && q < PyUnicode_GET_LENGTH(x); q++)
                ok = !isupper(PyUnicode_1BYTE_DATA(x)[q]);
            if (!ok) {
                PyErr_SetString(PyExc_TypeError, "spec: the date words must be tuples of lower-case ASCII str");
                return NULL;
            }
        }
    }
    const word_table *words = capsule_of(words_o, WT_CAPSULE, "word_table", "spec: words");
    const needs_table *low_needs = words ? capsule_of(low_needles, NT_CAPSULE, "needs_table", "spec: own_low_needles") : NULL;
    const needs_table *whole_other = low_needs ? capsule_of(whole_other_o, NT_CAPSULE, "needs_table", "spec: whole_other_needs") : NULL;
    const needs_table *symbol_needs = whole_other ? capsule_of(symbol_needs_o, NT_CAPSULE, "needs_table", "spec: symbol_needs") : NULL;
    const needs_table *inner_needs = symbol_needs ? capsule_of(inner_needs_o, NT_CAPSULE, "needs_table", "spec: inner_needs") : NULL;
    if (inner_needs == NULL)
        return NULL;
    if (low_needs->n != 1) {
        PyErr_SetString(PyExc_ValueError, "spec: own_low_needles must be a needs_table of one entry");
        return NULL;
    }
    if (check_strings(line_needles, "own_line_needles") < 0)
        return NULL;
    Py_ssize_t n_inner = inner_needs->n, n_symbol = symbol_needs->n;
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
        PyObject *s = PyList_GET_ITEM(lines, k), *low = PyList_GET_ITEM(lows, k);
        if (!PyUnicode_Check(s) || !PyUnicode_Check(low)) {
            PyErr_Format(PyExc_TypeError, "line %zd: lines and lows must hold str", k);
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
            r = holds_needs(&pl, low_needs, 0);
        if (!r && len < slash_max)
            r = line_contains(s, slash);
        if (r < 0)
            goto error;
        if (r)
            mask |= SCREEN_OWN;
        r = 0;
        if (len < digit_max) {
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
        if (r) { /* short, with a digit: the date-line rule, decided here unless a word is not ASCII */
            int d = date_line(s, &dw);
            mask |= d == DATE_YES ? SCREEN_DATELINE : d == DATE_UNSURE ? SCREEN_DATE : 0;
        }
        if ((r = line_contains(s, contact)) < 0)
            goto error;
        if (r)
            mask |= SCREEN_AT;
        /* the line's words: is the first one a whole-line phrase's first word; the phrases found inside
         * a line, by the patterns the line's words index, that hold their needed strings */
        Py_ssize_t n_sym_hits = 0, n_inner_hits = 0, pos = 0, start;
        int lowkind = PyUnicode_KIND(low), dg, first = 1, whole_first = 0;
        const void *lowdata = PyUnicode_DATA(low);
        uint64_t h;
        while (next_token(lowkind, lowdata, lowlen, &pos, &start, &h, &dg)) {
            const wt_entry *e = wt_find(words, h, lowkind, lowdata, start, pos - start);
            if (first) {
                whole_first = e != NULL && (e->flags & WT_WHOLE_FIRST);
                first = 0;
            }
            for (Py_ssize_t i = 0; e != NULL && i < e->ncand; i++) {
                Py_ssize_t j = words->cands[e->cand + i];
                if (j >= n_inner) {
                    PyErr_Format(PyExc_IndexError, "spec: pattern number %zd out of range", j);
                    goto error;
                }
                if (stamp[j] == k + 1)
                    continue;
                stamp[j] = k + 1;
                if ((r = holds_needs(&pl, inner_needs, j)) < 0)
                    goto error;
                if (r)
                    inner_hits[n_inner_hits++] = j;
            }
        }
        /* whole-line phrases */
        if (lowlen < whole_max) {
            r = whole_first;
            if (!r)
                r = line_contains(low, underscore);
            if (r)
                mask |= SCREEN_WHOLE;
            r = 0;
            uint64_t held = nt_clauses_held(&pl, whole_other);
            for (Py_ssize_t j = 0; !r && j < whole_other->n; j++) {
                if (nt_may_hold(whole_other, held, j))
                    r = holds_needs(&pl, whole_other, j);
            }
            if (r < 0)
                goto error;
            if (r)
                mask |= SCREEN_WHOLE_OTHER;
        }
        /* symbol-led phrases: a character they start with, and their needed strings */
        int sym = 0;
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
        uint64_t sym_held = sym ? nt_clauses_held(&pl, symbol_needs) : 0;
        for (Py_ssize_t j = 0; sym && j < n_symbol; j++) {
            if (!nt_may_hold(symbol_needs, sym_held, j))
                continue;
            if ((r = holds_needs(&pl, symbol_needs, j)) < 0)
                goto error;
            if (r)
                symbol_hits[n_sym_hits++] = j;
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
        Py_ssize_t len = PyUnicode_GET_LENGTH(low), pos = 0, start;
        int kind = PyUnicode_KIND(low), digit;
        const void *data = PyUnicode_DATA(low);
        uint64_t h;
        while (next_token(kind, data, len, &pos, &start, &h, &digit)) { /* the kernels' one word scanner */
            PyObject *tok = PyUnicode_Substring(low, start, pos);
            if (tok == NULL || PyList_Append(toks, tok) < 0) {
                Py_XDECREF(tok);
                goto error;
            }
            Py_DECREF(tok);
        }
    }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

/* word_count(text): len(re.findall(r"\w+(?:['’\-]\w+)*", text)), the corpus rows' word_count: the
 * \w+ runs, less those joined to the run before by one apostrophe, right single quote or hyphen */
static PyObject *
k_word_count(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "word_count needs a str");
        return NULL;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), pos = 0, start, prev_end = -2, n = 0;
    int kind = PyUnicode_KIND(text), digit;
    const void *data = PyUnicode_DATA(text);
    uint64_t h;
    while (next_token(kind, data, len, &pos, &start, &h, &digit)) {
        if (start == prev_end + 1) {
            Py_UCS4 c = PyUnicode_READ(kind, data, prev_end);
            if (c == '\'' || c == 0x2019 || c == '-')
                n--; /* joined to the word before */
        }
        n++;
        prev_end = pos;
    }
    return PyLong_FromSsize_t(n);
}

/* ------------------------------------------------------------ pass verdicts --- */

/* the verdict codes of boilerplate._classify_codes (its _KEPT ... constants) */
#define V_KEPT 0
#define V_KEPT_FALSY 1
#define V_RULE 2
#define V_REPEAT 3
#define V_MODEL 4

/* first_codes(p, hits, repeats, reasons, body_threshold, continue_threshold, sure, span, codes[, lead_threshold])
 * The verdicts of one pass before the comment section and the main block, into codes (int8), as
 * boilerplate._classify_codes makes them: a rule's hit (hits > 0), else a repeat, else the model's
 * threshold; a kept line whose reason is "" is _KEPT_FALSY. Then the hysteresis (a line only the model
 * rejected, right after a kept line, is kept when its score reaches continue_threshold; forward, so a
 * run is kept whole), the lead (one such line right before a kept line that follows no kept line, at
 * lead_threshold) and the sandwich (a run of at most `span` such lines between two kept lines
 * scoring at least `sure` is kept). Each scan reads the codes as they are when it reaches a line, which
 * is what the numpy path's candidate lists give (a candidate's own line and the one before it are never
 * changed by an earlier step). */
static PyObject *
k_first_codes(PyObject *self, PyObject *args)
{
    PyObject *p_o, *hits_o, *repeats, *reasons, *codes_o;
    double thr, cont, sure, lead = 2.0;
    Py_ssize_t span;
    if (!PyArg_ParseTuple(args, "OOO!O!dddnO|d", &p_o, &hits_o, &PyList_Type, &repeats, &PyList_Type, &reasons, &thr, &cont,
                          &sure, &span, &codes_o, &lead))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(repeats);
    if (check_list(reasons, n, "reasons") < 0)
        return NULL;
    Py_buffer pb, hb, cb;
    if (get_buffer(p_o, &pb, n, 0, 'd', "p") < 0)
        return NULL;
    if (get_buffer(hits_o, &hb, n, 0, 'd', "hits") < 0) {
        PyBuffer_Release(&pb);
        return NULL;
    }
    if (get_buffer(codes_o, &cb, n, 1, 'B', "codes") < 0) {
        PyBuffer_Release(&pb);
        PyBuffer_Release(&hb);
        return NULL;
    }
    const double *p = pb.buf, *hits = hb.buf;
    signed char *codes = cb.buf;
    PyObject *result = NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *r = PyList_GET_ITEM(reasons, k);
        int c = V_KEPT;
        if (PyUnicode_Check(r) && PyUnicode_GET_LENGTH(r) == 0)
            c = V_KEPT_FALSY;
        if (hits[k] > 0)
            c = V_RULE;
        else {
            int rep = PyObject_IsTrue(PyList_GET_ITEM(repeats, k));
            if (rep < 0)
                goto done;
            if (rep)
                c = V_REPEAT;
            else if (p[k] < thr)
                c = V_MODEL;
        }
        codes[k] = (signed char)c;
    }
    for (Py_ssize_t k = 0; k + 1 < n; k++) { /* hysteresis */
        if (codes[k + 1] == V_MODEL && p[k + 1] >= cont && codes[k] == V_KEPT)
            codes[k + 1] = V_KEPT;
    }
    for (Py_ssize_t k = 0; k + 1 < n; k++) { /* the lead: one line right before a kept one, from the first verdicts */
        if (codes[k] == V_MODEL && p[k] >= lead && codes[k + 1] == V_KEPT && (k == 0 || codes[k - 1] != V_KEPT)) {
            codes[k] = V_KEPT;
            k++; /* (the next line was kept already: no chain) */
        }
    }
    Py_ssize_t resume = 0;
    for (Py_ssize_t k = 1; k + 1 < n; k++) { /* sandwich: k is the first line of a run */
        if (k < resume || !(codes[k] == V_MODEL && codes[k - 1] == V_KEPT && p[k - 1] >= sure))
            continue;
        Py_ssize_t end = k;
        while (end < n && end - k < span && codes[end] == V_MODEL)
            end++;
        if (end < n && codes[end] == V_KEPT && p[end] >= sure)
            memset(codes + k, V_KEPT, (size_t)(end - k));
        resume = end + 1;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&pb);
    PyBuffer_Release(&hb);
    PyBuffer_Release(&cb);
    return result;
}

/* ------------------------------------------------------------------ lower --- */

static Py_UCS1 lower1[256]; /* str.lower() of each character below U+0100 (all stay below it) */

/* One line lower-cased as str.lower() does, or NULL with no exception set when the line is a str
 * subclass or holds a character at or above U+0100 that lower-casing changes (the caller then asks its
 * lower(): full case mapping, final sigma). A line that lower-casing leaves as it is comes back itself. */
#define LOWER_INTO(T)                                                                                         \
    do {                                                                                                      \
        const T *d = (const T *)data;                                                                         \
        for (i = 0; i < len; i++) {                                                                           \
            Py_UCS4 c = d[i];                                                                                 \
            if (c < 256 ? lower1[c] != c : Py_UNICODE_TOLOWER(c) != c)                                        \
                break;                                                                                        \
        }                                                                                                     \
        if (i == len)                                                                                         \
            return Py_NewRef(s); /* nothing to lower */                                                       \
        for (Py_ssize_t j = i; j < len; j++) {                                                                \
            Py_UCS4 c = d[j];                                                                                 \
            if (c >= 256 && Py_UNICODE_TOLOWER(c) != c)                                                       \
                return NULL;                                                                                  \
        }                                                                                                     \
        T *buf = PyMem_Malloc(sizeof(T) * (size_t)len);                                                       \
        if (buf == NULL)                                                                                      \
            return PyErr_NoMemory();                                                                          \
        for (Py_ssize_t j = 0; j < len; j++)                                                                  \
            buf[j] = d[j] < 256 ? (T)lower1[d[j]] : d[j];                                                     \
        PyObject *r = PyUnicode_FromKindAndData(kind, buf, len);                                              \
        PyMem_Free(buf);                                                                                      \
        return r;                                                                                             \
    } while (0)

static PyObject *
lower_line(PyObject *s)
{
    if (!PyUnicode_CheckExact(s))
        return NULL; /* a str subclass: its own lower() */
    Py_ssize_t len = PyUnicode_GET_LENGTH(s), i;
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (PyUnicode_IS_ASCII(s)) { /* ASCII: "A"-"Z" only, in a new ASCII str of the same length */
        const Py_UCS1 *d = data;
        for (i = 0; i < len && !(d[i] >= 'A' && d[i] <= 'Z'); i++)
            ;
        if (i == len)
            return Py_NewRef(s);
        PyObject *r = PyUnicode_New(len, 127);
        if (r == NULL)
            return NULL;
        Py_UCS1 *o = PyUnicode_1BYTE_DATA(r);
        memcpy(o, d, (size_t)i);
        for (; i < len; i++)
            o[i] = lower1[d[i]];
        return r;
    }
    if (kind == PyUnicode_1BYTE_KIND)
        LOWER_INTO(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        LOWER_INTO(Py_UCS2);
    else
        LOWER_INTO(Py_UCS4);
}

/* lower_lines(lines) -> list: [line.lower() for line in lines], equal str for str. Characters below
 * U+0100 are lowered by a table; a line with a character above it that lower-casing changes is handed
 * to str.lower (full case mapping and final sigma are its business). */
static PyObject *
k_lower_lines(PyObject *self, PyObject *args)
{
    PyObject *lines;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &lines))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t k = 0; out != NULL && k < n; k++) {
        if (PyList_GET_SIZE(lines) != n) { /* a subclass's lower() may have changed the list */
            PyErr_SetString(PyExc_RuntimeError, "lines changed size during lower_lines");
            Py_CLEAR(out);
            break;
        }
        PyObject *s = PyList_GET_ITEM(lines, k);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", k);
            Py_CLEAR(out);
            break;
        }
        Py_INCREF(s);
        PyObject *low = lower_line(s);
        if (low == NULL && !PyErr_Occurred())
            low = PyObject_CallMethod(s, "lower", NULL);
        Py_DECREF(s);
        if (low == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, k, low);
    }
    return out;
}

/* ---------------------------------------------------------- keys, repeats --- */

static unsigned char print1[256]; /* str.isprintable(), below U+0100 */

/* line_keys(lows) -> list: boilerplate._key of each stripped, lower-cased line: the line itself when
 * its only whitespace is single ASCII spaces (str.isprintable() is False for every other whitespace
 * character), else its words joined by one space */
static PyObject *
k_line_keys(PyObject *self, PyObject *args)
{
    PyObject *lows;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &lows))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lows);
    PyObject *out = PyList_New(n), *space = PyUnicode_FromString(" ");
    if (out == NULL || space == NULL)
        goto error;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *low = PyList_GET_ITEM(lows, k);
        if (!PyUnicode_Check(low)) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", k);
            goto error;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(low);
        int kind = PyUnicode_KIND(low), plain = 1, prev_space = 0;
        const void *data = PyUnicode_DATA(low);
        for (Py_ssize_t i = 0; i < len && plain; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c == ' ') {
                plain = !prev_space;
                prev_space = 1;
                continue;
            }
            prev_space = 0;
            plain = c < 256 ? print1[c] : Py_UNICODE_ISPRINTABLE(c);
        }
        PyObject *key;
        if (plain)
            key = Py_NewRef(low);
        else {
            PyObject *words = PyUnicode_Split(low, NULL, -1);
            key = words ? PyUnicode_Join(space, words) : NULL;
            Py_XDECREF(words);
            if (key == NULL)
                goto error;
        }
        PyList_SET_ITEM(out, k, key);
    }
    Py_DECREF(space);
    return out;
error:
    Py_XDECREF(out);
    Py_XDECREF(space);
    return NULL;
}

/* repeat_flags(keys, min_chars) -> (repeats, duplicated): boilerplate._repeat_flags. Per line: is there
 * an earlier line with the same key, and is there any other (only for keys of at least min_chars
 * characters), as lists of bool */
static PyObject *
k_repeat_flags(PyObject *self, PyObject *args)
{
    PyObject *keys;
    Py_ssize_t min_chars;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &keys, &min_chars))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(keys);
    PyObject *seen = PyDict_New(), *repeats = PyList_New(n), *dups = PyList_New(n), *result = NULL;
    Py_ssize_t *first = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    unsigned char *again = PyMem_Calloc((size_t)n + 1, 1);
    if (!seen || !repeats || !dups)
        goto done;
    if (!first || !again) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key)) {
            PyErr_Format(PyExc_TypeError, "key %zd is not a str", k);
            goto done;
        }
        PyObject *at = PyLong_FromSsize_t(k);
        PyObject *was = at ? PyDict_SetDefault(seen, key, at) : NULL; /* borrowed */
        Py_XDECREF(at);
        if (was == NULL)
            goto done;
        first[k] = PyLong_AsSsize_t(was);
        if (first[k] != k)
            again[first[k]] = 1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        int dup = again[first[k]] && PyUnicode_GET_LENGTH(PyList_GET_ITEM(keys, k)) >= min_chars;
        PyList_SET_ITEM(repeats, k, Py_NewRef(dup && first[k] != k ? Py_True : Py_False));
        PyList_SET_ITEM(dups, k, Py_NewRef(dup ? Py_True : Py_False));
    }
    result = PyTuple_Pack(2, repeats, dups);
done:
    Py_XDECREF(seen);
    Py_XDECREF(repeats);
    Py_XDECREF(dups);
    PyMem_Free(first);
    PyMem_Free(again);
    return result;
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

/* ------------------------------------------------------------------ unwrap --- */

/* the k-th smallest of a[0 ... n - 1] (reordered): Hoare's selection with a median-of-three pivot; a
 * selection that does not converge in 64 rounds (an adversarial order) sorts the rest instead */
static Py_ssize_t
select_kth(Py_ssize_t *a, Py_ssize_t n, Py_ssize_t k)
{
    Py_ssize_t lo = 0, hi = n - 1;
    for (int round = 0; lo < hi; round++) {
        if (round == 64) {
            qsort(a + lo, (size_t)(hi - lo + 1), sizeof(Py_ssize_t), cmp_ssize);
            break;
        }
        Py_ssize_t x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
        Py_ssize_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        Py_ssize_t i = lo, j = hi;
        while (i <= j) { /* afterwards a[lo ... j] <= pivot <= a[i ... hi], and a[j + 1 ... i - 1] == pivot */
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                Py_ssize_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* the width a text is wrapped at: the 90th percentile of the lengths (reordered) */
static Py_ssize_t
wrap_width(Py_ssize_t *lengths, Py_ssize_t m)
{
    return select_kth(lengths, m, (Py_ssize_t)(0.9 * (double)(m - 1)));
}

/* wrap_width(lengths) -> int: boilerplate._wrap_width of a non-empty list of int (what unwrap_plan uses) */
static PyObject *
k_wrap_width(PyObject *self, PyObject *args)
{
    PyObject *list;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &list))
        return NULL;
    Py_ssize_t m = PyList_GET_SIZE(list);
    if (m == 0) {
        PyErr_SetString(PyExc_ValueError, "wrap_width of no lengths");
        return NULL;
    }
    Py_ssize_t *a = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)m);
    if (a == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < m; k++) {
        a[k] = PyLong_AsSsize_t(PyList_GET_ITEM(list, k));
        if (a[k] == -1 && PyErr_Occurred()) {
            PyMem_Free(a);
            return NULL;
        }
    }
    Py_ssize_t w = wrap_width(a, m);
    PyMem_Free(a);
    return PyLong_FromSsize_t(w);
}

static int
ends_sentence(PyObject *line, PyObject *ends)
{
    Py_ssize_t len = PyUnicode_GET_LENGTH(line);
    if (len == 0)
        return 0;
    Py_UCS4 c = PyUnicode_READ_CHAR(line, len - 1);
    return PyUnicode_FindChar(ends, c, 0, PyUnicode_GET_LENGTH(ends), 1) >= 0;
}

/* unwrap_plan(stripped, nonblank, params) -> None | True | list: boilerplate._wrap_plan, the decision of
 * unwrap_hard_wrapped on the stripped lines of a text (nonblank: the positions of the non-empty ones).
 * params: (min_lines, continued_share, max_width, open_end_share, spaced_min_width, spaced_lower_share,
 * spaced_fill, sentence_end): None, not hard-wrapped; True, hard-wrapped (every run of lines is a
 * paragraph); a list, double-spaced: the numbers k (among the non-empty lines) of the lines the next one
 * joins. */
static PyObject *
k_unwrap_plan(PyObject *self, PyObject *args)
{
    PyObject *stripped, *nonblank, *ends;
    Py_ssize_t min_lines, max_width, spaced_min_width;
    double cont_share, open_share, lower_share, fill;
    if (!PyArg_ParseTuple(args, "O!O!(ndndnddU)", &PyList_Type, &stripped, &PyList_Type, &nonblank, &min_lines, &cont_share,
                          &max_width, &open_share, &spaced_min_width, &lower_share, &fill, &ends))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(stripped), m = PyList_GET_SIZE(nonblank);
    if (m < min_lines)
        Py_RETURN_NONE;
    PyObject **lines = PyMem_Malloc(sizeof(PyObject *) * (size_t)(m + 1));
    Py_ssize_t *at = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(m + 1)), *lengths = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(m + 1));
    Py_ssize_t *open = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(m + 1));
    PyObject *result = NULL;
    if (!lines || !at || !lengths || !open) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < m; k++) {
        Py_ssize_t i = PyLong_AsSsize_t(PyList_GET_ITEM(nonblank, k));
        if (i == -1 && PyErr_Occurred())
            goto done;
        if (i < 0 || i >= n) {
            PyErr_Format(PyExc_IndexError, "nonblank: line %zd out of range", i);
            goto done;
        }
        at[k] = i;
        lines[k] = PyList_GET_ITEM(stripped, i);
        if (!PyUnicode_Check(lines[k])) {
            PyErr_Format(PyExc_TypeError, "line %zd is not a str", i);
            goto done;
        }
    }
    /* the non-empty lines whose next line is not empty */
    Py_ssize_t n_cont = 0;
    for (Py_ssize_t k = 0; k < m; k++) {
        Py_ssize_t i = at[k];
        PyObject *next = i + 1 < n ? PyList_GET_ITEM(stripped, i + 1) : NULL;
        if (next != NULL && PyObject_IsTrue(next))
            open[n_cont++] = k;
    }
    if (n_cont > 0 && !((double)n_cont < cont_share * (double)m)) { /* hard-wrapped lines run on */
        Py_ssize_t open_ends = 0;
        for (Py_ssize_t c = 0; c < n_cont; c++) {
            lengths[c] = PyUnicode_GET_LENGTH(lines[open[c]]);
            open_ends += !ends_sentence(lines[open[c]], ends);
        }
        Py_ssize_t width = wrap_width(lengths, n_cont); /* (may reorder lengths) */
        if (width > max_width || (double)open_ends < open_share * (double)n_cont) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        /* ... and the lines that stop mid-sentence fill the width (a column of menu items does not) */
        Py_ssize_t filled = 0;
        for (Py_ssize_t c = 0; c < n_cont; c++) {
            PyObject *line = lines[open[c]];
            if (!ends_sentence(line, ends) && (double)PyUnicode_GET_LENGTH(line) >= fill * (double)width)
                filled++;
        }
        result = Py_NewRef((double)filled < lower_share * (double)open_ends ? Py_None : Py_True);
        goto done;
    }
    /* double-spaced: a fixed width, most lines open and run on in lower case, and fill the width */
    for (Py_ssize_t k = 0; k < m; k++)
        lengths[k] = PyUnicode_GET_LENGTH(lines[k]);
    Py_ssize_t width = wrap_width(lengths, m);
    if (width < spaced_min_width || width > max_width) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t n_open = 0, n_runs = 0, filled = 0;
    for (Py_ssize_t k = 0; k + 1 < m; k++) {
        if (!ends_sentence(lines[k], ends))
            open[n_open++] = k;
    }
    if ((double)n_open < open_share * (double)(m - 1)) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t c = 0; c < n_open; c++) {
        Py_ssize_t k = open[c];
        filled += (double)PyUnicode_GET_LENGTH(lines[k]) >= fill * (double)width;
        if (Py_UNICODE_ISLOWER(PyUnicode_READ_CHAR(lines[k + 1], 0)))
            open[n_runs++] = k; /* n_runs <= c: the open lines not yet read are untouched */
    }
    if ((double)n_runs < lower_share * (double)n_open || (double)filled < lower_share * (double)n_open) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyList_New(n_runs);
    for (Py_ssize_t c = 0; result != NULL && c < n_runs; c++) {
        PyObject *v = PyLong_FromSsize_t(open[c]);
        if (v == NULL)
            Py_CLEAR(result);
        else
            PyList_SET_ITEM(result, c, v);
    }
done:
    PyMem_Free(lines);
    PyMem_Free(at);
    PyMem_Free(lengths);
    PyMem_Free(open);
    return result;
}

/* ------------------------------------------------------------ dedup views --- */

/* The dedup fingerprints of cleaners.dedup (views.py, signature.py): the normalised text view,
 * the spin-proof view, and the MinHash of their shingles under the "poly" shingle hash and
 * datasketch's "affine32" permutations. All integer arithmetic (mod 2**64 and 2**32), so the
 * signatures are the numpy path's bit for bit on any CPU; tests/test_dedup_kernels.py checks
 * every function against it. */
#define POLY_K 0x9E3779B97F4A7C15ULL
#define POLY_MIX 0xD6E8FEB86659FD93ULL

static inline int
dd_word(Py_UCS4 c) /* re's \w on str: str.isalnum() or "_" */
{
    return c < 256 ? word1[c] : Py_UNICODE_ISALNUM(c);
}

static inline int
dd_alnum(Py_UCS4 c) /* [^\W_] */
{
    return c != '_' && dd_word(c);
}

static unsigned char alpha1[256], decimal1[256]; /* str.isalpha(), str.isdecimal() (re's \d), below U+0100 */

static inline int
dd_alpha(Py_UCS4 c)
{
    return c < 256 ? alpha1[c] : Py_UNICODE_ISALPHA(c);
}

static inline int
dd_decimal(Py_UCS4 c)
{
    return c < 256 ? decimal1[c] : Py_UNICODE_ISDECIMAL(c);
}

static inline uint32_t
poly_fold(uint64_t h) /* signature._fold */
{
    h ^= h >> 32;
    h *= POLY_MIX;
    return (uint32_t)(h >> 32);
}

static inline uint32_t
fmix32(uint32_t h) /* datasketch's MurmurHash3 finaliser (the affine32 pre-mix) */
{
    h ^= h >> 16;
    h *= 0x85EBCA6BU;
    h ^= h >> 13;
    h *= 0xC2B2AE35U;
    return h ^ (h >> 16);
}

/* the text's code points (a growing scratch buffer); -1 with an exception set */
typedef struct {
    Py_UCS4 *u;
    Py_ssize_t cap;
} ucs4_buf;

static int
ucs4_reserve(ucs4_buf *b, Py_ssize_t n)
{
    if (n <= b->cap)
        return 0;
    Py_ssize_t cap = n > 2 * b->cap ? n : 2 * b->cap;
    Py_UCS4 *u = PyMem_Realloc(b->u, sizeof(Py_UCS4) * (size_t)(cap + 1));
    if (u == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->u = u;
    b->cap = cap;
    return 0;
}

static Py_ssize_t
ucs4_of(PyObject *text, ucs4_buf *b)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "expected a str");
        return -1;
    }
    if (PyUnicode_READY(text) < 0)
        return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (ucs4_reserve(b, n) < 0)
        return -1;
    if (n && PyUnicode_AsUCS4(text, b->u, b->cap + 1, 0) == NULL)
        return -1;
    return n;
}

/* str.lower() of a str is its characters' one-character (simple) lower-case mappings except for two:
 * U+0130 (İ) lowers to two characters, and U+03A3 (Σ) to σ or ς by its context (final sigma) */
static inline Py_UCS4
dd_lower(Py_UCS4 c)
{
    return c < 256 ? lower1[c] : Py_UNICODE_TOLOWER(c);
}

static int
dd_special_case(PyObject *text) /* does text hold U+0130 or U+03A3 */
{
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_1BYTE_KIND)
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    return PyUnicode_FindChar(text, 0x130, 0, n, 1) >= 0 || PyUnicode_FindChar(text, 0x3A3, 0, n, 1) >= 0;
}

/* dedup_normalize(text) -> str: views.normalize_for_dedup (lower-case; every run of \W to one space; stripped) */
static PyObject *
k_dedup_normalize(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "expected a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    PyObject *low = NULL;
    int simple = !dd_special_case(text);
    if (!simple) { /* str.lower() itself: İ's two characters, final sigma */
        low = PyObject_CallMethod(text, "lower", NULL);
        if (low == NULL)
            return NULL;
    }
    PyObject *src = simple ? text : low;
    Py_ssize_t n = PyUnicode_GET_LENGTH(src);
    int kind = PyUnicode_KIND(src);
    const void *data = PyUnicode_DATA(src);
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(n + 1));
    if (out == NULL) {
        Py_XDECREF(low);
        return PyErr_NoMemory();
    }
    Py_ssize_t m = 0;
    int gap = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (simple)
            c = dd_lower(c);
        if (dd_word(c)) {
            if (gap && m)
                out[m++] = ' ';
            gap = 0;
            out[m++] = c;
        }
        else
            gap = 1; /* a leading or trailing run is dropped: strip() */
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
    PyMem_Free(out);
    Py_XDECREF(low);
    return result;
}

static inline int
dd_sep(Py_UCS4 c) /* the characters a word may hold between letters/digits: ' ’ . - */
{
    return c == '\'' || c == 0x2019 || c == '.' || c == '-';
}

static inline int
dd_break(Py_UCS4 c) /* views._SENTENCE_BREAK */
{
    return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '\n' || c == '"' || c == 0x201C || c == 0x201D;
}

/* spin_view(text, keep) -> str: views.spin_proof_view, keep being word_table(None, None, views.keep_words()) */
static PyObject *
k_spin_view(PyObject *self, PyObject *args)
{
    PyObject *text, *keepobj;
    if (!PyArg_ParseTuple(args, "UO", &text, &keepobj))
        return NULL;
    const word_table *keep = capsule_of(keepobj, WT_CAPSULE, "word_table", "keep");
    if (keep == NULL)
        return NULL;
    ucs4_buf tb = {NULL, 0}, lb = {NULL, 0}, ob = {NULL, 0};
    PyObject *result = NULL;
    Py_ssize_t n = ucs4_of(text, &tb);
    if (n < 0 || ucs4_reserve(&ob, 2 * n + 1) < 0)
        goto done;
    const Py_UCS4 *u = tb.u;
    Py_UCS4 *out = ob.u;
    Py_ssize_t m = 0, prev = 0, ntok = 0;
    int last_placeholder = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (!dd_alnum(u[i])) {
            i++;
            continue;
        }
        /* a token [i, j): the regex views._WORD_SPLIT, greedy */
        Py_ssize_t j = i;
        int fast = 1, alpha = 1, digit = 0;
        for (;;) {
            while (j < n && dd_alnum(u[j]))
                j++;
            if (j + 1 < n && dd_sep(u[j]) && dd_alnum(u[j + 1]))
                j++;
            else
                break;
        }
        for (Py_ssize_t q = i; q < j; q++) {
            Py_UCS4 c = u[q];
            if (c == 0x130 || c == 0x3A3)
                fast = 0;
            if (!dd_alpha(c))
                alpha = 0;
            if (dd_decimal(c))
                digit = 1;
        }
        /* tok.lower(): character by character, or by str.lower() itself for İ and Σ (see dd_lower) */
        Py_ssize_t nl;
        if (fast) {
            nl = j - i;
            if (ucs4_reserve(&lb, nl) < 0)
                goto done;
            for (Py_ssize_t q = 0; q < nl; q++)
                lb.u[q] = dd_lower(u[i + q]);
        }
        else {
            PyObject *tok = PyUnicode_Substring(text, i, j);
            PyObject *low = tok ? PyObject_CallMethod(tok, "lower", NULL) : NULL;
            Py_XDECREF(tok);
            if (low == NULL)
                goto done;
            nl = ucs4_of(low, &lb);
            Py_DECREF(low);
            if (nl < 0)
                goto done;
        }
        uint64_t h = FNV_OFFSET; /* the word table's hash of the lowered token */
        for (Py_ssize_t q = 0; q < nl; q++)
            h = (h ^ lb.u[q]) * FNV_PRIME;
        int kept = wt_find(keep, h, PyUnicode_4BYTE_KIND, lb.u, 0, nl) != NULL;
        int name = 0;
        if (!kept && !(!alpha && digit) && ntok > 0 && Py_UNICODE_ISUPPER(u[i])) {
            name = 1;
            for (Py_ssize_t q = prev; q < i; q++)
                if (dd_break(u[q])) {
                    name = 0;
                    break;
                }
        }
        if (ucs4_reserve(&ob, m + nl + 2) < 0)
            goto done;
        out = ob.u;
        if (kept || (!alpha && digit) || name) {
            if (m)
                out[m++] = ' ';
            for (Py_ssize_t q = 0; q < nl; q++)
                out[m++] = (name && lb.u[q] == 0x2019) ? '\'' : lb.u[q];
            last_placeholder = 0;
        }
        else if (!last_placeholder) {
            if (m)
                out[m++] = ' ';
            out[m++] = '_';
            last_placeholder = 1;
        }
        ntok++;
        prev = i = j;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
done:
    PyMem_Free(tb.u);
    PyMem_Free(lb.u);
    PyMem_Free(ob.u);
    return result;
}

/* acc[k] = min(acc[k], a[k] * v + b[k]) over the values v (mod 2**32): the min over the permutations.
 * 32 permutations at a time are held in registers; compiled for AVX2 too where gcc can dispatch. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define DD_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef DD_CLONES
#define DD_CLONES
#endif
#define DD_BLOCK 32

DD_CLONES static void
affine_min(const uint32_t *restrict vals, Py_ssize_t m, const uint32_t *restrict a, const uint32_t *restrict b,
           uint32_t *restrict acc, Py_ssize_t p)
{
    Py_ssize_t k0 = 0;
    for (; k0 + DD_BLOCK <= p; k0 += DD_BLOCK) {
        uint32_t ra[DD_BLOCK], rb[DD_BLOCK], r[DD_BLOCK];
        for (int k = 0; k < DD_BLOCK; k++) {
            ra[k] = a[k0 + k];
            rb[k] = b[k0 + k];
            r[k] = acc[k0 + k];
        }
        for (Py_ssize_t i = 0; i < m; i++) {
            uint32_t v = vals[i];
            for (int k = 0; k < DD_BLOCK; k++) {
                uint32_t x = ra[k] * v + rb[k];
                r[k] = x < r[k] ? x : r[k];
            }
        }
        for (int k = 0; k < DD_BLOCK; k++)
            acc[k0 + k] = r[k];
    }
    for (; k0 < p; k0++)
        for (Py_ssize_t i = 0; i < m; i++) {
            uint32_t x = a[k0] * vals[i] + b[k0];
            acc[k0] = x < acc[k0] ? x : acc[k0];
        }
}

/* the distinct values of vals[0 ... m) moved to its front (in first-seen order); their number */
static Py_ssize_t
distinct_u32(uint32_t *vals, Py_ssize_t m, uint32_t **table, size_t *cap)
{
    size_t need = 16;
    while (need < 2 * (size_t)m)
        need <<= 1;
    if (need > *cap) {
        uint32_t *t = PyMem_Realloc(*table, sizeof(uint32_t) * need);
        if (t == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *table = t;
        *cap = need;
    }
    uint32_t *t = *table;
    size_t mask = need - 1;
    memset(t, 0, sizeof(uint32_t) * need); /* 0 marks a free slot; the value 0 is tracked apart */
    int zero = 0;
    Py_ssize_t d = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        uint32_t v = vals[i];
        if (v == 0) {
            if (!zero)
                vals[d++] = 0;
            zero = 1;
            continue;
        }
        size_t s = v & mask; /* the values are fmix32 outputs: their low bits are well mixed */
        while (t[s] != 0 && t[s] != v)
            s = (s + 1) & mask;
        if (t[s] == 0) {
            t[s] = v;
            vals[d++] = v;
        }
    }
    return d;
}

static int
u32_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t items, int writable, Py_ssize_t itemsize, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    int ok = view->itemsize == itemsize && f[1] == '\0' &&
             (itemsize == 4 ? (f[0] == 'I' || f[0] == 'L') : (f[0] == 'q' || f[0] == 'l'));
    if (!ok || view->len / itemsize < items) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of at least %zd %s", name, items,
                     itemsize == 4 ? "uint32" : "int64");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* dedup_minhash(texts, word, size, limit, a, b, out, sizes) -> None: for each text (its first `limit`
 * characters when limit >= 0), the "poly" hash of every `size`-character window (word=0) or
 * `size`-word window (word=1; words split at each space) as views.view_hashes makes them, and
 * into row i of out (uint32, len(texts) x len(a)) the affine32 MinHash of those hashes
 * (signature.Permutations.minhash); into sizes[i] (int64) the number of distinct hashes. */
static PyObject *
k_dedup_minhash(PyObject *self, PyObject *args)
{
    PyObject *texts, *ao, *bo, *outo, *sizeso;
    int word;
    Py_ssize_t size, limit;
    if (!PyArg_ParseTuple(args, "O!innOOOO", &PyList_Type, &texts, &word, &size, &limit, &ao, &bo, &outo, &sizeso))
        return NULL;
    if (size < 1) {
        PyErr_SetString(PyExc_ValueError, "size must be positive");
        return NULL;
    }
    Py_ssize_t nt = PyList_GET_SIZE(texts);
    Py_buffer ab, bb, ob, sb;
    if (u32_buffer(ao, &ab, 1, 0, 4, "a") < 0)
        return NULL;
    Py_ssize_t p = ab.len / 4;
    if (u32_buffer(bo, &bb, p, 0, 4, "b") < 0) {
        PyBuffer_Release(&ab);
        return NULL;
    }
    if (u32_buffer(outo, &ob, nt * p, 1, 4, "out") < 0) {
        PyBuffer_Release(&ab);
        PyBuffer_Release(&bb);
        return NULL;
    }
    if (u32_buffer(sizeso, &sb, nt, 1, 8, "sizes") < 0) {
        PyBuffer_Release(&ab);
        PyBuffer_Release(&bb);
        PyBuffer_Release(&ob);
        return NULL;
    }
    const uint32_t *a = ab.buf, *b = bb.buf;
    uint32_t *out = ob.buf;
    int64_t *sizes = sb.buf;
    ucs4_buf tb = {NULL, 0};
    uint32_t *hv = NULL, *table = NULL;
    Py_ssize_t hcap = 0;
    size_t tcap = 0;
    PyObject *result = NULL;
    uint64_t kpow = 1; /* K ** (size - 1) */
    for (Py_ssize_t q = 1; q < size; q++)
        kpow *= POLY_K;
    for (Py_ssize_t t = 0; t < nt; t++) {
        Py_ssize_t n = ucs4_of(PyList_GET_ITEM(texts, t), &tb);
        if (n < 0)
            goto done;
        if (limit >= 0 && n > limit)
            n = limit;
        const Py_UCS4 *u = tb.u;
        if (n + 1 > hcap) {
            uint32_t *h = PyMem_Realloc(hv, sizeof(uint32_t) * (size_t)(n + 1));
            if (h == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            hv = h;
            hcap = n + 1;
        }
        Py_ssize_t m = 0;
        if (n == 0) {
        }
        else if (!word) {
            uint64_t h = 0;
            Py_ssize_t w = n < size ? n : size;
            for (Py_ssize_t q = 0; q < w; q++)
                h = h * POLY_K + u[q];
            hv[m++] = poly_fold(h);
            for (Py_ssize_t s = 1; s + size <= n; s++) { /* roll: drop u[s - 1], add u[s + size - 1] */
                h = (h - (uint64_t)u[s - 1] * kpow) * POLY_K + u[s + size - 1];
                hv[m++] = poly_fold(h);
            }
        }
        else {
            /* word starts: 0 and after each space; a window runs from a start to the end of the
             * size-th word (the space before the next start, or the end of the text) */
            Py_ssize_t words = 1;
            for (Py_ssize_t q = 0; q < n; q++)
                words += u[q] == ' ';
            if (words <= size) {
                uint64_t h = 0;
                for (Py_ssize_t q = 0; q < n; q++)
                    h = h * POLY_K + u[q];
                hv[m++] = poly_fold(h);
            }
            else {
                Py_ssize_t s = 0, e = 0, seen = 0; /* window [s, e) */
                while (seen < size) { /* e: the end of the size-th word */
                    if (e == n || u[e] == ' ') {
                        seen++;
                        if (seen == size)
                            break;
                    }
                    e++;
                }
                for (;;) {
                    uint64_t h = 0;
                    for (Py_ssize_t q = s; q < e; q++)
                        h = h * POLY_K + u[q];
                    hv[m++] = poly_fold(h);
                    if (e == n)
                        break;
                    while (u[s] != ' ') /* the next window: one word on */
                        s++;
                    s++;
                    e++;
                    while (e < n && u[e] != ' ')
                        e++;
                }
            }
        }
        for (Py_ssize_t q = 0; q < m; q++)
            hv[q] = fmix32(hv[q]);
        Py_ssize_t d = distinct_u32(hv, m, &table, &tcap);
        if (d < 0)
            goto done;
        uint32_t *row = out + t * p;
        for (Py_ssize_t k = 0; k < p; k++)
            row[k] = 0xFFFFFFFFU;
        affine_min(hv, d, a, b, row, p);
        sizes[t] = d;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(tb.u);
    PyMem_Free(hv);
    PyMem_Free(table);
    PyBuffer_Release(&ab);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&ob);
    PyBuffer_Release(&sb);
    return result;
}

/* ----------------------------------------------------------------- module --- */

static PyMethodDef methods[] = {
    {"local_features", k_local_features, METH_VARARGS, "Columns 0 ... 33 of linescore.local_features, in place."},
    {"structure", k_structure, METH_VARARGS, "linescore.structure_features, into columns 34 ... 36 of x, in place."},
    {"line_arrays", k_line_arrays, METH_VARARGS, "linescore.line_arrays (lengths, rule hits, comment notices) into a 3 x n float64 array."},
    {"reposition", k_reposition, METH_VARARGS, "The position, repeat and duplicated columns of linescore.reposition, in place."},
    {"wrap_width", k_wrap_width, METH_VARARGS, "boilerplate._wrap_width: the 90th percentile of the lengths."},
    {"unwrap_plan", k_unwrap_plan, METH_VARARGS, "boilerplate._wrap_plan: is a text hard-wrapped, and which lines join."},
    {"stages", k_stages, METH_VARARGS, "Stage-one scores, the stacked context stages and the final scores."},
    {"best_span", k_best_span, METH_VARARGS, "boilerplate._best_span of values[lo:hi], for a float64 array."},
    {"needs_table", k_needs_table, METH_VARARGS, "The phrase tables' needed strings (a tuple of tuples of tuples of str), compiled for rule_screen."},
    {"word_table", k_word_table, METH_VARARGS, "A table of words (codes, phrase index, whole-line first words) for local_features and rule_screen."},
    {"first_codes", k_first_codes, METH_VARARGS, "One pass's verdict codes before the comment section and the main block (boilerplate._classify_codes)."},
    {"lower_lines", k_lower_lines, METH_VARARGS, "[line.lower() for line in lines], by a table below U+0100."},
    {"line_keys", k_line_keys, METH_VARARGS, "boilerplate._key of each stripped, lower-cased line."},
    {"repeat_flags", k_repeat_flags, METH_VARARGS, "boilerplate._repeat_flags: (repeats, duplicated) per line."},
    {"tokenize", k_tokenize, METH_VARARGS, "The \\w+ tokens of each line (re.findall), for a list of lines."},
    {"word_count", k_word_count, METH_O, "The number of words in a str as cleaners.rows counts them (\\w+ runs, joined by an apostrophe or hyphen)."},
    {"rule_screen", k_rule_screen, METH_VARARGS, "Per line: which rules of boilerplate._rule_evidence may fire on it, and the phrase patterns that can match it."},
    {"dedup_normalize", k_dedup_normalize, METH_O, "dedup.views.normalize_for_dedup of one str."},
    {"spin_view", k_spin_view, METH_VARARGS, "dedup.views.spin_proof_view of one str, given the keep words (a word_table)."},
    {"dedup_minhash", k_dedup_minhash, METH_VARARGS, "The poly shingle hashes of each text and their affine32 MinHash, into a signature array, with the distinct counts."},
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
    for (int c = 0; c < 256; c++) {
        word1[c] = Py_UNICODE_ISALNUM(c) || c == '_';
        digit1[c] = Py_UNICODE_ISDIGIT(c) != 0;
        print1[c] = Py_UNICODE_ISPRINTABLE(c) != 0;
        alpha1[c] = Py_UNICODE_ISALPHA(c) != 0;
        decimal1[c] = Py_UNICODE_ISDECIMAL(c) != 0;
        lower1[c] = (Py_UCS1)Py_UNICODE_TOLOWER(c); /* below U+0100 each lowers to one character below it */
    }
    for (int i = 0; i < N_LOG1P; i++)
        log1p_table[i] = log1p((double)i);
    str_phrase = PyUnicode_InternFromString("phrase");
    /* the column layout this was built for; linescore uses the kernels only when it matches */
    PyObject *layout = Py_BuildValue("(iiiiiiiiiii)", N_LOCAL, N_CONTEXT, COL_LOG_WORDS, COL_ENDS, COL_ENDS_COLON, COL_HAS_TIME,
                                     COL_LEXICAL, COL_STRUCT, COL_REPEAT, COL_REL_POS, COL_DUPLICATED);
    if (str_phrase == NULL || layout == NULL || PyModule_AddObject(m, "LAYOUT", layout) < 0) {
        Py_XDECREF(layout);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
