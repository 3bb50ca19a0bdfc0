// require('fs'): reading stdin (fd 0, /dev/stdin) and the read-only files the sandbox
// provides, writing to stdout/stderr (fd 1/2, /dev/stdout, /dev/stderr). Nothing else is
// writable in the sandbox.
(function (xc, $) {
  'use strict';

  const buffer = $.lazy('buffer');
  const Buffer = buffer.Buffer;
  // WASI errno values (wasi/api.h) to Node's codes
  const errnoNames = { 2: 'EACCES', 8: 'EBADF', 31: 'EISDIR', 44: 'ENOENT', 54: 'ENOTDIR', 63: 'EPERM', 69: 'EROFS' };
  function fsError(errno, syscall, path) {
    if (errno === 76) errno = 44; // a path outside the sandbox's directories does not exist
    const code = errnoNames[errno] || 'EIO';
    const text = xc.strerror(errno);
    const e = new Error(`${code}: ${text.charAt(0).toLowerCase() + text.slice(1)}, ${syscall} '${path}'`);
    e.errno = -errno;
    e.code = code;
    e.syscall = syscall;
    e.path = path;
    return e;
  }
  const isStdin = (p) => p === 0 || p === '/dev/stdin' || p === '/proc/self/fd/0';
  const fdOf = (p) => (p === 1 || p === '/dev/stdout' ? 1 : p === 2 || p === '/dev/stderr' ? 2 : -1);
  const encodingOf = (o) => (typeof o === 'string' ? o : o && o.encoding ? o.encoding : null);

  function readFileSync(path, options) {
    const enc = encodingOf(options);
    if (isStdin(path)) return enc ? buffer.decodeAs(enc, null) : new Buffer(xc.stdinBytes());
    const r = xc.readFile(String(path));
    if (typeof r === 'number') throw fsError(r, 'open', path);
    const b = new Buffer(r);
    return enc ? b.toString(enc) : b;
  }
  function writeFileSync(path, data) {
    const fd = fdOf(path);
    if (fd < 0) throw fsError(69, 'open', path);
    xc.write(fd, data);
  }
  function writeSync(fd, data, offset, length) {
    if (fd !== 1 && fd !== 2) throw fsError(8, 'write', fd);
    if (ArrayBuffer.isView(data)) {
      const u8 = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const off = typeof offset === 'number' ? offset : 0;
      const part = u8.subarray(off, typeof length === 'number' ? off + length : u8.length);
      xc.write(fd, part);
      return part.length;
    }
    const s = typeof data === 'string' ? data : String(data);
    xc.write(fd, s);
    return s.length;
  }
  // readSync(0, buffer, ...) reads stdin in pieces, for hand-written fast input
  let stdinBytes = null;
  let readPos = 0;
  function readSync(fd, buf, offset, length, position) {
    if (fd !== 0) throw fsError(8, 'read', fd);
    if (offset !== null && typeof offset === 'object') ({ offset, length, position } = offset);
    if (stdinBytes === null) stdinBytes = new Uint8Array(xc.stdinBytes());
    const u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    offset = offset === undefined ? 0 : offset;
    length = length === undefined ? u8.length - offset : length;
    const n = Math.max(0, Math.min(length, stdinBytes.length - readPos, u8.length - offset));
    u8.set(stdinBytes.subarray(readPos, readPos + n), offset);
    readPos += n;
    return n;
  }
  function statOf(size) {
    return { size, isFile: () => true, isDirectory: () => false, isFIFO: () => false, isSymbolicLink: () => false };
  }
  function later(cb, f) {
    $.enqueue(() => {
      let r;
      try { r = f(); } catch (e) { cb(e); return; }
      cb(null, r);
    });
  }
  return {
    readFileSync, writeFileSync, appendFileSync: writeFileSync, writeSync, readSync,
    openSync(path) {
      if (isStdin(path)) return 0;
      const fd = fdOf(path);
      if (fd >= 0) return fd;
      throw fsError(44, 'open', path);
    },
    closeSync() {},
    existsSync: (p) => isStdin(p) || fdOf(p) >= 0 || typeof xc.readFile(String(p)) !== 'number',
    fstatSync: (fd) => statOf(fd === 0 ? xc.stdinBytes().byteLength : 0),
    statSync(p) {
      if (isStdin(p)) return statOf(xc.stdinBytes().byteLength);
      const r = xc.readFile(String(p));
      if (typeof r === 'number') throw fsError(r, 'stat', p);
      return statOf(r.byteLength);
    },
    readFile(path, options, cb) {
      if (typeof options === 'function') cb = options;
      later(cb, () => readFileSync(path, options));
    },
    writeFile(path, data, options, cb) {
      if (typeof options === 'function') cb = options;
      later(typeof cb === 'function' ? cb : () => {}, () => writeFileSync(path, data));
    },
    promises: {
      readFile: async (path, options) => readFileSync(path, options),
      writeFile: async (path, data) => writeFileSync(path, data),
    },
    constants: { O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2 },
  };
})
