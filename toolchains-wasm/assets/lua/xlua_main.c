/*
** xlua_main.c: the `lua` command for the judge, in place of stock lua.c (no REPL, no
** -e/-l options): `lua SCRIPT [ARGS...]` runs SCRIPT with the arguments in the global
** table `arg`, like `lua SCRIPT ARGS` does. Exit status 0 on success; on an uncaught
** error it prints "lua: MESSAGE", a "stack traceback:" to stderr and exits with 1, as
** the stock interpreter does.
**
** Also here: the runtime half of the Asyncify-based error unwinding described in
** xlua_config.h, seeds from WASI random_get, os.clock, and stdin tied to stdout.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

/* Messages say "lua: ..." whatever argv[0] is (a sandbox may pass the module's name). */
static const char *progname = "lua";

/* {====================================================================
** Error unwinding runtime (see xlua_config.h)
** ===================================================================== */

static volatile int xlua_unwinding = 0;  /* 1 while an unwind is in flight */
void *volatile xlua_target = 0;           /* the struct lua_longjmp it is meant for */

/* The bottom of the shadow stack (wasm-ld; the stack grows down towards it). */
extern unsigned char __stack_low;

/* Asyncify's data block: where to write next, and the end of the space. */
struct xlua_asyncify_data {
  uintptr_t current;
  uintptr_t end;
};

/* The shadow stack pointer (LLVM's __stack_pointer global), read and written. */
static inline __attribute__((always_inline)) void *xlua_get_sp(void) {
  void *sp;
  __asm__ volatile(".globaltype __stack_pointer, i32\n\t"
                   "global.get __stack_pointer\n\t"
                   "local.set %0" : "=r"(sp));
  return sp;
}

static inline __attribute__((always_inline)) void xlua_set_sp(void *sp) {
  __asm__ volatile(".globaltype __stack_pointer, i32\n\t"
                   "local.get %0\n\t"
                   "global.set __stack_pointer" : : "r"(sp));
}

/* Room kept free between the scratch space and the live frames. */
#define XLUA_UNWIND_GAP 4096

__attribute__((import_module("asyncify"), import_name("start_unwind")))
void xlua_asyncify_start_unwind(void *data);
__attribute__((import_module("asyncify"), import_name("stop_unwind")))
void xlua_asyncify_stop_unwind(void);

/*
** While unwinding, Asyncify saves the locals of every abandoned frame into a scratch
** area that nobody reads afterwards. Everything below the current stack pointer is free
** stack, so that is the scratch area: no memory is reserved for it. The frames being
** abandoned are all above the stack pointer, and no code but Asyncify's runs until the
** unwind is stopped.
*/
static struct xlua_asyncify_data *unwind_data(void) {
  uintptr_t low = ((uintptr_t)&__stack_low + 15) & ~(uintptr_t)15;
  uintptr_t sp = (uintptr_t)xlua_get_sp();
  struct xlua_asyncify_data *d = (struct xlua_asyncify_data *)low;
  if (sp < low + sizeof(*d) + XLUA_UNWIND_GAP + 65536) {
    /* Cannot happen with LUAI_MAXCCALLS bounding C recursion and a megabytes-big
    ** stack; fail loudly rather than let Asyncify write over live frames. */
    fflush(stdout);
    fputs("lua: internal error: no stack space left to unwind an error\n", stderr);
    _Exit(1);
  }
  d->current = low + sizeof(*d);
  d->end = sp - XLUA_UNWIND_GAP;
  return d;
}

/* LUAI_THROW. Calls asyncify.start_unwind, so Asyncify leaves this function as it is
** ("top-most runtime") and instruments every caller to return at once after it. */
__attribute__((noinline)) void xlua_throw(void *target) {
  xlua_target = target;
  xlua_unwinding = 1;
  xlua_asyncify_start_unwind(unwind_data());
}

/* LUAI_TRY. Calls asyncify.stop_unwind, so Asyncify leaves this function as it is
** ("bottom-most runtime"): an unwind out of f stops here. */
__attribute__((noinline)) int xlua_catch(void *L, void (*f)(void *, void *), void *ud) {
  void *sp = xlua_get_sp();
  f(L, ud);
  if (!xlua_unwinding) return 0;
  xlua_asyncify_stop_unwind();
  xlua_set_sp(sp);
  xlua_unwinding = 0;
  return 1;
}

/* }==================================================================== */


/* {====================================================================
** WASI preview 1 gaps
** ===================================================================== */

/* Seeds come from WASI random_get: live randomness normally, the same bytes on every
** run of a deterministic sandbox. */
static uint64_t entropy64(void) {
  uint64_t v = 0;
  if (getentropy(&v, sizeof v) != 0)
    v = (uint64_t)time(NULL);
  return v;
}

unsigned int xlua_makeseed(void) {
  return (unsigned int)entropy64();
}

/* os.clock: the vendored loslib.c (patched by the lua-src crate) raises "not supported
** on WASI", so main() installs this one. WASI preview 1 process CPU clocks are not
** offered by every host; this is the time since the program started on the monotonic
** clock (for a single-threaded guest nearly the same, and deterministic under
** --deterministic). io.popen, io.tmpfile and os.tmpname raise "not supported on WASI";
** os.execute(cmd) returns nil, "exit", -1 and os.execute() false (the crate's patches). */
static struct timespec clock_start;

static int os_clock(lua_State *L) {
  struct timespec now;
  if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) return luaL_error(L, "clock unavailable");
  lua_pushnumber(L, (lua_Number)(now.tv_sec - clock_start.tv_sec)
                    + (lua_Number)(now.tv_nsec - clock_start.tv_nsec) * 1e-9);
  return 1;
}

/*
** stdin is tied to stdout, as C++'s cin is to cout: stdout is flushed whenever the
** program is about to wait for input (stdin's buffer runs dry). With `print` not
** flushing every line (xlua_config.h), that keeps interactive protocols working while
** bulk output still leaves in 64 KiB writes. libc's FILE is opaque, so the read hook is
** found as the one word of stdin's FILE that holds __stdio_read (musl's layout puts it
** among the first ten); if it is not found, stdin stays untied.
*/
extern size_t __stdio_read(FILE *f, unsigned char *buf, size_t len);

typedef size_t (*read_fn)(FILE *, unsigned char *, size_t);

static size_t tied_read(FILE *f, unsigned char *buf, size_t len) {
  fflush(stdout);
  return __stdio_read(f, buf, len);
}

static void tie_stdin(void) {
  read_fn *words = (read_fn *)(void *)stdin;
  int found = -1;
  for (int i = 0; i < 12; i++) {
    if (words[i] == __stdio_read) {
      if (found >= 0) return;  /* ambiguous: leave it alone */
      found = i;
    }
  }
  if (found >= 0) words[found] = tied_read;
}

/* }==================================================================== */


/* {====================================================================
** The interpreter (after lua.c)
** ===================================================================== */

static void l_message(const char *msg) {
  fprintf(stderr, "%s: %s\n", progname, msg);
  fflush(stderr);
}

/* Message handler: adds a traceback to string errors (lua.c's msghandler). */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static int report(lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL) msg = "(error object is not a string)";
    fflush(stdout);
    l_message(msg);
    lua_pop(L, 1);
  }
  return status;
}

static int docall(lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int status = lua_pcall(L, narg, nres, base);
  lua_remove(L, base);
  return status;
}

/* Global `arg`: arg[0] = script, arg[1..] = its arguments, arg[-1] = "lua". */
static void createargtable(lua_State *L, char **argv, int argc, int script) {
  int narg = argc - (script + 1);
  lua_createtable(L, narg, script + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

/* Seeds math.random from WASI random_get (stock Lua seeds it from time(NULL) and an
** address): math.randomseed(x, y) with x, y from random_get. */
static void seedrandom(lua_State *L) {
  if (lua_getglobal(L, "math") == LUA_TTABLE &&
      lua_getfield(L, -1, "randomseed") == LUA_TFUNCTION) {
    lua_pushinteger(L, (lua_Integer)entropy64());
    lua_pushinteger(L, (lua_Integer)entropy64());
    lua_call(L, 2, 0);
    lua_pop(L, 1);
  } else {
    lua_pop(L, 2);
  }
}

static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  luaL_checkversion(L);
  luaL_openlibs(L);
  seedrandom(L);
  if (lua_getglobal(L, "os") == LUA_TTABLE) {
    lua_pushcfunction(L, os_clock);
    lua_setfield(L, -2, "clock");
  }
  lua_pop(L, 1);
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCGEN, 0, 0);  /* as lua.c */
  createargtable(L, argv, argc, 1);
  const char *fname = argv[1];
  int status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = argc - 2;
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (int i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
    status = docall(L, n, LUA_MULTRET);
  }
  if (report(L, status) != LUA_OK) return 0;
  lua_pushboolean(L, 1);
  return 1;
}

/* Last resort for an error outside any protected call (not expected: everything runs
** under lua_pcall): print it and exit 1 instead of abort(). */
static int panic(lua_State *L) {
  const char *msg = (lua_type(L, -1) == LUA_TSTRING) ? lua_tostring(L, -1)
                                                     : "error object is not a string";
  fflush(stdout);
  fprintf(stderr, "%s: PANIC: unprotected error in call to Lua API (%s)\n", progname, msg);
  fflush(stderr);
  _Exit(1);
  return 0;
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &clock_start);
  if (argc < 2) {
    fprintf(stderr, "usage: %s script [args]\n", progname);
    return 1;
  }
  /* Bigger stdio buffers than musl's 1 KiB: fewer host calls for bulk input/output. */
  static char inbuf[1 << 16], outbuf[1 << 16];
  setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  tie_stdin();
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    l_message("cannot create state: not enough memory");
    return 1;
  }
  lua_atpanic(L, panic);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 0);
  int result = lua_toboolean(L, -1);
  report(L, status);
  lua_close(L);
  fflush(stdout);
  return (result && status == LUA_OK) ? 0 : 1;
}

/* }==================================================================== */
