// Closed-loop load: each VU submits, follows its submission over the WebSocket until the final
// verdict, and submits again. Measures submit-to-verdict latency and verdicts per second.
// Every source is unique (a comment), so every C++ submission is compiled: no cache hits.
import http from 'k6/http';
import { sleep } from 'k6';
import ws from 'k6/ws';
import { Counter, Trend } from 'k6/metrics';

const latency = new Trend('submit_to_verdict', true);
const verdicts = new Counter('verdicts');
const notAccepted = new Counter('not_accepted');
const failures = new Counter('failures');

export const options = {
  scenarios: {
    load: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 4),
      duration: __ENV.DURATION || '30s',
      gracefulStop: '120s',
    },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max', 'count'],
};

const BASE = __ENV.BASE;
const TOKENS = __ENV.TOKENS.split(',');
const LANGUAGE = __ENV.LANGUAGE;
const SOURCES = {
  cpp: '#include <iostream>\n// @@\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n',
  python3: '# @@\na, b = map(int, input().split())\nprint(a + b)\n',
};

export default function () {
  const token = TOKENS[(__VU - 1) % TOKENS.length];
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const source = SOURCES[LANGUAGE].replace('@@', `${__VU}-${__ITER}-${Date.now()}`);
  const started = Date.now();
  const res = http.post(
    `${BASE}/api/v1/submissions`,
    JSON.stringify({ problem: 'sum-of-two', language: LANGUAGE, source }),
    { headers },
  );
  if (res.status !== 202) {
    failures.add(1);
    console.error(`submit: ${res.status} ${res.body}`);
    sleep(1);
    return;
  }
  const id = res.json('id');
  const url = BASE.replace('http://', 'ws://') + '/api/v1/ws';
  ws.connect(url, { headers: { authorization: `Bearer ${token}` } }, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ subscribe: 'submission', id })));
    socket.on('message', (text) => {
      const event = JSON.parse(text);
      const last = event.type === 'finished' || (event.type === 'snapshot' && event.submission.status === 'done');
      if (event.type === 'error') {
        failures.add(1);
        socket.close();
      } else if (last) {
        latency.add(Date.now() - started);
        verdicts.add(1);
        if (event.submission.verdict !== 'AC') notAccepted.add(1);
        socket.close();
      }
    });
    socket.setTimeout(() => {
      failures.add(1);
      socket.close();
    }, 180000);
  });
}
