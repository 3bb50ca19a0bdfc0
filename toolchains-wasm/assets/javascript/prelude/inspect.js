// util.inspect and util.format, as console.log uses them for objects and format strings.
// Node's algorithm (lib/internal/util/inspect.js), reduced to what shows up in contest
// programs: the same quoting, nesting depth, 80-column line breaking and grouping of long
// arrays into columns, so that console.log output matches Node's in the common cases.
(function (xc, $) {
  'use strict';

  const customInspect = Symbol.for('nodejs.util.inspect.custom');
  const kObjectType = 0, kArrayType = 1;
  const identifierRe = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const fnToString = Function.prototype.toString;

  function inspect(value, opts, uncaught = false) {
    const ctx = {
      depth: 2, breakLength: 80, compact: 3, maxArrayLength: 100, maxStringLength: 10000,
      indentationLvl: 0, currentDepth: 0, seen: [], uncaught,
    };
    if (opts !== null && typeof opts === 'object') {
      for (const k of ['depth', 'breakLength', 'compact', 'maxArrayLength', 'maxStringLength']) {
        if (opts[k] !== undefined) ctx[k] = opts[k] === null ? Infinity : opts[k];
      }
    }
    return formatValue(ctx, value, 0);
  }
  inspect.custom = customInspect;

  function formatNumber(n) {
    return n === 0 && 1 / n < 0 ? '-0' : '' + n;
  }
  function escapeChar(c, quote) {
    const n = c.charCodeAt(0);
    if (c === quote || c === '\\') return '\\' + c;
    if (n === 8) return '\\b';
    if (n === 9) return '\\t';
    if (n === 10) return '\\n';
    if (n === 12) return '\\f';
    if (n === 13) return '\\r';
    return '\\x' + (n < 16 ? '0' : '') + n.toString(16).toUpperCase();
  }
  function quote(s) {
    let q = "'";
    if (s.includes("'")) {
      if (!s.includes('"')) q = '"';
      else if (!s.includes('`') && !s.includes('${')) q = '`';
    }
    const re = q === "'" ? /[\x00-\x1f'\\\x7f-\x9f]/g : /[\x00-\x1f\\\x7f-\x9f]/g;
    return q + s.replace(re, (c) => escapeChar(c, q)) + q;
  }
  function formatPrimitive(ctx, v) {
    switch (typeof v) {
      case 'string': {
        let trailer = '';
        if (v.length > ctx.maxStringLength) {
          const rest = v.length - ctx.maxStringLength;
          v = v.slice(0, ctx.maxStringLength);
          trailer = `... ${rest} more character${rest > 1 ? 's' : ''}`;
        }
        return quote(v) + trailer;
      }
      case 'number': return formatNumber(v);
      case 'bigint': return v + 'n';
      case 'symbol': return v.toString();
      default: return '' + v;
    }
  }

  function formatValue(ctx, v, recurseTimes) {
    if (typeof v !== 'object' && typeof v !== 'function') return formatPrimitive(ctx, v);
    if (v === null) return 'null';
    const custom = v[customInspect];
    if (typeof custom === 'function' && custom !== inspect) {
      const depth = ctx.depth - recurseTimes;
      const r = custom.call(v, depth, { depth, ...ctx }, inspect);
      if (r !== v) return typeof r === 'string' ? r : formatValue(ctx, r, recurseTimes);
    }
    if (ctx.seen.includes(v)) {
      if (ctx.circular === undefined) ctx.circular = new Map();
      if (!ctx.circular.has(v)) ctx.circular.set(v, ctx.circular.size + 1);
      return `[Circular *${ctx.circular.get(v)}]`;
    }
    return formatRaw(ctx, v, recurseTimes);
  }

  function getCtorName(obj) {
    while (obj !== null && obj !== undefined) {
      const d = Object.getOwnPropertyDescriptor(obj, 'constructor');
      if (d !== undefined && typeof d.value === 'function' && d.value.name !== '') return d.value.name;
      obj = Object.getPrototypeOf(obj);
    }
    return null;
  }
  function getPrefix(constructor, tag, fallback, size = '') {
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
    return `${constructor}${size} `;
  }
  function ownKeys(v) {
    const keys = Object.keys(v);
    const syms = Object.getOwnPropertySymbols(v);
    for (const s of syms) if (Object.prototype.propertyIsEnumerable.call(v, s)) keys.push(s);
    return keys;
  }
  function functionBase(value, constructor, tag) {
    const src = fnToString.call(value);
    if (src.startsWith('class') && src.endsWith('}')) {
      let base = `[class ${value.name || '(anonymous)'}`;
      const sup = Object.getPrototypeOf(value);
      if (sup && sup.name) base += ` extends ${sup.name}`;
      return base + ']';
    }
    let type = 'Function';
    if (constructor === 'AsyncFunction' || constructor === 'GeneratorFunction' || constructor === 'AsyncGeneratorFunction') type = constructor;
    let base = `[${type}`;
    if (constructor === null) base += ' (null prototype)';
    base += value.name === '' ? ' (anonymous)' : `: ${value.name}`;
    base += ']';
    if (constructor !== type && constructor !== null && constructor !== 'Function') base += ` ${constructor}`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    return base;
  }
  function formatError(err, ctx) {
    const name = err.name === undefined ? 'Error' : '' + err.name;
    const msg = err.message === undefined ? '' : '' + err.message;
    const head = msg === '' ? name : `${name}: ${msg}`;
    let stack = typeof err.stack === 'string' ? err.stack : '';
    // frames of this prelude are noise for the contestant, and so are the native call/apply
    // frames at the bottom, through which it calls the program's callbacks
    const lines = stack.split('\n').filter((l) => l !== '' && !l.includes('node:internal'));
    while (lines.length > 0 && lines[lines.length - 1].endsWith(' (native)')) lines.pop();
    stack = lines.join('\n');
    // Node brackets an error without a stack; an uncaught one (say, thrown by an import) reads
    // better without
    const bare = ctx.uncaught && ctx.seen.length === 0;
    let s = stack === '' && !bare ? `[${head}]` : stack === '' ? head : `${head}\n${stack}`;
    if (err.cause !== undefined && ctx.seen.length < 3) {
      s += `\n  [cause]: ${formatValue(ctx, err.cause, 0)}`;
    }
    if (ctx.indentationLvl !== 0) s = s.replace(/\n/g, '\n' + ' '.repeat(ctx.indentationLvl));
    return s;
  }

  function formatRaw(ctx, value, recurseTimes) {
    let keys;
    const constructor = getCtorName(value);
    let tag = value[Symbol.toStringTag];
    if (typeof tag !== 'string' || tag === constructor) tag = '';
    let base = '';
    let braces;
    let formatter = formatNothing;
    let extrasType = kObjectType;

    if (Array.isArray(value)) {
      keys = []; // Node also shows non-index properties of arrays; listing keys of a big array is too slow for us
      const prefix = constructor !== 'Array' || tag !== '' ? getPrefix(constructor, tag, 'Array', `(${value.length})`) : '';
      braces = [`${prefix}[`, ']'];
      if (value.length === 0) return `${braces[0]}]`;
      extrasType = kArrayType;
      formatter = formatArray;
    } else if (value instanceof Set) {
      keys = ownKeys(value);
      const prefix = getPrefix(constructor, tag, 'Set', `(${value.size})`);
      formatter = formatSet;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (value instanceof Map) {
      keys = ownKeys(value);
      const prefix = getPrefix(constructor, tag, 'Map', `(${value.size})`);
      formatter = formatMap;
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      if (constructor === 'Buffer') {
        const n = Math.min(value.length, 50);
        let s = '<Buffer';
        for (let i = 0; i < n; i++) s += (value[i] < 16 ? ' 0' : ' ') + value[i].toString(16);
        if (value.length > n) s += ` ... ${value.length - n} more byte${value.length - n > 1 ? 's' : ''}`;
        return s + '>';
      }
      keys = [];
      const prefix = getPrefix(constructor, tag, 'TypedArray', `(${value.length})`);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArrayType;
    } else {
      keys = ownKeys(value);
      braces = ['{', '}'];
      if (constructor === 'Object') {
        if (tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      } else if (typeof value === 'function') {
        base = functionBase(value, constructor, tag);
        keys = keys.filter((k) => k !== 'prototype');
        if (keys.length === 0) return base;
      } else if (value instanceof RegExp) {
        base = RegExp.prototype.toString.call(value);
        if (keys.length === 0) return base;
      } else if (value instanceof Date) {
        base = isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
        if (keys.length === 0) return base;
      } else if (value instanceof Error) {
        base = formatError(value, ctx);
        keys = keys.filter((k) => k !== 'stack' && k !== 'message' && k !== 'cause');
        if (keys.length === 0) return base;
      } else if (value instanceof ArrayBuffer) {
        const u8 = new Uint8Array(value, 0, Math.min(value.byteLength, 50));
        let hex = Array.from(u8, (b) => (b < 16 ? '0' : '') + b.toString(16)).join(' ');
        if (value.byteLength > 50) hex += ` ... ${value.byteLength - 50} more bytes`;
        return `ArrayBuffer { [Uint8Contents]: <${hex}>, byteLength: ${value.byteLength} }`;
      } else if (value instanceof Promise) {
        const state = xc.promiseState(value);
        braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
        formatter = state === 0 ? () => ['<pending>'] : (ctx, v, rt) => {
          ctx.indentationLvl += 2;
          const s = formatValue(ctx, xc.promiseResult(v), rt);
          ctx.indentationLvl -= 2;
          return [state === 2 ? `<rejected> ${s}` : s];
        };
      } else if (value instanceof WeakSet || value instanceof WeakMap || value instanceof WeakRef) {
        return `${getPrefix(constructor, tag, 'Object')}{ <items unknown> }`;
      } else if (value instanceof Number || value instanceof String || value instanceof Boolean ||
                 value instanceof BigInt || value instanceof Symbol) {
        const prim = value.valueOf();
        const type = typeof prim === 'bigint' ? 'BigInt' : typeof prim === 'symbol' ? 'Symbol'
          : typeof prim === 'number' ? 'Number' : typeof prim === 'string' ? 'String' : 'Boolean';
        base = `[${type}: ${formatPrimitive(ctx, prim)}]`;
        if (typeof prim === 'string') keys = keys.filter((k) => !(k >= 0 && k < prim.length));
        if (keys.length === 0) return base;
      } else {
        braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      }
    }

    if (recurseTimes > ctx.depth) {
      const name = getPrefix(constructor, tag, Array.isArray(value) ? 'Array' : 'Object').slice(0, -1);
      return `[${name}]`;
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    const output = formatter(ctx, value, recurseTimes);
    for (let i = 0; i < keys.length; i++) output.push(formatProperty(ctx, value, recurseTimes, keys[i]));
    ctx.seen.pop();
    const res = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
    const ref = ctx.circular !== undefined ? ctx.circular.get(value) : undefined;
    return ref === undefined ? res : `<ref *${ref}> ${res}`;
  }

  function formatNothing() {
    return [];
  }
  function formatProperty(ctx, value, recurseTimes, key) {
    const desc = Object.getOwnPropertyDescriptor(value, key) || { value: value[key] };
    let str;
    if (desc.value !== undefined) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else if (desc.set !== undefined) {
      str = '[Setter]';
    } else {
      str = 'undefined';
    }
    let name;
    if (typeof key === 'symbol') name = `[${key.toString()}]`;
    else if (identifierRe.test(key)) name = key;
    else name = quote(key);
    return `${name}: ${str}`;
  }
  function formatArray(ctx, value, recurseTimes) {
    const len = value.length;
    const max = Math.min(ctx.maxArrayLength, len);
    const output = [];
    ctx.indentationLvl += 2;
    for (let i = 0; i < len && output.length < max; i++) {
      if (!(i in value)) {
        let j = i + 1;
        while (j < len && !(j in value)) j++;
        const holes = j - i;
        output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
        i = j - 1;
        continue;
      }
      output.push(formatValue(ctx, value[i], recurseTimes));
    }
    ctx.indentationLvl -= 2;
    const remaining = len - max;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }
  function formatTypedArray(ctx, value) {
    const max = Math.min(ctx.maxArrayLength, value.length);
    const output = new Array(max);
    for (let i = 0; i < max; i++) output[i] = formatPrimitive(ctx, value[i]);
    const remaining = value.length - max;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }
  function formatSet(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const v of value) {
      if (output.length >= ctx.maxArrayLength) break;
      output.push(formatValue(ctx, v, recurseTimes));
    }
    ctx.indentationLvl -= 2;
    const remaining = value.size - output.length;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }
  function formatMap(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    for (const [k, v] of value) {
      if (output.length >= ctx.maxArrayLength) break;
      output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    }
    ctx.indentationLvl -= 2;
    const remaining = value.size - output.length;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  // Short entries of a long array go into aligned columns (Node's groupArrayElements).
  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--; // the "... more items" entry
    const separatorSpace = 2; // ", "
    const dataLen = new Array(outputLength);
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true; // numbers are right-aligned, anything else left-aligned
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') { padStart = false; break; }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = Math.min(i + columns, outputLength);
        let str = '';
        let j = i;
        for (; j < max - 1; j++) {
          const cell = `${output[j]}, `;
          str += padStart ? cell.padStart(maxLineLength[j - i], ' ') : cell.padEnd(maxLineLength[j - i], ' ');
        }
        str += padStart ? output[j].padStart(maxLineLength[j - i] - separatorSpace, ' ') : output[j];
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      output = tmp;
    }
    return output;
  }
  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    const entries = output.length;
    if (extrasType === kArrayType && entries > 6) output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      // fits on one line?
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      let total = output.length + start;
      let fits = total + output.length <= ctx.breakLength;
      for (let i = 0; fits && i < output.length; i++) {
        total += output[i].length;
        if (total > ctx.breakLength) fits = false;
      }
      if (fits && !base.includes('\n')) {
        const joined = output.join(', ');
        if (!joined.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
      }
    }
    const indentation = '\n' + ' '.repeat(ctx.indentationLvl);
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
  }

  // util.format: printf-like %s %d %i %f %j %o %O %c %%, the rest appended with spaces
  function format(...args) {
    const first = args[0];
    let out = '';
    let a = 0;
    if (typeof first === 'string') {
      a = 1;
      let last = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue; // '%'
        const c = first[i + 1];
        if (c === '%') {
          out += first.slice(last, i) + '%';
          last = i + 2;
          i++;
          continue;
        }
        if (a >= args.length) continue;
        const v = args[a];
        let s;
        switch (c) {
          case 's':
            s = typeof v === 'string' ? v : typeof v === 'bigint' ? v + 'n' : typeof v === 'number' ? formatNumber(v)
              : (typeof v === 'object' && v !== null) || typeof v === 'function' ? inspect(v, { depth: 0 }) : String(v);
            break;
          case 'd':
            s = typeof v === 'bigint' ? v + 'n' : typeof v === 'symbol' ? 'NaN' : formatNumber(Number(v));
            break;
          case 'i':
            s = typeof v === 'bigint' ? v + 'n' : typeof v === 'symbol' ? 'NaN' : formatNumber(parseInt(v));
            break;
          case 'f':
            s = typeof v === 'symbol' ? 'NaN' : formatNumber(parseFloat(v));
            break;
          case 'j':
            try { s = JSON.stringify(v); } catch (_) { s = '[Circular]'; }
            break;
          case 'o': s = inspect(v, { depth: 4 }); break;
          case 'O': s = inspect(v); break;
          case 'c': s = ''; break;
          default: continue;
        }
        out += first.slice(last, i) + s;
        last = i + 2;
        i++;
        a++;
      }
      out += first.slice(last);
    }
    for (; a < args.length; a++) {
      const v = args[a];
      if (out !== '' || a > 0) out += ' ';
      out += typeof v === 'string' ? v : inspect(v);
    }
    return out;
  }


  // the message for an uncaught exception or unhandled rejection, on stderr before exit(1)
  function formatUncaught(e, isRejection) {
    if (e instanceof Error) return inspect(e, undefined, true);
    return (isRejection ? 'Uncaught (in promise) ' : 'Uncaught ') + inspect(e);
  }

  return { inspect, format, formatUncaught };
})
