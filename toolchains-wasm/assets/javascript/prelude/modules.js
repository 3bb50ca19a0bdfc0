// The rarely used modules: util, assert, os.
(function (xc, $) {
  'use strict';

  const inspect = xc.inspect;
  function deepEqual(a, b) {
    if (Object.is(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof Map || a instanceof Set) return inspect(a, { depth: Infinity }) === inspect(b, { depth: Infinity });
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k])) return false;
    return true;
  }

  const util = {
    inspect, format: xc.format,
    formatWithOptions: (opts, ...args) => xc.format(...args),
    inherits(ctor, superCtor) {
      Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    promisify: (fn) => (...args) => new Promise((resolve, reject) =>
      fn(...args, (err, ...r) => (err ? reject(err) : resolve(r.length > 1 ? r : r[0])))),
    isDeepStrictEqual: deepEqual,
    types: {},
    get TextDecoder() { return $.lazy('buffer').TextDecoder; },
    get TextEncoder() { return $.lazy('buffer').TextEncoder; },
  };

  class AssertionError extends Error {
    constructor(message) {
      super(message);
      this.name = 'AssertionError';
      this.code = 'ERR_ASSERTION';
    }
  }
  function fail(msg, dflt) {
    if (msg instanceof Error) throw msg;
    throw new AssertionError(msg === undefined ? dflt : msg);
  }
  const assert = (v, msg) => { if (!v) fail(msg, 'The expression evaluated to a falsy value'); };
  Object.assign(assert, {
    ok: assert,
    fail: (msg) => fail(msg, 'Failed'),
    equal: (a, b, m) => { if (a != b) fail(m, `${inspect(a)} == ${inspect(b)}`); },
    notEqual: (a, b, m) => { if (a == b) fail(m, `${inspect(a)} != ${inspect(b)}`); },
    strictEqual: (a, b, m) => { if (!Object.is(a, b)) fail(m, `Expected values to be strictly equal:\n\n${inspect(a)} !== ${inspect(b)}`); },
    notStrictEqual: (a, b, m) => { if (Object.is(a, b)) fail(m, `Expected "actual" to be strictly unequal to: ${inspect(b)}`); },
    deepEqual: (a, b, m) => { if (!deepEqual(a, b)) fail(m, 'Expected values to be loosely deep-equal'); },
    deepStrictEqual: (a, b, m) => { if (!deepEqual(a, b)) fail(m, 'Expected values to be strictly deep-equal'); },
    notDeepStrictEqual: (a, b, m) => { if (deepEqual(a, b)) fail(m, 'Expected "actual" not to be strictly deep-equal to "expected"'); },
    throws(fn, expected, m) {
      try { fn(); } catch (_) { return; }
      fail(typeof expected === 'string' ? expected : m, 'Missing expected exception.');
    },
    AssertionError,
  });
  assert.strict = assert;

  const os = {
    EOL: '\n', platform: () => 'linux', type: () => 'Linux', arch: () => 'wasm32', release: () => '',
    cpus: () => [], totalmem: () => 0, freemem: () => 0, uptime: () => 0, loadavg: () => [0, 0, 0],
    homedir: () => '/', tmpdir: () => '/tmp', hostname: () => 'localhost', endianness: () => 'LE',
    userInfo: () => ({ username: 'judge', homedir: '/' }), constants: {},
  };
  return { util, assert, os };
})
