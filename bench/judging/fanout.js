// 1,000 WebSocket watchers of the same submissions: each VU connects once, subscribes to the
// submissions setup() queued (slow ones: judging them takes seconds, so most events are
// published while everyone listens), and records, for each live event, the time from its
// publication (the event's `at`, stamped by the judge worker) to its arrival.
import http from 'k6/http';
import ws from 'k6/ws';
import { Counter, Trend } from 'k6/metrics';

const eventLatency = new Trend('event_latency', true);
const events = new Counter('live_events');
const finished = new Counter('finished_seen');
const failures = new Counter('failures');

const WATCHERS = Number(__ENV.WATCHERS || 1000);
export const options = {
  scenarios: {
    watchers: {
      executor: 'per-vu-iterations',
      vus: WATCHERS,
      iterations: 1,
      maxDuration: __ENV.MAX_DURATION || '10m',
    },
  },
  setupTimeout: '120s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max', 'count'],
};

const BASE = __ENV.BASE;
const TOKEN = __ENV.TOKEN;
const SLOW = 'n = int(input())\nsieve = bytearray([1]) * (n + 1)\nsieve[0] = 0\nif n >= 1:\n    sieve[1] = 0\ni = 2\nwhile i * i <= n:\n    if sieve[i]:\n        sieve[i*i::i] = bytearray(len(range(i*i, n + 1, i)))\n    i += 1\nprint(sum(sieve))\n';

export function setup() {
  const ids = [];
  for (let i = 0; i < Number(__ENV.SUBMISSIONS || 4); i++) {
    const res = http.post(
      `${BASE}/api/v1/submissions`,
      JSON.stringify({ problem: 'count-primes', language: 'python3', source: `${SLOW}# ${i} ${Date.now()}\n` }),
      { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
    );
    if (res.status !== 202) throw new Error(`submit: ${res.status} ${res.body}`);
    ids.push(res.json('id'));
  }
  return { ids };
}

export default function (data) {
  const url = BASE.replace('http://', 'ws://') + '/api/v1/ws';
  const pending = new Set(data.ids);
  const res = ws.connect(url, {}, (socket) => {
    socket.on('open', () => {
      for (const id of data.ids) socket.send(JSON.stringify({ subscribe: 'submission', id }));
    });
    socket.on('message', (text) => {
      const event = JSON.parse(text);
      if (event.type === 'error') {
        failures.add(1);
        socket.close();
        return;
      }
      if (event.type !== 'snapshot' && event.at) {
        eventLatency.add(Date.now() - Date.parse(event.at));
        events.add(1);
      }
      if (event.type === 'finished' || (event.type === 'snapshot' && event.submission.status === 'done')) {
        finished.add(1);
        pending.delete(event.submission_id);
        if (pending.size === 0) socket.close();
      }
    });
    socket.setTimeout(() => {
      failures.add(1);
      socket.close();
    }, 600000);
  });
  if (!res || res.status !== 101) failures.add(1);
}
