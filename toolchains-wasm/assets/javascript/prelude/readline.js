// require('readline') and require('readline/promises'). Interfaces read the lines of stdin
// (core.js splits the input once; all interfaces share one cursor, as stdin is consumed once).
(function (xc, $) {
  'use strict';

  const EventEmitter = $.lazy('events');

  class Interface extends EventEmitter {
    constructor(input, output) {
      super();
      if (input && input.input !== undefined) ({ input, output } = input);
      this.input = input;
      this.output = output;
      this.terminal = false;
      this.line = '';
      this.closed = false;
      this._prompt = '> ';
      this._questions = [];
      this._iterating = false;
      // Like Node, start reading once the program has set up its listeners.
      $.enqueue(pump, this);
    }
    close() {
      if (!this.closed) {
        this.closed = true;
        this.emit('close');
      }
    }
    pause() { return this; }
    resume() { return this; }
    setPrompt(p) { this._prompt = p; }
    getPrompt() { return this._prompt; }
    prompt() { if (this.output && this.output.write) this.output.write(this._prompt); }
    write() {}
    question(query, opts, cb) {
      if (typeof opts === 'function') cb = opts;
      if (this.output && this.output.write) this.output.write(query);
      if (typeof cb === 'function') {
        this._questions.push(cb);
        return undefined;
      }
      return new Promise((resolve) => this._questions.push(resolve));
    }
    [Symbol.asyncIterator]() {
      // pull-based: lines go to the iterator instead of 'line' events
      this._iterating = true;
      const rl = this, a = $.lines();
      return {
        next() {
          if (!rl.closed && a.pos < a.length) return Promise.resolve({ value: a[a.pos++], done: false });
          rl.close();
          return Promise.resolve({ value: undefined, done: true });
        },
        return() {
          rl.close();
          return Promise.resolve({ value: undefined, done: true });
        },
        [Symbol.asyncIterator]() { return this; },
      };
    }
  }
  // Emits every line, then 'close'. All lines go in one macrotask, as Node emits a chunk's
  // lines in one go; an answered question() yields to the event loop first, so that an
  // `await rl.question()` can ask the next question before the next line is taken.
  // This loop runs once per input line: calling a lone listener directly costs a quarter of
  // going through emit().
  function pump(rl) {
    if (rl.closed || rl._iterating) return;
    const a = $.lines(), n = a.length, questions = rl._questions;
    let pos = a.pos;
    while (pos < n) {
      const line = a[pos++];
      a.pos = pos;
      if (questions.length > 0) {
        questions.shift()(line);
        $.enqueue(pump, rl);
        return;
      }
      const listeners = rl._events !== undefined ? rl._events.line : undefined;
      if (listeners !== undefined) {
        if (listeners.length === 1) listeners[0].call(rl, line);
        else rl.emit('line', line);
      }
      if (rl.closed) return;
      pos = a.pos; // a listener may have read lines through another interface
    }
    if (!rl._iterating) rl.close();
  }
  function createInterface(input, output) {
    return new Interface(input, output);
  }
  const noop = () => true;
  return {
    readline: { createInterface, Interface, emitKeypressEvents: noop, clearLine: noop, cursorTo: noop, moveCursor: noop },
    promises: { createInterface, Interface },
  };
})
