/* A reserve of address space, given back the moment an allocation fails (triton_docker_migrate/reserve.py).
 *
 * Why: under a memory limit (ulimit -v, RLIMIT_AS) a file too large for the memory left is that
 * file's TDM001 error and the run goes on (CONTRACT.md). CPython 3.11 cannot always get there: while
 * the MemoryError unwinds, every frame it passes still holds its objects (the traceback keeps them),
 * and an exception handler that needs a new object (an int for the instruction offset of a handler
 * past offset 256) finds no memory, fails, and retries the same handler forever - a run that never
 * ends (seen here in about one run in fifteen under a limit; tests/test_integrity.py).
 *
 * How: a hook on the raw allocator calls the allocator it replaces and, when that returns NULL,
 * unmaps the reserve before returning NULL. The MemoryError is raised as before; its unwinding then
 * has the reserve's room. Nothing else changes: the hook passes every call through. keep() maps the
 * reserve again once the file's memory is released. The raw allocator is the last word: pymalloc,
 * when it cannot map a new arena, falls back to it for small objects too (a failed arena is not yet
 * out of memory: the C library may still have room, and giving the reserve back then would leave
 * none for the real failure).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sys/mman.h>

static PyMemAllocatorEx raw_next;
static int installed;
static void *reserve;       /* the mapping, or NULL once given back */
static size_t reserve_size;

static void give_back(void)
{
    /* the raw domain may be called without the GIL, from any thread: one caller takes it */
    void *r = __atomic_exchange_n(&reserve, NULL, __ATOMIC_SEQ_CST);
    if (r != NULL)
        munmap(r, reserve_size);
}

static void *raw_malloc(void *ctx, size_t n)
{
    void *p = raw_next.malloc(raw_next.ctx, n);
    if (p == NULL)
        give_back();
    return p;
}

static void *raw_calloc(void *ctx, size_t count, size_t n)
{
    void *p = raw_next.calloc(raw_next.ctx, count, n);
    if (p == NULL)
        give_back();
    return p;
}

static void *raw_realloc(void *ctx, void *ptr, size_t n)
{
    void *p = raw_next.realloc(raw_next.ctx, ptr, n);
    if (p == NULL)
        give_back();
    return p;
}

static void raw_free(void *ctx, void *ptr)
{
    raw_next.free(raw_next.ctx, ptr);
}

static PyObject *keep(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "n", &size))
        return NULL;
    if (!installed) {
        PyMemAllocatorEx raw = {NULL, raw_malloc, raw_calloc, raw_realloc, raw_free};
        PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &raw_next);
        PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw);
        installed = 1;
    }
    if (__atomic_load_n(&reserve, __ATOMIC_SEQ_CST) == NULL && size > 0) {
        /* address space only: never touched, never backed by memory */
        void *r = mmap(NULL, (size_t)size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (r != MAP_FAILED) {
            reserve_size = (size_t)size;
            __atomic_store_n(&reserve, r, __ATOMIC_SEQ_CST);
        }
    }
    return PyBool_FromLong(__atomic_load_n(&reserve, __ATOMIC_SEQ_CST) != NULL);
}

static PyMethodDef methods[] = {
    {"keep", keep, METH_VARARGS,
     "keep(size) -> bool: hold a reserve of size bytes of address space (given back when an allocation "
     "fails); True when it is held."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_reserve", .m_doc = NULL, .m_size = -1, .m_methods = methods,
};

PyMODINIT_FUNC PyInit__reserve(void)
{
    return PyModule_Create(&module);
}
