// The console methods besides log/info/debug/error/warn (which are native, in main.c).
(function (xc, $) {
  'use strict';

  const inspect = xc.inspect, format = xc.format;
  const counts = new Map(), timeLabels = new Map();
  const console = {
    trace(...args) {
      const stack = (new Error().stack || '').split('\n').filter((l) => l !== '' && !l.includes('node:internal')).join('\n');
      xc.error('Trace' + (args.length ? ': ' + format(...args) : '') + '\n' + stack);
    },
    dir(v, opts) { xc.log(inspect(v, opts)); },
    table(v) { xc.log(v); },
    assert(cond, ...args) {
      if (!cond) xc.error('Assertion failed' + (args.length ? ': ' + format(...args) : ''));
    },
    count(label = 'default') {
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      xc.log(`${label}: ${n}`);
    },
    countReset(label = 'default') { counts.delete(label); },
    time(label = 'default') { timeLabels.set(label, performance.now()); },
    timeLog(label = 'default', ...args) {
      const t = timeLabels.get(label);
      if (t !== undefined) xc.log(`${label}: ${(performance.now() - t).toFixed(3)}ms`, ...args);
    },
    timeEnd(label = 'default') {
      console.timeLog(label);
      timeLabels.delete(label);
    },
    group(...args) { if (args.length) xc.log(...args); },
    groupCollapsed(...args) { if (args.length) xc.log(...args); },
    groupEnd() {},
  };
  return console;
})
