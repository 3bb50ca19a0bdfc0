/* Xcode's JavaScript runner: QuickJS-ng as one WASI (preview 1) command.
 *
 *     qjs /src/main.js  < input
 *
 * Runs the script the way Node.js runs a CommonJS main module (wrapped in a function that
 * receives exports, require, module, __filename and __dirname), after a prelude (prelude/)
 * that supplies the Node and Codeforces/d8 I/O APIs contest programs use. Then it runs an event
 * loop: drain microtasks, ask the prelude for one macrotask (stdin events, timers), repeat
 * until nothing is left, like Node.
 *
 * Exit status: process.exitCode or process.exit(code); 1 after an uncaught exception or an
 * unhandled promise rejection, which is printed on stderr first; 2 for a usage error.
 *
 * Everything the prelude needs from the host is on one object, `xc`, passed to the prelude as
 * an argument and never made global. Output is buffered here, in C: stdout is written when the
 * 64 KiB buffer fills and at exit (any exit: normal, process.exit, uncaught error), stderr at
 * the end of every call so that debugging output survives a run that is killed. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "quickjs.h"

/* engine.c */
void xc_set_stack_limit(JSRuntime *rt, uintptr_t limit);
void xc_reset_gc_threshold(JSRuntime *rt);
void xc_instantiate_builtins(JSContext *ctx);
void xc_start(JSContext *ctx, uint64_t seed);
void xc_install_fast_paths(JSContext *ctx);
JSValue xc_eval_from_line0(JSContext *ctx, const char *input, size_t len, const char *filename);

/* prelude.c, generated at build time from the files in prelude/: one chunk per file, as
 * bytecode (or as source, when the build had no native compiler to run mkprelude) */
struct xc_chunk {
    const char *name;
    const uint8_t *data;
    size_t len;
};
extern const struct xc_chunk xc_chunks[];
extern const int xc_chunk_count;
extern const int xc_chunks_are_bytecode;

/* Lowest address of the C stack in linear memory, defined by wasm-ld. The stack grows down
 * towards it; with --stack-first it is address 0, so an overflow the engine does not catch
 * leaves linear memory and traps instead of overwriting data. */
extern unsigned char __stack_low[];

/* Room left below QuickJS's stack limit for C code that runs between its checks (parser,
 * regexp, libc, building the RangeError itself). Frames are at most a few KiB. */
#define STACK_MARGIN (256 * 1024)

#define countof(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- output */

typedef struct {
    size_t len;
    char buf[64 * 1024];
} OutBuf;

/* All zero, so in .bss: no 128 KiB of zeros in the module's data (or a snapshot's). */
static OutBuf out1, out2;

#define ob_fd(o) ((o) == &out2 ? 2 : 1)

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere to report it; the sandbox records why */
        }
        p += r;
        n -= (size_t)r;
    }
}

static void ob_flush(OutBuf *o)
{
    write_all(ob_fd(o), o->buf, o->len);
    o->len = 0;
}

static void ob_put(OutBuf *o, const char *p, size_t n)
{
    if (n > sizeof o->buf - o->len) {
        ob_flush(o);
        if (n >= sizeof o->buf) {
            write_all(ob_fd(o), p, n);
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void ob_puts(OutBuf *o, const char *s)
{
    ob_put(o, s, strlen(s));
}

/* end of one console/print/write call */
static void ob_done(OutBuf *o)
{
    if (o == &out2)
        ob_flush(o);
}

static _Noreturn void finish(int code)
{
    ob_flush(&out1);
    ob_flush(&out2);
    _Exit(code);
}

/* ---------------------------------------------------------------- stdin */

/* All of fd 0, read once on first use: judges give the whole input up front, and one buffer
 * serves every API (a line cursor for readline(), a string for readFileSync, ...). */
static uint8_t *in_buf;
static size_t in_len, in_pos;
static int in_state; /* 0 not read yet, 1 read, -1 out of memory */

static int in_load(void)
{
    size_t cap = 64 * 1024;
    if (in_state != 0)
        return in_state;
    in_state = -1;
    in_buf = malloc(cap);
    if (!in_buf)
        return -1;
    for (;;) {
        ssize_t r;
        if (in_len == cap) {
            uint8_t *p = realloc(in_buf, cap * 2);
            if (!p)
                return -1;
            in_buf = p;
            cap *= 2;
        }
        r = read(0, in_buf + in_len, cap - in_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        in_len += (size_t)r;
    }
    in_state = 1;
    return 1;
}

/* ---------------------------------------------------------------- native functions */

static JSValue inspect_fn, format_fn, report_fn, tick_fn, finish_fn;

/* the bytes of an ArrayBuffer or a typed array (Buffer, Uint8Array, ...); NULL, without
 * throwing, for anything else */
static uint8_t *get_bytes(JSContext *ctx, JSValueConst v, size_t *len, JSValue *hold)
{
    *hold = JS_UNDEFINED;
    if (JS_IsArrayBuffer(v))
        return JS_GetArrayBuffer(ctx, len, v);
    if (JS_GetTypedArrayType(v) >= 0) {
        size_t off, n, elt, total;
        uint8_t *p;
        JSValue ab = JS_GetTypedArrayBuffer(ctx, v, &off, &n, &elt);
        if (JS_IsException(ab))
            return NULL;
        p = JS_GetArrayBuffer(ctx, &total, ab);
        *hold = ab;
        if (!p) /* detached */
            return NULL;
        *len = n;
        return p + off;
    }
    return NULL;
}

/* String(v) into o; -1 on exception */
static int put_string(JSContext *ctx, OutBuf *o, JSValueConst v)
{
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, v);
    if (!s)
        return -1;
    ob_put(o, s, n);
    JS_FreeCString(ctx, s);
    return 0;
}

/* an integer in decimal (printf costs several times more) */
static void put_int(OutBuf *o, int64_t v)
{
    char num[24], *p = num + sizeof num;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    ob_put(o, p, (size_t)(num + sizeof num - p));
}

/* one console.log argument: primitives here (the common, hot case), the rest by the
 * prelude's inspect(), which formats like Node's util.inspect */
static int put_inspected(JSContext *ctx, OutBuf *o, JSValueConst v)
{
    switch (JS_VALUE_GET_NORM_TAG(v)) {
    case JS_TAG_INT:
        put_int(o, JS_VALUE_GET_INT(v));
        return 0;
    case JS_TAG_FLOAT64: {
        double d = JS_VALUE_GET_FLOAT64(v);
        if (d == 0 && signbit(d)) {
            ob_puts(o, "-0"); /* what Node prints, unlike String(-0) */
            return 0;
        }
        if (d == trunc(d) && fabs(d) < 9007199254740992.0) {
            put_int(o, (int64_t)d);
            return 0;
        }
        return put_string(ctx, o, v);
    }
    case JS_TAG_BOOL:
    case JS_TAG_NULL:
    case JS_TAG_UNDEFINED:
        return put_string(ctx, o, v);
    default:
        if (JS_IsString(v))
            return put_string(ctx, o, v);
        {
            JSValue s = JS_Call(ctx, inspect_fn, JS_UNDEFINED, 1, &v);
            int r;
            if (JS_IsException(s))
                return -1;
            r = put_string(ctx, o, s);
            JS_FreeValue(ctx, s);
            return r;
        }
    }
}

/* console.log/info/debug (magic 1), console.error/warn (magic 2) */
static JSValue xc_console(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv,
                          int magic)
{
    OutBuf *o = magic == 2 ? &out2 : &out1;
    int i;
    if (argc > 1 && JS_IsString(argv[0])) {
        /* a format string ("%d items") goes to the prelude's util.format */
        size_t n;
        const char *s = JS_ToCStringLen(ctx, &n, argv[0]);
        bool fmt;
        if (!s)
            return JS_EXCEPTION;
        fmt = memchr(s, '%', n) != NULL;
        JS_FreeCString(ctx, s);
        if (fmt) {
            JSValue r = JS_Call(ctx, format_fn, JS_UNDEFINED, argc, argv);
            if (JS_IsException(r) || put_string(ctx, o, r) < 0) {
                JS_FreeValue(ctx, r);
                return JS_EXCEPTION;
            }
            JS_FreeValue(ctx, r);
            ob_put(o, "\n", 1);
            ob_done(o);
            return JS_UNDEFINED;
        }
    }
    for (i = 0; i < argc; i++) {
        if (i > 0)
            ob_put(o, " ", 1);
        if (put_inspected(ctx, o, argv[i]) < 0)
            return JS_EXCEPTION;
    }
    ob_put(o, "\n", 1);
    ob_done(o);
    return JS_UNDEFINED;
}

/* d8/SpiderMonkey shell style: print (magic bit 0: newline), write/putstr; String() of each
 * argument, separated by spaces. Bits 1..: fd. */
static JSValue xc_print(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv,
                        int magic)
{
    OutBuf *o = (magic >> 1) == 2 ? &out2 : &out1;
    int i;
    for (i = 0; i < argc; i++) {
        if (i > 0)
            ob_put(o, " ", 1);
        if (put_string(ctx, o, argv[i]) < 0)
            return JS_EXCEPTION;
    }
    if (magic & 1)
        ob_put(o, "\n", 1);
    ob_done(o);
    return JS_UNDEFINED;
}

/* write(fd, data): data is a string (written as UTF-8), bytes, or anything else (String()) */
static JSValue xc_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    OutBuf *o;
    size_t n;
    JSValue hold = JS_UNDEFINED;
    uint8_t *p;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (fd != 1 && fd != 2)
        return JS_ThrowTypeError(ctx, "EBADF: bad file descriptor, write");
    o = fd == 2 ? &out2 : &out1;
    if (!JS_IsString(argv[1]) && (p = get_bytes(ctx, argv[1], &n, &hold)) != NULL) {
        ob_put(o, (const char *)p, n);
        JS_FreeValue(ctx, hold);
    } else {
        JS_FreeValue(ctx, hold);
        if (put_string(ctx, o, argv[1]) < 0)
            return JS_EXCEPTION;
    }
    ob_done(o);
    return JS_UNDEFINED;
}

/* next line of stdin without its "\n" or "\r\n"; undefined at the end */
static JSValue xc_read_line(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *s, *nl;
    size_t n;
    if (in_load() < 0)
        return JS_ThrowOutOfMemory(ctx);
    if (in_pos >= in_len)
        return JS_UNDEFINED;
    s = in_buf + in_pos;
    nl = memchr(s, '\n', in_len - in_pos);
    n = nl ? (size_t)(nl - s) : in_len - in_pos;
    in_pos += n + (nl != NULL);
    if (n > 0 && s[n - 1] == '\r')
        n--;
    return JS_NewStringLen(ctx, (const char *)s, n);
}

/* all of stdin as text (magic 0) or as a new ArrayBuffer (magic 1) */
static JSValue xc_stdin(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv,
                        int magic)
{
    if (in_load() < 0)
        return JS_ThrowOutOfMemory(ctx);
    if (magic)
        return JS_NewArrayBufferCopy(ctx, in_buf, in_len);
    return JS_NewStringLen(ctx, (const char *)in_buf, in_len);
}

/* decode(bytes, start, end): UTF-8 bytes to a string */
static JSValue xc_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t n;
    int64_t start = 0, end;
    JSValue hold, r;
    uint8_t *p = get_bytes(ctx, argv[0], &n, &hold);
    if (!p) {
        JS_FreeValue(ctx, hold);
        return JS_ThrowTypeError(ctx, "expected bytes");
    }
    end = (int64_t)n;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && JS_ToInt64(ctx, &start, argv[1]))
        goto fail;
    if (argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToInt64(ctx, &end, argv[2]))
        goto fail;
    start = start < 0 ? 0 : start > (int64_t)n ? (int64_t)n : start;
    end = end < start ? start : end > (int64_t)n ? (int64_t)n : end;
    r = JS_NewStringLen(ctx, (const char *)p + start, (size_t)(end - start));
    JS_FreeValue(ctx, hold);
    return r;
fail:
    JS_FreeValue(ctx, hold);
    return JS_EXCEPTION;
}

/* encode(string): its UTF-8 bytes as an ArrayBuffer */
static JSValue xc_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t n;
    JSValue r;
    const char *s = JS_ToCStringLen(ctx, &n, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    r = JS_NewArrayBufferCopy(ctx, (const uint8_t *)s, n);
    JS_FreeCString(ctx, s);
    return r;
}

static char *read_file(const char *path, size_t *plen)
{
    int fd = open(path, O_RDONLY);
    size_t len = 0, cap = 64 * 1024;
    char *buf;
    if (fd < 0)
        return NULL;
    buf = malloc(cap + 1);
    for (;;) {
        ssize_t r;
        if (!buf) {
            close(fd);
            errno = ENOMEM;
            return NULL;
        }
        if (len == cap) {
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = p;
            cap *= 2;
        }
        r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *plen = len;
    return buf;
}

/* readFile(path): an ArrayBuffer, or the errno (a number) on failure */
static JSValue xc_read_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t n;
    char *buf;
    JSValue r;
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path)
        return JS_EXCEPTION;
    buf = read_file(path, &n);
    JS_FreeCString(ctx, path);
    if (!buf)
        return JS_NewInt32(ctx, errno);
    r = JS_NewArrayBufferCopy(ctx, (const uint8_t *)buf, n);
    free(buf);
    return r;
}

static JSValue xc_strerror(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int e;
    if (JS_ToInt32(ctx, &e, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, strerror(e));
}

static JSValue xc_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int code = 0;
    JS_ToInt32(ctx, &code, argv[0]);
    finish(code);
}

/* monotonic nanoseconds as a BigInt, for process.hrtime */
static JSValue xc_hrtime(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewBigInt64(ctx, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* promiseState(p): -1 not a promise, 0 pending, 1 fulfilled, 2 rejected (for inspect) */
static JSValue xc_promise_state(JSContext *ctx, JSValueConst this_val, int argc,
                                JSValueConst *argv)
{
    return JS_NewInt32(ctx, JS_PromiseState(ctx, argv[0]));
}

static JSValue xc_promise_result(JSContext *ctx, JSValueConst this_val, int argc,
                                 JSValueConst *argv)
{
    return JS_PromiseResult(ctx, argv[0]);
}

/* ---------------------------------------------------------------- prelude chunks */

/* Each chunk (prelude/NAME.js) is a function `(xc, $) => exports`, run at most once, on first
 * use; its exports are kept here. `$` is an object the chunks share. */
#define MAX_CHUNKS 32
static JSValue xc_obj, shared_obj;
static JSValue chunk_exports[MAX_CHUNKS];
static bool chunk_loaded[MAX_CHUNKS];

/* the index of chunk `name`, or -1 */
static int chunk_index(const char *name)
{
    int i;
    for (i = 0; i < xc_chunk_count && i < MAX_CHUNKS; i++) {
        if (strcmp(xc_chunks[i].name, name) == 0)
            return i;
    }
    return -1;
}

static JSValue load_chunk(JSContext *ctx, const char *name)
{
    int i = chunk_index(name);
    const struct xc_chunk *c;
    JSValue f, r, args[2];
    char filename[64];
    if (i < 0)
        return JS_ThrowInternalError(ctx, "no prelude chunk '%s'", name);
    if (chunk_loaded[i])
        return JS_DupValue(ctx, chunk_exports[i]);
    c = &xc_chunks[i];
    if (xc_chunks_are_bytecode) {
        f = JS_ReadObject(ctx, c->data, c->len, JS_READ_OBJ_BYTECODE);
        if (!JS_IsException(f))
            f = JS_EvalFunction(ctx, f);
    } else {
        snprintf(filename, sizeof filename, "node:internal/%s.js", name);
        f = JS_Eval(ctx, (const char *)c->data, c->len, filename,
                    JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_STRICT);
    }
    if (JS_IsException(f))
        return f;
    args[0] = xc_obj;
    args[1] = shared_obj;
    r = JS_Call(ctx, f, JS_UNDEFINED, 2, args);
    JS_FreeValue(ctx, f);
    if (JS_IsException(r))
        return r;
    chunk_exports[i] = r;
    chunk_loaded[i] = true;
    return JS_DupValue(ctx, r);
}

/* load(name): the exports of chunk `name` */
static JSValue xc_load(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    JSValue r;
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name)
        return JS_EXCEPTION;
    r = load_chunk(ctx, name);
    JS_FreeCString(ctx, name);
    return r;
}

/* Globals (and console methods) whose implementation is in a chunk start as accessors: the
 * first read loads the chunk and replaces the accessor with a plain writable property, as
 * does an assignment (without loading anything). */
static const struct {
    const char *name;  /* property */
    const char *chunk; /* chunk */
    const char *key;   /* export of the chunk; NULL: the chunk's exports themselves */
} lazy_props[] = {
    { "process", "process", NULL },
    { "Buffer", "buffer", "Buffer" },
    { "TextDecoder", "buffer", "TextDecoder" },
    { "TextEncoder", "buffer", "TextEncoder" },
#define LAZY_TIMERS 4
    { "setTimeout", "timers", "setTimeout" },
    { "setInterval", "timers", "setInterval" },
    { "setImmediate", "timers", "setImmediate" },
    { "clearTimeout", "timers", "clearTimeout" },
    { "clearInterval", "timers", "clearInterval" },
    { "clearImmediate", "timers", "clearImmediate" },
#define LAZY_CONSOLE 10
    { "trace", "console", "trace" },
    { "dir", "console", "dir" },
    { "table", "console", "table" },
    { "assert", "console", "assert" },
    { "count", "console", "count" },
    { "countReset", "console", "countReset" },
    { "time", "console", "time" },
    { "timeLog", "console", "timeLog" },
    { "timeEnd", "console", "timeEnd" },
    { "group", "console", "group" },
    { "groupCollapsed", "console", "groupCollapsed" },
    { "groupEnd", "console", "groupEnd" },
};

static JSValue lazy_set(JSContext *ctx, JSValueConst this_val, JSValueConst val, int magic)
{
    if (JS_DefinePropertyValueStr(ctx, this_val, lazy_props[magic].name, JS_DupValue(ctx, val),
                                  JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE) < 0)
        return JS_EXCEPTION;
    return JS_UNDEFINED;
}

static JSValue lazy_get(JSContext *ctx, JSValueConst this_val, int magic)
{
    JSValue v = load_chunk(ctx, lazy_props[magic].chunk);
    if (!JS_IsException(v) && lazy_props[magic].key) {
        JSValue e = v;
        v = JS_GetPropertyStr(ctx, e, lazy_props[magic].key);
        JS_FreeValue(ctx, e);
    }
    if (JS_IsException(v) || JS_IsException(lazy_set(ctx, this_val, v, magic))) {
        JS_FreeValue(ctx, v);
        return JS_EXCEPTION;
    }
    return v;
}

#define LAZY(i) JS_CGETSET_MAGIC_DEF(lazy_props[i].name, lazy_get, lazy_set, i)

static const JSCFunctionListEntry console_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 0, xc_console, 1),
    JS_CFUNC_MAGIC_DEF("info", 0, xc_console, 1),
    JS_CFUNC_MAGIC_DEF("debug", 0, xc_console, 1),
    JS_CFUNC_MAGIC_DEF("error", 0, xc_console, 2),
    JS_CFUNC_MAGIC_DEF("warn", 0, xc_console, 2),
    LAZY(LAZY_CONSOLE + 0), LAZY(LAZY_CONSOLE + 1), LAZY(LAZY_CONSOLE + 2),
    LAZY(LAZY_CONSOLE + 3), LAZY(LAZY_CONSOLE + 4), LAZY(LAZY_CONSOLE + 5),
    LAZY(LAZY_CONSOLE + 6), LAZY(LAZY_CONSOLE + 7), LAZY(LAZY_CONSOLE + 8),
    LAZY(LAZY_CONSOLE + 9), LAZY(LAZY_CONSOLE + 10), LAZY(LAZY_CONSOLE + 11),
};

/* Node's globals, and the shell functions of Codeforces' V8 (d8) and SpiderMonkey. Writable
 * and configurable like Node's, so a program may redeclare them (`function print() {}`, or
 * `let readline = ...` at the top of a script). */
static const JSCFunctionListEntry global_funcs[] = {
    JS_OBJECT_DEF("console", console_funcs, countof(console_funcs),
                  JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE),
    LAZY(0), LAZY(1), LAZY(2), LAZY(3),
    LAZY(LAZY_TIMERS + 0), LAZY(LAZY_TIMERS + 1), LAZY(LAZY_TIMERS + 2),
    LAZY(LAZY_TIMERS + 3), LAZY(LAZY_TIMERS + 4), LAZY(LAZY_TIMERS + 5),
    JS_CFUNC_DEF("readline", 0, xc_read_line),
    JS_CFUNC_MAGIC_DEF("print", 0, xc_print, (1 << 1) | 1),
    JS_CFUNC_MAGIC_DEF("printErr", 0, xc_print, (2 << 1) | 1),
    JS_CFUNC_MAGIC_DEF("write", 0, xc_print, (1 << 1) | 0),
    JS_CFUNC_MAGIC_DEF("putstr", 0, xc_print, (1 << 1) | 0),
};

static const JSCFunctionListEntry xc_funcs[] = {
    JS_CFUNC_MAGIC_DEF("log", 0, xc_console, 1),
    JS_CFUNC_MAGIC_DEF("error", 0, xc_console, 2),
    JS_CFUNC_DEF("write", 2, xc_write),
    JS_CFUNC_DEF("readLine", 0, xc_read_line),
    JS_CFUNC_MAGIC_DEF("stdinText", 0, xc_stdin, 0),
    JS_CFUNC_MAGIC_DEF("stdinBytes", 0, xc_stdin, 1),
    JS_CFUNC_DEF("decode", 3, xc_decode),
    JS_CFUNC_DEF("encode", 1, xc_encode),
    JS_CFUNC_DEF("readFile", 1, xc_read_file),
    JS_CFUNC_DEF("strerror", 1, xc_strerror),
    JS_CFUNC_DEF("exit", 1, xc_exit),
    JS_CFUNC_DEF("hrtime", 0, xc_hrtime),
    JS_CFUNC_DEF("promiseState", 1, xc_promise_state),
    JS_CFUNC_DEF("promiseResult", 1, xc_promise_result),
    JS_CFUNC_DEF("load", 1, xc_load),
};

/* ---------------------------------------------------------------- errors */

/* Rejected promises that have no handler yet. Node reports one once the microtask queue is
 * empty and the promise is still unhandled; so do we. */
static JSValue *rejected; /* pairs: promise, reason */
static size_t n_rejected, cap_rejected;

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason,
                            bool is_handled, void *opaque)
{
    size_t i;
    if (!is_handled) {
        if (n_rejected == cap_rejected) {
            size_t cap = cap_rejected ? cap_rejected * 2 : 8;
            JSValue *p = realloc(rejected, cap * 2 * sizeof *p);
            if (!p)
                return;
            rejected = p;
            cap_rejected = cap;
        }
        rejected[2 * n_rejected] = JS_DupValue(ctx, promise);
        rejected[2 * n_rejected + 1] = JS_DupValue(ctx, reason);
        n_rejected++;
        return;
    }
    for (i = 0; i < n_rejected; i++) {
        if (JS_VALUE_GET_PTR(rejected[2 * i]) == JS_VALUE_GET_PTR(promise)) {
            JS_FreeValue(ctx, rejected[2 * i]);
            JS_FreeValue(ctx, rejected[2 * i + 1]);
            memmove(rejected + 2 * i, rejected + 2 * i + 2,
                    (n_rejected - i - 1) * 2 * sizeof *rejected);
            n_rejected--;
            return;
        }
    }
}

/* Print an uncaught exception (or unhandled rejection) like Node and exit 1. The formatting
 * is the prelude's; if that fails too (out of memory, say), fall back to String(exc). */
static _Noreturn void die(JSContext *ctx, JSValue exc, bool rejection)
{
    JSValue s = JS_EXCEPTION;
    ob_flush(&out1);
    if (JS_IsFunction(ctx, report_fn)) {
        JSValue args[2] = { exc, JS_NewBool(ctx, rejection) };
        s = JS_Call(ctx, report_fn, JS_UNDEFINED, 2, args);
    }
    if (JS_IsException(s)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        s = JS_ToString(ctx, exc);
    }
    if (JS_IsException(s) || put_string(ctx, &out2, s) < 0)
        ob_puts(&out2, "Uncaught exception (its message could not be formatted)");
    ob_puts(&out2, "\n");
    finish(1);
}

static void run_microtasks(JSContext *ctx)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    for (;;) {
        JSContext *c;
        int r = JS_ExecutePendingJob(rt, &c);
        if (r == 0)
            break;
        if (r < 0)
            die(c, JS_GetException(c), false);
    }
    if (n_rejected > 0)
        die(ctx, rejected[1], true);
}

static JSValue call_hook(JSContext *ctx, JSValueConst fn, int argc, JSValueConst *argv)
{
    JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, argc, argv);
    if (JS_IsException(r))
        die(ctx, JS_GetException(ctx), false);
    return r;
}

/* ---------------------------------------------------------------- ES modules */

/* A program with import/export statements runs as an ES module (as Node 22 does with a .js
 * file that does not parse as CommonJS). `import ... from 'fs'` (or 'node:fs', ...) gives the
 * built-in module that require('fs') gives: its properties as named exports, itself as the
 * default export. Nothing else can be imported. */
static char *module_normalize(JSContext *ctx, const char *base, const char *name, void *opaque)
{
    return js_strdup(ctx, name);
}

/* exports of a built-in module: private value [module, [names...]] */
static int builtin_module_init(JSContext *ctx, JSModuleDef *m)
{
    JSValue priv = JS_GetModulePrivateValue(ctx, m);
    JSValue ns = JS_GetPropertyUint32(ctx, priv, 0);
    JSValue names = JS_GetPropertyUint32(ctx, priv, 1);
    int64_t n = 0, i;
    int r = 0;
    JS_GetLength(ctx, names, &n);
    for (i = 0; i < n && r == 0; i++) {
        JSValue k = JS_GetPropertyInt64(ctx, names, i);
        const char *name = JS_ToCString(ctx, k);
        r = name ? JS_SetModuleExport(ctx, m, name, JS_GetPropertyStr(ctx, ns, name)) : -1;
        JS_FreeCString(ctx, name);
        JS_FreeValue(ctx, k);
    }
    if (r == 0)
        r = JS_SetModuleExport(ctx, m, "default", JS_DupValue(ctx, ns));
    JS_FreeValue(ctx, names);
    JS_FreeValue(ctx, ns);
    JS_FreeValue(ctx, priv);
    return r;
}

static JSModuleDef *module_loader(JSContext *ctx, const char *name, void *opaque)
{
    JSValue hook = JS_GetPropertyStr(ctx, xc_obj, "moduleExports");
    JSValue arg = JS_NewString(ctx, name);
    JSValue priv = JS_Call(ctx, hook, JS_UNDEFINED, 1, (JSValueConst *)&arg);
    JSValue names;
    JSModuleDef *m = NULL;
    int64_t n = 0, i;
    JS_FreeValue(ctx, arg);
    JS_FreeValue(ctx, hook);
    if (JS_IsException(priv))
        return NULL;
    m = JS_NewCModule(ctx, name, builtin_module_init);
    names = JS_GetPropertyUint32(ctx, priv, 1);
    JS_GetLength(ctx, names, &n);
    for (i = 0; m && i < n; i++) {
        JSValue k = JS_GetPropertyInt64(ctx, names, i);
        const char *s = JS_ToCString(ctx, k);
        if (!s || JS_AddModuleExport(ctx, m, s) < 0)
            m = NULL;
        JS_FreeCString(ctx, s);
        JS_FreeValue(ctx, k);
    }
    JS_FreeValue(ctx, names);
    if (!m || JS_AddModuleExport(ctx, m, "default") < 0 ||
        JS_SetModulePrivateValue(ctx, m, priv) < 0)
        return NULL;
    return m;
}

/* compiles and starts the program as a module: its completion, a promise, or an exception */
static JSValue run_module(JSContext *ctx, const char *src, size_t len, const char *filename)
{
    JSValue f = JS_Eval(ctx, src, len, filename, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    if (JS_IsException(f))
        return f;
    return JS_EvalFunction(ctx, f);
}

/* Does some line start with an import or export statement? (Only a hint for choosing which
 * error to report; the parser decides.) */
static bool has_module_syntax(const char *src, size_t len)
{
    const char *p = src, *end = src + len;
    while (p < end) {
        const char *q;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) > 7 && (memcmp(p, "import", 6) == 0 || memcmp(p, "export", 6) == 0) &&
            strchr(" \t{*\"'", p[6]) != NULL)
            return true;
        q = memchr(p, '\n', (size_t)(end - p));
        p = q ? q + 1 : end;
    }
    return false;
}

/* ---------------------------------------------------------------- event loop */

/* After the program's first run: microtasks, then one macrotask at a time (the prelude's
 * tick()) with microtasks after each, until there is nothing left; then the 'exit' event and
 * the exit code. Node's order, without its real-time waiting. */
static _Noreturn void run_event_loop(JSContext *ctx)
{
    JSValue r;
    int exit_code = 0;
    run_microtasks(ctx);
    for (;;) {
        bool more;
        r = call_hook(ctx, tick_fn, 0, NULL);
        more = JS_ToBool(ctx, r);
        JS_FreeValue(ctx, r);
        run_microtasks(ctx);
        if (!more)
            break;
    }
    r = call_hook(ctx, finish_fn, 0, NULL);
    JS_ToInt32(ctx, &exit_code, r);
    /* No teardown: freeing every object would only cost time; the process ends here. */
    finish(exit_code);
}

/* ---------------------------------------------------------------- main */

static _Noreturn void fatal(const char *msg)
{
    ob_puts(&out2, "qjs: ");
    ob_puts(&out2, msg);
    ob_puts(&out2, "\n");
    finish(70);
}

static JSRuntime *rt;
static JSContext *ctx;
static bool initialized; /* init() has run: in wizer.initialize, before a snapshot */

/* Everything that does not depend on the run (arguments, input, clocks, randomness): the
 * engine, the globals and the prelude's core. A snapshot (wizer.initialize below) keeps its
 * result; without one, main() runs it first. */
static void init(void)
{
    JSValue global, r;

    rt = JS_NewRuntime();
    if (!rt)
        fatal("cannot create the JavaScript runtime");
    xc_set_stack_limit(rt, (uintptr_t)__stack_low + STACK_MARGIN);
    JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);
    JS_SetModuleLoaderFunc(rt, module_normalize, module_loader, NULL);
    ctx = JS_NewContext(rt);
    if (!ctx)
        fatal("cannot create the JavaScript context");
    xc_install_fast_paths(ctx);

    global = JS_GetGlobalObject(ctx);
    JS_SetPropertyFunctionList(ctx, global, global_funcs, countof(global_funcs));
    JS_DefinePropertyValueStr(ctx, global, "global", JS_DupValue(ctx, global),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_FreeValue(ctx, global);

    xc_obj = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, xc_obj, xc_funcs, countof(xc_funcs));
    shared_obj = JS_NewObject(ctx);
    r = load_chunk(ctx, "core");
    if (JS_IsException(r)) {
        JSValue e = JS_GetException(ctx);
        const char *s = JS_ToCString(ctx, e);
        ob_puts(&out2, s ? s : "?");
        ob_puts(&out2, "\n");
        fatal("the prelude failed to load");
    }
    JS_FreeValue(ctx, r);
    inspect_fn = JS_GetPropertyStr(ctx, xc_obj, "inspect");
    format_fn = JS_GetPropertyStr(ctx, xc_obj, "format");
    report_fn = JS_GetPropertyStr(ctx, xc_obj, "formatUncaught");
    tick_fn = JS_GetPropertyStr(ctx, xc_obj, "tick");
    finish_fn = JS_GetPropertyStr(ctx, xc_obj, "finish");
    xc_reset_gc_threshold(rt);
    initialized = true;
}

/* Entry point for a Wizer-style snapshot. The installer instantiates the module (argv "qjs",
 * no environment, no stdin, an empty /src), calls this, and saves linear memory and globals as
 * a new module, whose _start then skips init() and does only the run's part (main()). So
 * this also does ahead what runs would each do on first use:
 *   - every prelude chunk is loaded (together some 100 KiB of heap), and the globals and
 *     console methods they implement are set, in place of the accessors that load them;
 *   - QuickJS's built-in functions and objects are made (they are made on first use, and the
 *     first use of console alone costs more than the rest of a hello world);
 *   - garbage is collected, so that the snapshot holds only what runs can reach.
 *
 * Nothing here may depend on the run or touch its resources: no argv (main gives the
 * process chunk the run's), environment, stdin, files or output (a failure prints, which
 * fails the install); xc_start reads the clock and randomness again. wasi-libc's state in the
 * snapshot is its allocator's and, with a wasi-libc whose _start does not call the
 * constructors itself (Debian 12's), its table of preopened directories: wasm-ld then wraps
 * every export, this one included, in the constructors (which fill that table: /src) and
 * the destructors (which flush stdio, unused here). A run has the same preopens at the same
 * descriptors, and its _start adds them again: the table holds /src twice, both entries the
 * same. */
__attribute__((export_name("wizer.initialize"))) void xc_wizer_initialize(void)
{
    JSValue global, console, r;
    int i;
    if (initialized)
        return;
    init();
    for (i = 0; i < xc_chunk_count && i < MAX_CHUNKS; i++) {
        r = load_chunk(ctx, xc_chunks[i].name);
        if (JS_IsException(r))
            fatal("a prelude chunk failed to load");
        JS_FreeValue(ctx, r);
    }
    global = JS_GetGlobalObject(ctx);
    console = JS_GetPropertyStr(ctx, global, "console");
    for (i = 0; i < (int)countof(lazy_props); i++) {
        r = JS_GetPropertyStr(ctx, i < LAZY_CONSOLE ? global : console, lazy_props[i].name);
        if (JS_IsException(r))
            fatal("a prelude global failed to load");
        JS_FreeValue(ctx, r);
    }
    JS_FreeValue(ctx, console);
    JS_FreeValue(ctx, global);
    xc_instantiate_builtins(ctx);
    JS_RunGC(rt);
    xc_reset_gc_threshold(rt);
}

int main(int argc, char **argv)
{
    static const char head[] = "0, function (exports, require, module, __filename, __dirname) {\n";
    static const char tail[] = "\n}";
    JSValue args, fn, r;
    uint64_t seed = 0;
    char *src, *code;
    size_t src_len;
    int i, k;

    if (argc < 2) {
        ob_puts(&out2, "usage: qjs SCRIPT.js [ARGS...]  (input on stdin)\n");
        finish(2);
    }
    if (!initialized)
        init();

    if (__wasi_random_get((uint8_t *)&seed, sizeof seed) != 0)
        seed = 0;
    xc_start(ctx, seed);
    args = JS_NewArray(ctx);
    for (i = 0; i < argc; i++)
        JS_SetPropertyUint32(ctx, args, (uint32_t)i, JS_NewString(ctx, argv[i]));
    JS_SetPropertyStr(ctx, xc_obj, "argv", args);
    k = chunk_index("process");
    if (k >= 0 && chunk_loaded[k]) {
        /* Loaded ahead of the run (a snapshot), the process chunk has no argv yet. (It may
         * share xc.argv, which only mainArgs reads, before the program runs.) */
        JSValue process = chunk_exports[k], argv0 = JS_NewString(ctx, argv[0]);
        JS_SetPropertyStr(ctx, process, "argv", JS_DupValue(ctx, args));
        JS_SetPropertyStr(ctx, process, "argv0", JS_DupValue(ctx, argv0));
        JS_SetPropertyStr(ctx, process, "execPath", argv0);
    }

    src = read_file(argv[1], &src_len);
    if (!src) {
        ob_puts(&out2, "Error: Cannot find module '");
        ob_puts(&out2, argv[1]);
        ob_puts(&out2, "': ");
        ob_puts(&out2, strerror(errno));
        ob_puts(&out2, "\n");
        finish(1);
    }
    /* Node's CommonJS wrapper: top-level `return` works, top-level variables are locals (also
     * much faster in QuickJS than globals). It has a line to itself, numbered 0, so that line
     * and column numbers in messages are the file's. The script's value is the function: a
     * comma expression rather than Node's parenthesised one, since at a '(' QuickJS's parser
     * first scans ahead to the matching ')' (is it an arrow function?), which here would mean
     * tokenizing the whole program twice. */
    if (src_len >= 2 && src[0] == '#' && src[1] == '!')
        src[0] = src[1] = '/'; /* a hashbang line becomes a comment */
    code = malloc(sizeof head - 1 + src_len + sizeof tail);
    if (!code)
        fatal("out of memory");
    memcpy(code, head, sizeof head - 1);
    memcpy(code + sizeof head - 1, src, src_len);
    memcpy(code + sizeof head - 1 + src_len, tail, sizeof tail);
    fn = xc_eval_from_line0(ctx, code, sizeof head - 1 + src_len + sizeof tail - 1, argv[1]);
    free(code);

    if (JS_IsException(fn)) {
        /* Not CommonJS. If it looks like an ES module (import/export statements, or perhaps a
         * top-level await), run it as one; if that fails too, report the error that is likely
         * to make sense to its author. */
        JSValue cjs_error = JS_GetException(ctx);
        bool esm_syntax = has_module_syntax(src, src_len);
        if (esm_syntax || strstr(src, "await")) {
            r = run_module(ctx, src, src_len, argv[1]);
            if (!JS_IsException(r)) {
                JS_FreeValue(ctx, cjs_error);
                free(src);
                if (JS_PromiseState(ctx, r) == JS_PROMISE_REJECTED)
                    die(ctx, JS_PromiseResult(ctx, r), false);
                JS_FreeValue(ctx, r);
                run_event_loop(ctx);
            }
            if (esm_syntax) {
                JS_FreeValue(ctx, cjs_error);
                cjs_error = JS_GetException(ctx);
            } else {
                JS_FreeValue(ctx, JS_GetException(ctx));
            }
        }
        die(ctx, cjs_error, false);
    }
    free(src);

    /* run it (with this = module.exports, as in Node), then the event loop */
    r = JS_GetPropertyStr(ctx, xc_obj, "mainArgs");
    args = call_hook(ctx, r, 0, NULL);
    JS_FreeValue(ctx, r);
    {
        JSValue a[5];
        for (i = 0; i < 5; i++)
            a[i] = JS_GetPropertyUint32(ctx, args, (uint32_t)i);
        r = JS_Call(ctx, fn, a[0], 5, a);
        if (JS_IsException(r))
            die(ctx, JS_GetException(ctx), false);
        JS_FreeValue(ctx, r);
        for (i = 0; i < 5; i++)
            JS_FreeValue(ctx, a[i]);
    }
    JS_FreeValue(ctx, args);
    JS_FreeValue(ctx, fn);
    run_event_loop(ctx);
}
