/*
** xlua_config.h: force-included (clang -include) into every Lua 5.4 source file by
** toolchains-wasm/build/lua.sh. It adapts stock Lua 5.4 to WASI preview 1 without
** touching the vendored sources.
**
** Error handling. Lua raises errors with LUAI_THROW and catches them with LUAI_TRY
** (ldo.c), normally longjmp/setjmp. WASI preview 1 has neither setjmp nor wasm
** exceptions (the sandbox refuses the exception-handling proposal), so this build
** unwinds with Binaryen's Asyncify instead, used only for its "unwind" half:
**
**   - LUAI_THROW calls xlua_throw(), which calls asyncify.start_unwind. Every wasm
**     function that can reach a throw (directly, or through any indirect call) was
**     instrumented by `wasm-opt --asyncify`: after each such call it checks the global
**     asyncify state and, while unwinding, returns at once to its caller. That is what
**     longjmp does to the frames between the throw and the catch: they are abandoned
**     without running any more of their code.
**   - LUAI_TRY (used once, in luaD_rawrunprotected) runs the protected function
**     through xlua_catch(), which calls asyncify.stop_unwind itself; Asyncify never
**     instruments such a function. So when the protected function returns in the
**     unwinding state, xlua_catch carries on as normal code: it stops the unwind, puts
**     back the shadow-stack pointer (the abandoned frames never ran their epilogues)
**     and returns 1, and luaD_rawrunprotected returns the error status, as after
**     longjmp.
**   - Asyncify writes each abandoned frame's locals to a scratch buffer while it
**     unwinds (it is built for rewinding later, which we never do). That buffer is the
**     unused part of the shadow stack below the thrower's frame (see xlua_main.c); its
**     contents are never read.
**
** So pcall, error, xpcall, coroutines (coroutine.yield is a throw too), memory errors
** and "stack overflow"/"C stack overflow" errors all behave as in stock Lua.
*/
#ifndef XLUA_CONFIG_H
#define XLUA_CONFIG_H

/* Unwinding support, implemented in xlua_main.c. */
void xlua_throw(void *target);        /* starts the unwind; returns (see above) */
extern void *volatile xlua_target;    /* the struct lua_longjmp being unwound to */
/* Calls f(L, ud); returns 0 if it returned, 1 if an error unwound out of it. */
int xlua_catch(void *L, void (*f)(void *L, void *ud), void *ud);

#define luai_jmpbuf int  /* unused: no jump buffer is needed */

/* The frames between here and the catch are abandoned by the Asyncify unwind: this
** "returns" only in the sense that the (instrumented) caller then returns at once. */
#define LUAI_THROW(L,c) xlua_throw(c)

/*
** In ldo.c `a` is "(*f)(L, ud);" in luaD_rawrunprotected(L, f, ud) (lua.sh checks the
** text): it is run as xlua_catch(L, f, ud) so that the catching frame is xlua_catch's.
** An unwind meant for an outer handler (luaD_throw can re-throw to the main thread's
** handler) is started again from here, as longjmp would have skipped this frame.
*/
#define LUAI_TRY(L,c,a) do { \
    if (xlua_catch((void *)(L), (void (*)(void *, void *))(f), ud) && \
        xlua_target != (void *)(c)) \
      xlua_throw(xlua_target); \
  } while (0)

/* No signals in WASI: Lua only needs the type for its hook mask. */
#define l_signalT int

/* Hash seed for strings: from WASI random_get (deterministic under --deterministic). */
unsigned int xlua_makeseed(void);
#define luai_makeseed(L) xlua_makeseed()

/* `print` does not flush stdout after every line (stock Lua does: one host write per
** line, which doubles the time of output-heavy programs). stdout is flushed when its
** 64 KiB buffer fills, by io.flush / io.stdout:flush, whenever the program waits for
** input (see tie_stdin in xlua_main.c), on errors and at exit. */
#define lua_writeline() (lua_writestring("\n", 1))

#endif
