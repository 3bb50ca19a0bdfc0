// The prelude's core: runs before every contestant program. Together with the other files in
// this directory it gives QuickJS the I/O APIs that programs written for other judges use, so
// they run unchanged:
//   - Node.js: require('fs').readFileSync(0), require('readline'), process.stdin events,
//     process.stdout.write, console.*, Buffer, timers, process.exit, ...
//   - Codeforces' V8 shell (d8) and SpiderMonkey: readline(), print(), write(), putstr().
//
// Startup cost is paid by every run, so this file is kept small: everything else is a chunk
// (a sibling file, compiled to bytecode at build time like this one) loaded on first use by
// lazy(): process, Buffer, inspect, require('fs'), ... A hello world loads nothing but this.
//
// `xc` holds the host's native functions (main.c): buffered output, stdin, exit, load (a
// chunk). Nothing else reaches outside. The host calls back the hooks left on `xc`: mainArgs
// (for the function that wraps the program), tick (one macrotask of the event loop), finish
// ('exit' event and exit code), inspect and format (console.log of objects and format
// strings), formatUncaught.
(function (xc, $) {
  'use strict';

  // `$` is what chunks share; main.c passes it to every chunk with `xc`.
  $.process = undefined; // set when the process chunk is loaded
  $.exiting = false;
  const lazy = xc.load; // a chunk's exports, loaded on first use
  $.lazy = lazy;

  // ------------------------------------------------------------------ event loop
  // The host drains microtasks, then calls tick() for one macrotask, until tick() returns
  // false. Macrotasks are the FIFO `tasks` (stdin events, setImmediate, async fs callbacks),
  // then timers (chunk 'timers'). Timers do not wait for real time: a judge gains nothing from
  // sleeping, so a virtual clock jumps to the next timer, keeping the order Node would produce.

  const tasks = []; // pairs: function, argument
  let taskHead = 0;
  $.enqueue = function (fn, arg) {
    tasks.push(fn, arg);
  };
  const timers = []; // sorted by due time, then creation
  $.timers = timers;
  $.now = 0;
  $.schedule = function (t) {
    t._due = $.now + t._ms;
    let i = timers.length;
    while (i > 0 && timers[i - 1]._due > t._due) i--;
    timers.splice(i, 0, t);
  };
  function hasWork() {
    return taskHead < tasks.length || timers.some((t) => t._ref);
  }
  function exitCode() {
    const c = $.process ? $.process.exitCode : undefined;
    return c === undefined || c === null ? 0 : Number(c) | 0;
  }
  $.exitCode = exitCode;

  xc.tick = function () {
    if (taskHead < tasks.length) {
      const fn = tasks[taskHead], arg = tasks[taskHead + 1];
      tasks[taskHead] = tasks[taskHead + 1] = undefined;
      taskHead += 2;
      if (taskHead === tasks.length) tasks.length = taskHead = 0;
      fn(arg);
      return true;
    }
    // unref()'d timers do not keep the loop alive
    const i = timers.length === 0 ? -1 : timers.findIndex((t) => t._ref);
    if (i >= 0) {
      const t = timers[i];
      timers.splice(i, 1);
      if (t._due > $.now) $.now = t._due;
      if (t._repeat) $.schedule(t);
      t._fn.apply(t, t._args);
      return true;
    }
    // Node emits 'beforeExit' whenever the loop runs dry; a listener may schedule more work
    if (listening('beforeExit')) {
      $.process.emit('beforeExit', exitCode());
      return hasWork();
    }
    return false;
  };
  xc.finish = function () {
    if (!$.exiting) {
      $.exiting = true;
      if (listening('exit')) $.process.emit('exit', exitCode());
    }
    return exitCode();
  };
  // Has the program listened to process event `ev`? (Cheap when process is not loaded or has
  // no listeners at all: the process chunk may be loaded ahead of every run, in a snapshot.)
  function listening(ev) {
    const p = $.process;
    return p !== undefined && p._events !== undefined && p.listenerCount(ev) > 0;
  }

  // ------------------------------------------------------------------ stdin
  // The host reads all of fd 0 on first use; every API is a view of that one input.

  let stdinString;
  $.stdinText = function () {
    if (stdinString === undefined) stdinString = xc.stdinText();
    return stdinString;
  };
  // Lines for readline interfaces, with one cursor (`pos`) shared by all of them: stdin is
  // consumed once, as in Node.
  let stdinLines;
  $.lines = function () {
    if (stdinLines === undefined) {
      const t = $.stdinText();
      const a = t === '' ? [] : t.split('\n');
      if (a.length > 0 && a[a.length - 1] === '') a.pop();
      if (t.indexOf('\r') >= 0) {
        for (let i = 0; i < a.length; i++) if (a[i].endsWith('\r')) a[i] = a[i].slice(0, -1);
      }
      a.pos = 0;
      stdinLines = a;
    }
    return stdinLines;
  };

  // ------------------------------------------------------------------ inspect, errors
  // console.log formats primitives in C; objects, format strings and uncaught errors come here.

  const inspect = (v, opts) => lazy('inspect').inspect(v, opts);
  const format = (...args) => lazy('inspect').format(...args);
  xc.inspect = inspect;
  xc.format = format;
  xc.formatUncaught = (e, isRejection) => lazy('inspect').formatUncaught(e, isRejection);

  // ------------------------------------------------------------------ require

  // Node's built-in modules that contest programs use; each is made on first require()
  const builtins = {
    fs: () => lazy('fs'),
    readline: () => lazy('readline').readline,
    'readline/promises': () => lazy('readline').promises,
    events: () => lazy('events'),
    buffer: () => lazy('buffer').module,
    string_decoder: () => ({ StringDecoder: lazy('buffer').StringDecoder }),
    timers: () => lazy('timers'),
    'timers/promises': () => lazy('timers').promises,
    util: () => lazy('modules').util,
    assert: () => lazy('modules').assert,
    'assert/strict': () => lazy('modules').assert,
    os: () => lazy('modules').os,
    perf_hooks: () => ({ performance }),
    process: () => globalThis.process,
    console: () => globalThis.console,
  };
  const moduleCache = Object.create(null);
  function require(name) {
    name = String(name);
    const key = name.startsWith('node:') ? name.slice(5) : name;
    if (key in moduleCache) return moduleCache[key];
    const make = Object.prototype.hasOwnProperty.call(builtins, key) ? builtins[key] : undefined;
    if (make === undefined) {
      const e = new Error(`Cannot find module '${name}': only these built-in modules are available: ` +
        Object.keys(builtins).join(', ') + ' (no npm packages, no other files)');
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    return (moduleCache[key] = make());
  }
  require.cache = moduleCache;
  require.resolve = (name) => name;
  // for `import ... from 'fs'` in an ES module: the module and the names it exports
  xc.moduleExports = function (name) {
    const m = require(name);
    return [m, Object.keys(m)];
  };

  // the arguments of the function that wraps the program, as in Node's CommonJS loader. The
  // module is made here, ahead of the run (into the snapshot, when there is one); mainArgs
  // gives it the run's file.
  const mainModule = { id: '.', path: '/', filename: '', loaded: false, exports: {}, children: [], paths: [], require };
  require.main = mainModule;
  xc.mainArgs = function () {
    const file = xc.argv[1];
    const slash = file.lastIndexOf('/');
    const dirname = slash > 0 ? file.slice(0, slash) : '/';
    mainModule.path = dirname;
    mainModule.filename = file;
    return [mainModule.exports, require, mainModule, file, dirname];
  };
})
