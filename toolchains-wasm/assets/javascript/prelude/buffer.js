// Buffer (a Uint8Array subclass, what readFileSync(0) and stdin 'data' give without an
// encoding), TextDecoder, TextEncoder, StringDecoder. UTF-8 is converted in C (xc.decode,
// xc.encode); the rarer encodings here.
(function (xc, $) {
  'use strict';

  function normEncoding(enc) {
    const e = enc === undefined || enc === null ? 'utf8' : String(enc).toLowerCase();
    switch (e) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'latin1': case 'binary': return 'latin1';
      case 'ascii': case 'hex': case 'base64': case 'base64url': return e;
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
    }
    throw new TypeError('Unknown encoding: ' + enc);
  }
  function latin1Of(u8) {
    let s = '';
    for (let i = 0; i < u8.length; i += 8192) s += String.fromCharCode.apply(null, u8.subarray(i, i + 8192));
    return s;
  }
  // bytes (or, for u8 === null, all of stdin) decoded as `enc`
  function decodeAs(enc, u8) {
    enc = normEncoding(enc);
    if (enc === 'utf8') return u8 === null ? $.stdinText() : xc.decode(u8);
    if (u8 === null) u8 = new Uint8Array(xc.stdinBytes());
    switch (enc) {
      case 'latin1': return latin1Of(u8);
      case 'ascii': return latin1Of(u8.map((b) => b & 0x7f));
      case 'hex': return Array.from(u8, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
      case 'base64': return btoa(latin1Of(u8));
      case 'base64url': return btoa(latin1Of(u8)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      case 'utf16le': {
        let s = '';
        for (let i = 0; i + 1 < u8.length; i += 2) s += String.fromCharCode(u8[i] | (u8[i + 1] << 8));
        return s;
      }
    }
  }
  function bytesOf(str, enc) {
    enc = normEncoding(enc);
    switch (enc) {
      case 'utf8': return new Buffer(xc.encode(str));
      case 'latin1': case 'ascii': return Buffer.from(Array.from(str, (c) => c.charCodeAt(0) & 0xff));
      case 'hex': {
        const b = new Buffer(str.length >> 1);
        for (let i = 0; i < b.length; i++) b[i] = parseInt(str.substr(2 * i, 2), 16);
        return b;
      }
      case 'base64': case 'base64url':
        return bytesOf(atob(str.replace(/-/g, '+').replace(/_/g, '/').replace(/[^A-Za-z0-9+/]/g, '')), 'latin1');
      case 'utf16le': {
        const b = new Buffer(str.length * 2);
        for (let i = 0; i < str.length; i++) { const c = str.charCodeAt(i); b[2 * i] = c & 0xff; b[2 * i + 1] = c >> 8; }
        return b;
      }
    }
  }

  class Buffer extends Uint8Array {
    static from(v, encOrOffset, length) {
      if (typeof v === 'string') return bytesOf(v, encOrOffset);
      if (v instanceof ArrayBuffer) {
        const off = encOrOffset === undefined ? 0 : +encOrOffset;
        return new Buffer(v, off, length === undefined ? v.byteLength - off : length);
      }
      if (v && v.type === 'Buffer' && Array.isArray(v.data)) return new Buffer(v.data);
      return new Buffer(Array.isArray(v) || ArrayBuffer.isView(v) ? v : Array.from(v));
    }
    static alloc(n, fill, enc) {
      const b = new Buffer(n);
      if (fill !== undefined && fill !== 0) {
        if (typeof fill === 'string') {
          const f = bytesOf(fill, enc);
          for (let i = 0; i < n; i++) b[i] = f[i % f.length];
        } else b.fill(fill);
      }
      return b;
    }
    static allocUnsafe(n) { return new Buffer(n); }
    static allocUnsafeSlow(n) { return new Buffer(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { try { normEncoding(e); return true; } catch (_) { return false; } }
    static byteLength(s, enc) { return typeof s === 'string' ? bytesOf(s, enc).length : s.byteLength; }
    static concat(list, total) {
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = new Buffer(total);
      let off = 0;
      for (const b of list) {
        if (off >= total) break;
        const part = b.length > total - off ? b.subarray(0, total - off) : b;
        out.set(part, off);
        off += part.length;
      }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start, end) {
      if (start === undefined && end === undefined) return decodeAs(enc, this);
      return decodeAs(enc, this.subarray(start || 0, end === undefined ? this.length : end));
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(o) { return this.compare(o) === 0; }
    compare(o) {
      const n = Math.min(this.length, o.length);
      for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return this.length < o.length ? -1 : this.length > o.length ? 1 : 0;
    }
    write(str, offset = 0, length, enc) {
      if (typeof offset === 'string') { enc = offset; offset = 0; }
      const b = bytesOf(str, enc);
      const n = Math.min(b.length, this.length - offset, length === undefined ? Infinity : length);
      this.set(b.subarray(0, n), offset);
      return n;
    }
  }

  class TextDecoder {
    constructor(enc = 'utf-8') { this.encoding = String(enc).toLowerCase(); }
    decode(b) {
      if (b === undefined) return '';
      return this.encoding === 'utf-8' || this.encoding === 'utf8' ? xc.decode(b) : decodeAs(this.encoding, b);
    }
  }
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(s = '') { return new Uint8Array(xc.encode(String(s))); }
  }
  // input arrives in one chunk, so no character is ever split between two writes
  class StringDecoder {
    constructor(enc) { this.encoding = normEncoding(enc); }
    write(b) { return typeof b === 'string' ? b : decodeAs(this.encoding, b); }
    end(b) { return b === undefined ? '' : this.write(b); }
  }

  return {
    Buffer, TextDecoder, TextEncoder, StringDecoder, decodeAs,
    module: { Buffer, constants: { MAX_LENGTH: 2 ** 31 - 1 } },
  };
})
