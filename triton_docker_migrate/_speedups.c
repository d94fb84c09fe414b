/* The batch run's hot loop in C: read files and rule out those that cannot hold V1 evidence
 * (source and documentation files: what the text handler reports; others: any V1 evidence).
 *
 * Optional: triton_docker_migrate/textscan.py holds the same function in Python (the reference,
 * used when this module is not built) and tests/test_textscan.py checks that both give the same
 * answer. Nothing here decides anything the Python code does not decide the same way, and no
 * literal is written here: textscan hands over evidence.TEXT_LITERALS and evidence.LITERALS.
 */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0
#endif

static int contains(const char *hay, Py_ssize_t n, const char *needle, Py_ssize_t len)
{
    size_t m = (size_t)len;
    if ((size_t)n < m)
        return 0;
#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
    return memmem(hay, (size_t)n, needle, m) != NULL;
#else
    const char *end = hay + n - m + 1;
    for (const char *p = hay; p < end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (p == NULL)
            return 0;
        if (memcmp(p, needle, m) == 0)
            return 1;
    }
    return 0;
#endif
}

/* The literals of evidence.TEXT_LITERALS and evidence.LITERALS, given once by configure(). */
#define MAX_LITERALS 64
typedef struct {
    PyObject *owner;  /* the bytes objects, kept alive */
    const char *ptr[MAX_LITERALS];
    Py_ssize_t len[MAX_LITERALS];
    Py_ssize_t count;
} Literals;

static Literals text_literals, all_literals;

static int any_of(const Literals *lits, const char *b, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < lits->count; i++)
        if (contains(b, n, lits->ptr[i], lits->len[i]))
            return 1;
    return 0;
}

static int set_literals(Literals *lits, PyObject *tuple)
{
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) > MAX_LITERALS) {
        PyErr_SetString(PyExc_TypeError, "literals: a tuple of at most 64 bytes objects");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (!PyBytes_Check(item) || PyBytes_GET_SIZE(item) == 0) {
            PyErr_SetString(PyExc_TypeError, "literals: non-empty bytes only");
            return -1;
        }
    }
    Py_INCREF(tuple);
    Py_XDECREF(lits->owner);
    lits->owner = tuple;
    lits->count = PyTuple_GET_SIZE(tuple);
    for (Py_ssize_t i = 0; i < lits->count; i++) {
        lits->ptr[i] = PyBytes_AS_STRING(PyTuple_GET_ITEM(tuple, i));
        lits->len[i] = PyBytes_GET_SIZE(PyTuple_GET_ITEM(tuple, i));
    }
    return 0;
}

static PyObject *configure(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *text, *all;
    if (!PyArg_ParseTuple(args, "OO", &text, &all))
        return NULL;
    if (set_literals(&text_literals, text) < 0 || set_literals(&all_literals, all) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* textscan.NOT_PLAIN: UTF-16/32 byte-order marks, and a shebang */
static int utf16_32(const unsigned char *b, Py_ssize_t n)
{
    if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
        return 1;
    return n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff;
}

static int not_plain(const unsigned char *b, Py_ssize_t n)
{
    return utf16_32(b, n) || (n >= 2 && b[0] == '#' && b[1] == '!');
}

static PyObject *read_files(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *paths;
    Py_ssize_t first_read;
    int text;
    if (!PyArg_ParseTuple(args, "O!np", &PyList_Type, &paths, &first_read, &text))
        return NULL;
    if (first_read <= 0) {
        PyErr_SetString(PyExc_ValueError, "first_read must be positive");
        return NULL;
    }
    char *buf = PyMem_Malloc((size_t)first_read);
    if (buf == NULL)
        return PyErr_NoMemory();
    PyObject *hits = PyList_New(0);
    if (hits == NULL) {
        PyMem_Free(buf);
        return NULL;
    }
    Py_ssize_t ruled_out = 0;
    Py_ssize_t count = PyList_GET_SIZE(paths);
    for (Py_ssize_t i = 0; i < count; i++) {
        if ((i & 63) == 0 && PyErr_CheckSignals() < 0)  /* Ctrl-C */
            goto error;
        PyObject *encoded = NULL;
        if (!PyUnicode_FSConverter(PyList_GET_ITEM(paths, i), &encoded))
            goto error;
        int fd;
        do {
            /* never through a symlink, never blocking on a FIFO swapped in since the walk listed
               a regular file; anything but a regular file goes to the Python path */
            fd = open(PyBytes_AS_STRING(encoded), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        } while (fd < 0 && errno == EINTR);
        Py_DECREF(encoded);
        Py_ssize_t n = -1;
        struct stat st;
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0) {
            do {
                n = read(fd, buf, (size_t)first_read);
            } while (n < 0 && errno == EINTR);
            close(fd);
        }
        PyObject *item;
        if (n < 0 || n >= first_read) {
            /* unreadable, or more than a first read: the Python path reads it again */
            item = Py_BuildValue("(nO)", i, Py_None);
        } else if (text ? not_plain((const unsigned char *)buf, n) || any_of(&text_literals, buf, n)
                        : utf16_32((const unsigned char *)buf, n) || any_of(&all_literals, buf, n)) {
            item = Py_BuildValue("(ny#)", i, buf, n);
        } else {
            ruled_out++;
            continue;
        }
        if (item == NULL || PyList_Append(hits, item) < 0) {
            Py_XDECREF(item);
            goto error;
        }
        Py_DECREF(item);
    }
    PyMem_Free(buf);
    PyObject *result = Py_BuildValue("(On)", hits, ruled_out);
    Py_DECREF(hits);
    return result;
error:
    PyMem_Free(buf);
    Py_DECREF(hits);
    return NULL;
}

static PyMethodDef methods[] = {
    {"read_files", read_files, METH_VARARGS,
     "read_files(paths, first_read, text) -> (hits, ruled_out): see textscan.read_files."},
    {"configure", configure, METH_VARARGS,
     "configure(text_literals, literals): the evidence literals (tuples of bytes) read_files looks for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_speedups", .m_doc = NULL, .m_size = -1, .m_methods = methods,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
