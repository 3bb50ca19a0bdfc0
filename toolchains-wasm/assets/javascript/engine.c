/* The QuickJS engine as one translation unit, plus what its public API cannot do: two
 * settings it hides on WASI, and faster paths for reading numbers, splitting input and %.
 * Including quickjs.c (instead of patching it) keeps the vendored sources untouched while
 * giving access to its internals:
 *
 * - rt->stack_limit: quickjs.c hard-codes "no limit" for __wasi__, so deep JS recursion would
 *   run the C stack (in linear memory) into the data below it. We set a real limit so it
 *   throws RangeError("Maximum call stack size exceeded") instead.
 * - ctx->random_state: seeded from gettimeofday() when the context is made; xc_start reseeds
 *   it from WASI random_get, so that Math.random is unpredictable normally and reproducible
 *   under a deterministic sandbox, and restarts performance.now() from 0 (and
 *   performance.timeOrigin), in case the context was made long before the run (a snapshot). */

/* quickjs.c dispatches opcodes with computed goto unless it sees EMSCRIPTEN (its name for
 * "WebAssembly"); WebAssembly has no indirect branch, so clang turns the computed gotos back
 * into a switch, and a plain switch runs 3% fewer instructions. EMSCRIPTEN changes nothing
 * else in these sources that __wasi__ does not already. */
#define EMSCRIPTEN 1

/* quickjs.c's one call of dtoa.c's js_atod (string to number, for Number(s), +s, parseInt(s),
 * parseFloat(s)) goes through xc_js_atod below, which handles plain integers itself. */
#define js_atod xc_js_atod
/* Likewise its calls of fmod (the % operator on numbers that are not both int32, such as
 * `(a * b) % 1000000007`) go through xc_fmod below. */
#define fmod xc_fmod
#include "quickjs.c"
#undef js_atod
#undef fmod
double js_atod(const char *str, const char **pnext, int radix, int flags,
               JSATODTempMem *tmp_mem);
double fmod(double x, double y);

/* WebAssembly has no floating-point remainder: libc's fmod is a loop over the bits. When both
 * operands are integers (below 2^53, so exact in an int64), the integer remainder is the same
 * number, at the cost of one instruction. It keeps the sign of x, -0 included. */
double xc_fmod(double x, double y)
{
    if (fabs(x) < 9007199254740992.0 && fabs(y) < 9007199254740992.0 && y != 0 &&
        x == trunc(x) && y == trunc(y)) {
        int64_t r = (int64_t)x % (int64_t)y;
        return r == 0 ? copysign(0.0, x) : (double)r;
    }
    return fmod(x, y);
}

/* Reading numbers is most of what a judge's JavaScript program does with its input, and
 * dtoa.c's exact, general parser costs about 550 instructions for "12345". When quickjs.c has
 * already reduced the text to [-]digits (no fraction or exponent: is_float false), up to 15
 * digits are exact in a double and can be summed directly. */
double xc_js_atod(const char *str, const char **pnext, int radix, int flags,
                  JSATODTempMem *tmp_mem)
{
    const char *p = str;
    bool neg = false;
    int64_t v = 0;
    int n = 0;
    if (radix == 10 && pnext == NULL && (flags & JS_ATOD_INT_ONLY)) {
        if (*p == '-') {
            neg = true;
            p++;
        }
        while (*p >= '0' && *p <= '9' && n < 16) {
            v = v * 10 + (*p++ - '0');
            n++;
        }
        if (*p == '\0' && n > 0 && n <= 15)
            return neg ? -(double)v : (double)v; /* -(double)0 is -0, as it must be */
    }
    return js_atod(str, pnext, radix, flags, tmp_mem);
}

void xc_set_stack_limit(JSRuntime *rt, uintptr_t limit)
{
    rt->stack_limit = limit;
}

/* Properties that QuickJS makes on first use ("autoinit": the global object's functions and
 * namespace objects such as Math, JSON and our console, their methods, the methods of the
 * built-in prototypes), made now, in obj and the objects below it down to `depth` levels: for
 * a snapshot, so that runs do not each make them again. Invisible to programs: the value is
 * the one a first read would have made, in the same place among the properties. */
static void xc_instantiate_obj(JSContext *ctx, JSObject *p, int depth)
{
    uint32_t i;
    for (i = 0; i < p->shape->prop_count; i++) {
        JSShapeProperty *prs = get_shape_prop(p->shape) + i;
        JSProperty *pr = &p->prop[i];
        if (prs->atom == JS_ATOM_NULL)
            continue;
        if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {
            if (JS_AutoInitProperty(ctx, p, prs->atom, pr, prs) < 0) {
                JS_FreeValue(ctx, JS_GetException(ctx));
                continue;
            }
            prs = get_shape_prop(p->shape) + i; /* the shape may have been copied */
        }
        if (depth > 0 && (prs->flags & JS_PROP_TMASK) == JS_PROP_NORMAL &&
            JS_VALUE_GET_TAG(pr->u.value) == JS_TAG_OBJECT)
            xc_instantiate_obj(ctx, JS_VALUE_GET_OBJ(pr->u.value), depth - 1);
    }
}

/* ... in the global object, the objects on it and theirs (Math.max, Array.prototype.push,
 * console.log, ...), and every class's prototype (iterators', typed arrays', ...) */
void xc_instantiate_builtins(JSContext *ctx)
{
    int i;
    xc_instantiate_obj(ctx, JS_VALUE_GET_OBJ(ctx->global_obj), 2);
    for (i = 0; i < ctx->rt->class_count; i++) {
        if (JS_VALUE_GET_TAG(ctx->class_proto[i]) == JS_TAG_OBJECT)
            xc_instantiate_obj(ctx, JS_VALUE_GET_OBJ(ctx->class_proto[i]), 0);
    }
}

/* QuickJS collects garbage when its heap grows past a threshold: 256 KiB at first, then 1.5
 * times what survived the last collection. The engine and the prelude alone come close to
 * 256 KiB, so a run's first few allocations would pay for a full collection of objects that
 * all live to the end. Count from the heap as it is now instead, as after a collection. */
void xc_reset_gc_threshold(JSRuntime *rt)
{
    size_t n = rt->malloc_state.malloc_size;
    rt->malloc_gc_threshold = n + (n >> 1);
}

void xc_start(JSContext *ctx, uint64_t seed)
{
    JSValue perf;
    ctx->random_state = seed ? seed : 1; /* xorshift64* state must be non-zero */
    ctx->time_origin = js__now_ms();
    /* performance.timeOrigin holds the time the context was made (JS_AddPerformance), in a
     * read-only, non-configurable property: overwrite its value in place. (ctx->hash_seed,
     * also drawn from the clock with the context, stays: it is XORed into every Map key's
     * hash, which changes no collision, and Maps made before the run depend on it.) */
    perf = JS_GetPropertyStr(ctx, ctx->global_obj, "performance");
    if (JS_VALUE_GET_TAG(perf) == JS_TAG_OBJECT) {
        JSProperty *pr;
        JSAtom atom = JS_NewAtom(ctx, "timeOrigin");
        JSShapeProperty *prs = find_own_property(&pr, JS_VALUE_GET_OBJ(perf), atom);
        if (prs && (prs->flags & JS_PROP_TMASK) == JS_PROP_NORMAL) {
            JS_FreeValue(ctx, pr->u.value);
            pr->u.value = js_float64(ctx->time_origin);
        }
        JS_FreeAtom(ctx, atom);
    }
    JS_FreeValue(ctx, perf);
}

/* RegExp.prototype[Symbol.split], fast. The specification's algorithm, which quickjs.c
 * follows literally, calls exec() on a sticky copy of the regexp at every position of the
 * string: `input.split(/\s+/)`, the most common way to read a test's numbers, costs about 2,000
 * instructions per character. For a standard RegExp (constructor RegExp, built-in exec, not
 * sticky) the same result comes from searching forward from each position with the compiled
 * regexp, once per piece. Anything else takes quickjs.c's path. */
static JSValue xc_regexp_Symbol_split(JSContext *ctx, JSValueConst this_val, int argc,
                                      JSValueConst *argv)
{
    JSRegExp *re = js_get_regexp(ctx, this_val, false);
    JSValue str, A = JS_UNDEFINED;
    JSString *strp;
    uint8_t *bc, *buf, **capture = NULL;
    uint32_t lim = 0xffffffff, size, p, q, m, e;
    int flags, shift, ncap, alloc, rc, i, standard;
    int64_t lengthA = 0;
    bool unicode;

    if (!re)
        return js_regexp_Symbol_split(ctx, this_val, argc, argv);
    standard = js_is_standard_regexp(ctx, this_val);
    if (standard < 0)
        return JS_EXCEPTION;
    bc = str8(re->bytecode);
    flags = lre_get_flags(bc);
    if (!standard || (flags & LRE_FLAG_STICKY))
        return js_regexp_Symbol_split(ctx, this_val, argc, argv);

    str = JS_ToString(ctx, argv[0]);
    if (JS_IsException(str))
        return str;
    A = JS_NewArray(ctx);
    if (JS_IsException(A))
        goto fail;
    if (!JS_IsUndefined(argv[1])) {
        if (JS_ToUint32(ctx, &lim, argv[1]) < 0)
            goto fail;
        if (lim == 0)
            goto done;
    }
    strp = JS_VALUE_GET_STRING(str);
    size = strp->len;
    shift = strp->is_wide_char;
    buf = str8(strp);
    unicode = (flags & (LRE_FLAG_UNICODE | LRE_FLAG_UNICODE_SETS)) != 0;
    ncap = lre_get_capture_count(bc);
    alloc = lre_get_alloc_count(bc);
    capture = js_malloc(ctx, sizeof(capture[0]) * (alloc > 2 ? alloc : 2));
    if (!capture)
        goto fail;

#define XC_PUSH(v)                                                                      \
    do {                                                                                \
        JSValue v_ = (v);                                                               \
        if (JS_IsException(v_) ||                                                       \
            JS_DefinePropertyValueInt64(ctx, A, lengthA++, v_, JS_PROP_C_W_E | JS_PROP_THROW) < 0) \
            goto fail;                                                                  \
        if (lengthA == lim)                                                             \
            goto done;                                                                  \
    } while (0)
#define XC_EXEC(from)                                                                   \
    do {                                                                                \
        rc = lre_exec(capture, bc, buf, (from), size, shift, ctx);                      \
        if (rc < 0) {                                                                   \
            if (rc == LRE_RET_TIMEOUT)                                                  \
                JS_ThrowInterrupted(ctx);                                               \
            else                                                                        \
                JS_ThrowInternalError(ctx, "out of memory in regexp execution");        \
            goto fail;                                                                  \
        }                                                                               \
    } while (0)

    if (size == 0) {
        XC_EXEC(0);
        if (rc != 1)
            XC_PUSH(js_dup(str));
        goto done;
    }
    p = q = 0;
    while (q < size) {
        /* the specification tries a sticky match at q, q+1, ...: the first that succeeds is
         * where a forward search from q finds its match */
        XC_EXEC(q);
        if (rc != 1)
            break;
        m = (uint32_t)((capture[0] - buf) >> shift);
        e = (uint32_t)((capture[1] - buf) >> shift);
        if (m >= size)
            break;
        if (e > size)
            e = size;
        if (e == p) { /* empty match where the last piece ended: move on */
            q = (uint32_t)string_advance_index(strp, m, unicode);
            continue;
        }
        XC_PUSH(js_sub_string(ctx, strp, p, m));
        p = e;
        for (i = 1; i < ncap; i++) {
            if (capture[2 * i] && capture[2 * i + 1])
                XC_PUSH(js_sub_string(ctx, strp, (capture[2 * i] - buf) >> shift,
                                      (capture[2 * i + 1] - buf) >> shift));
            else
                XC_PUSH(JS_UNDEFINED);
        }
        q = p;
    }
    XC_PUSH(js_sub_string(ctx, strp, p, size));
#undef XC_PUSH
#undef XC_EXEC
done:
    js_free(ctx, capture);
    JS_FreeValue(ctx, str);
    return A;
fail:
    js_free(ctx, capture);
    JS_FreeValue(ctx, str);
    JS_FreeValue(ctx, A);
    return JS_EXCEPTION;
}

/* installs the above on RegExp.prototype */
void xc_install_fast_paths(JSContext *ctx)
{
    JS_DefinePropertyValue(ctx, ctx->class_proto[JS_CLASS_REGEXP], JS_ATOM_Symbol_split,
                           JS_NewCFunction2(ctx, xc_regexp_Symbol_split, "[Symbol.split]", 2,
                                            JS_CFUNC_generic, 0),
                           JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
}

/* Evaluates a script whose first line is to be numbered 0, so that the function wrapper main.c
 * puts on a line of its own before the contestant's code leaves their line and column numbers
 * as in their file (JS_Eval2 can only start at 1). */
JSValue xc_eval_from_line0(JSContext *ctx, const char *input, size_t len, const char *filename)
{
    return JS_EvalInternal(ctx, ctx->global_obj, input, len, filename, 0, JS_EVAL_TYPE_GLOBAL,
                           -1);
}
