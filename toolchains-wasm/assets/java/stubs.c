/* libc symbols Rust 1.96's std references that Debian 12's wasi-libc (2022) lacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* No threads on wasip1: nothing can be joined; detaching is a no-op. */
int pthread_join(unsigned long thread, void **result) {
    (void)thread;
    (void)result;
    return ENOSYS;
}

int pthread_detach(unsigned long thread) {
    (void)thread;
    return 0;
}

/* WASI preview 1 has no permissions. */
int chmod(const char *path, unsigned int mode) {
    (void)path;
    (void)mode;
    errno = ENOSYS;
    return -1;
}

/* No canonicalisation under WASI preview 1: the path, copied. */
char *realpath(const char *restrict path, char *restrict resolved) {
    size_t size = strlen(path) + 1;
    char *out = resolved ? resolved : malloc(size);
    if (out) memcpy(out, path, size);
    return out;
}
