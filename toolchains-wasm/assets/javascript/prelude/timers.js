// setTimeout & co. The event loop in core.js runs them in order of due time on a virtual
// clock (no real waiting).
(function (xc, $) {
  'use strict';

  const timers = $.timers;
  function unschedule(t) {
    const i = timers.indexOf(t);
    if (i >= 0) timers.splice(i, 1);
  }
  function checkCallback(fn) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
  }
  let lastId = 0;
  class Timeout {
    constructor(fn, args, ms, repeat) {
      checkCallback(fn);
      ms = Number(ms);
      this._fn = fn;
      this._args = args;
      this._ms = ms >= 1 && ms <= 2147483647 ? Math.floor(ms) : 1; // Node's rule
      this._repeat = repeat;
      this._ref = true;
      this._id = ++lastId;
      $.schedule(this);
    }
    ref() { this._ref = true; return this; }
    unref() { this._ref = false; return this; }
    hasRef() { return this._ref; }
    refresh() { unschedule(this); $.schedule(this); return this; }
    close() { unschedule(this); return this; }
    [Symbol.toPrimitive]() { return this._id; }
  }
  function clearTimer(t) {
    if (t instanceof Timeout) unschedule(t);
    else if (t !== undefined && t !== null) {
      const i = timers.findIndex((x) => x._id === +t);
      if (i >= 0) timers.splice(i, 1);
    }
  }
  class Immediate {
    constructor(fn, args) {
      checkCallback(fn);
      this._fn = fn;
      this._args = args;
      $.enqueue(runImmediate, this);
    }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
  }
  function runImmediate(im) {
    if (im._fn) im._fn.apply(undefined, im._args);
  }
  return {
    setTimeout: (fn, ms, ...args) => new Timeout(fn, args, ms, false),
    setInterval: (fn, ms, ...args) => new Timeout(fn, args, ms, true),
    setImmediate: (fn, ...args) => new Immediate(fn, args),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate: (im) => { if (im instanceof Immediate) im._fn = null; },
    promises: {
      setTimeout: (ms, v) => new Promise((resolve) => new Timeout(resolve, [v], ms, false)),
      setImmediate: (v) => new Promise((resolve) => new Immediate(resolve, [v])),
    },
  };
})
