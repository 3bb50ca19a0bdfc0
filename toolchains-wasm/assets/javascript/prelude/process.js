// The `process` global: argv, env, exit, stdin as a stream, stdout/stderr, hrtime.
(function (xc, $) {
  'use strict';

  const EventEmitter = $.lazy('events');
  const process = new EventEmitter();
  $.process = process; // for the event loop's 'beforeExit' and 'exit'

  // ---- stdin: all of the input as one 'data' chunk (judges give it up front; chunk
  // boundaries are arbitrary in Node too), then 'end' and 'close'.
  const stdin = new EventEmitter();
  Object.assign(stdin, { fd: 0, isTTY: false, readable: true, _encoding: null, _taken: false, _started: false });
  // a string after setEncoding(), else a Buffer
  function chunk() {
    const buffer = $.lazy('buffer');
    return stdin._encoding ? buffer.decodeAs(stdin._encoding, null) : new buffer.Buffer(xc.stdinBytes());
  }
  function start() {
    if (!stdin._started) {
      stdin._started = true;
      $.enqueue(pump);
    }
  }
  function pump() {
    if (!stdin._taken) {
      if (stdin.listenerCount('data') > 0) {
        stdin._taken = true;
        const c = chunk();
        if (c.length > 0) stdin.emit('data', c);
      } else if (stdin.listenerCount('readable') > 0) {
        stdin.emit('readable'); // the listener calls read()
      }
    }
    $.enqueue(() => {
      if (stdin.listenerCount('readable') > 0) stdin.emit('readable'); // read() now gives null
      stdin.readable = false;
      stdin.emit('end');
      $.enqueue(() => stdin.emit('close'));
    });
  }
  // like a Node stream, stdin starts flowing when someone listens
  stdin._onListen = function (ev) {
    if (ev === 'data' || ev === 'readable' || ev === 'end' || ev === 'close') start();
  };
  stdin.setEncoding = function (enc) { this._encoding = enc || 'utf8'; return this; };
  stdin.resume = function () { start(); return this; };
  stdin.pause = function () { return this; };
  stdin.ref = stdin.unref = stdin.setRawMode = function () { return this; };
  stdin.read = function () {
    if (this._taken) return null;
    this._taken = true;
    const c = chunk();
    return c.length > 0 ? c : null;
  };
  stdin[Symbol.asyncIterator] = async function* () {
    const c = stdin.read();
    if (c !== null) yield c;
  };

  // ---- stdout, stderr: writes go to the host's buffers
  function writable(fd) {
    const w = new EventEmitter();
    Object.assign(w, {
      fd, isTTY: false, writable: true, columns: 80, rows: 24,
      // some fast-I/O templates call process.stdout._handle.setBlocking(true)
      _handle: { setBlocking() {} },
      write(data, encoding, cb) {
        xc.write(fd, data);
        if (typeof encoding === 'function') cb = encoding;
        if (typeof cb === 'function') queueMicrotask(cb);
        return true;
      },
      end(data, encoding, cb) {
        if (typeof data === 'function') cb = data;
        else if (data !== undefined && data !== null) w.write(data, encoding);
        if (typeof encoding === 'function') cb = encoding;
        if (typeof cb === 'function') queueMicrotask(cb);
        return w;
      },
      cork() {}, uncork() {}, setDefaultEncoding() { return w; },
      getWindowSize: () => [80, 24], hasColors: () => false, getColorDepth: () => 1,
    });
    return w;
  }

  function hrtime(prev) {
    const t = xc.hrtime();
    let s = Number(t / 1000000000n), ns = Number(t % 1000000000n);
    if (prev) {
      s -= prev[0];
      ns -= prev[1];
      if (ns < 0) { s--; ns += 1e9; }
    }
    return [s, ns];
  }
  hrtime.bigint = xc.hrtime;
  const memoryUsage = () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 });
  memoryUsage.rss = () => 0;

  Object.assign(process, {
    argv: [], argv0: '', execArgv: [], execPath: '', // the run's: see below
    env: {}, exitCode: undefined, pid: 1, ppid: 0, title: 'node',
    platform: 'linux', arch: 'wasm32',
    version: 'v22.0.0', versions: { node: '22.0.0' }, release: { name: 'node' },
    stdin, stdout: writable(1), stderr: writable(2),
    exit(code) {
      if (code !== undefined) process.exitCode = code;
      if (!$.exiting) {
        $.exiting = true;
        process.emit('exit', $.exitCode());
      }
      xc.exit($.exitCode());
    },
    abort() { xc.exit(134); },
    nextTick(fn, ...args) { queueMicrotask(() => fn(...args)); },
    hrtime, memoryUsage,
    cwd: () => '/', chdir() {}, umask: () => 0o22, uptime: () => performance.now() / 1000,
    cpuUsage: () => ({ user: 0, system: 0 }), resourceUsage: () => ({}),
    emitWarning(w) { xc.error('(node:1) ' + (w instanceof Error ? w.name + ': ' + w.message : 'Warning: ' + w)); },
    binding() { throw new Error('process.binding is not supported'); },
  });
  // The run's arguments: copied now if the run has started, else (this chunk loaded ahead of
  // the run, into a snapshot) set by main.c when it starts.
  if (xc.argv !== undefined) {
    process.argv = xc.argv.slice();
    process.argv0 = process.execPath = xc.argv[0];
  }
  return process;
})
