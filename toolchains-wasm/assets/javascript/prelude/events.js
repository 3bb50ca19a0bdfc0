// require('events'): EventEmitter, also the base of process, process.stdin and readline
// interfaces.
(function (xc, $) {
  'use strict';

  class EventEmitter {
    _list(ev) {
      const m = this._events || (this._events = Object.create(null));
      return m[ev] || (m[ev] = []);
    }
    on(ev, fn) {
      this._list(ev).push(fn);
      if (this._onListen) this._onListen(ev);
      return this;
    }
    addListener(ev, fn) { return this.on(ev, fn); }
    prependListener(ev, fn) {
      this._list(ev).unshift(fn);
      if (this._onListen) this._onListen(ev);
      return this;
    }
    once(ev, fn) {
      const self = this;
      function wrapper(...args) {
        self.off(ev, wrapper);
        return fn.apply(self, args);
      }
      wrapper.listener = fn;
      return this.on(ev, wrapper);
    }
    prependOnceListener(ev, fn) {
      this.once(ev, fn);
      const l = this._events[ev];
      l.unshift(l.pop());
      return this;
    }
    off(ev, fn) {
      const l = this._events && this._events[ev];
      if (l) {
        const i = l.findIndex((x) => x === fn || x.listener === fn);
        if (i >= 0) l.splice(i, 1);
      }
      return this;
    }
    removeListener(ev, fn) { return this.off(ev, fn); }
    removeAllListeners(ev) {
      if (ev === undefined) this._events = undefined;
      else if (this._events) delete this._events[ev];
      return this;
    }
    emit(ev, ...args) {
      const l = this._events && this._events[ev];
      if (!l || l.length === 0) {
        if (ev === 'error') throw args[0] instanceof Error ? args[0] : new Error('Unhandled error. (' + xc.inspect(args[0]) + ')');
        return false;
      }
      if (l.length === 1) l[0].apply(this, args);
      else for (const fn of l.slice()) fn.apply(this, args);
      return true;
    }
    listenerCount(ev) {
      const l = this._events && this._events[ev];
      return l ? l.length : 0;
    }
    listeners(ev) {
      const l = this._events && this._events[ev];
      return l ? l.map((f) => f.listener || f) : [];
    }
    rawListeners(ev) { return this._events && this._events[ev] ? this._events[ev].slice() : []; }
    eventNames() { return this._events ? Object.keys(this._events).filter((k) => this._events[k].length) : []; }
    setMaxListeners() { return this; }
    getMaxListeners() { return 10; }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.once = (em, ev) => new Promise((resolve) => em.once(ev, (...args) => resolve(args)));
  return EventEmitter;
})
