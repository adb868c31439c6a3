// The demo's request load: Poisson arrivals at a steady rate through kinfer-picker, for each model, with
// shared system prompts (prefix affinity has something to find) and long-tailed prompt and output lengths.
// Bounded: it stops by itself after --duration or --max-requests, whichever comes first.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    target: { type: 'string', multiple: true },
    rate: { type: 'string', default: '3' },
    duration: { type: 'string', default: '1800' },
    'max-requests': { type: 'string', default: '20000' },
  },
});
const targets = (values.target ?? []).map((t) => {
  const [model, url] = t.split('=');
  return { model: model!, url: new URL(url!) };
});
if (targets.length === 0) {
  process.stderr.write('usage: load-main --target MODEL=http://host:port [--target ...] [--rate R] [--duration S] [--max-requests N]\n');
  process.exit(2);
}
const ratePerSecond = Number(values.rate);
const deadline = Date.now() + Number(values.duration) * 1000;
const maxRequests = Number(values['max-requests']);

const SYSTEM_PROMPTS = [
  'You are a careful assistant for a hardware store. Answer briefly and list the tools needed. '.repeat(12),
  'You are a travel agent. Suggest an itinerary with times, costs and alternatives for each day. '.repeat(16),
  'You summarize support tickets for an engineering team: symptoms, suspected cause, next step. '.repeat(10),
];
const WORDS = 'kernel cache batch token replica queue prefill decode latency router model server request budget'.split(' ');
let seed = 42;
const random = (): number => {
  seed = (seed * 1664525 + 1013904223) % 4294967296;
  return seed / 4294967296;
};
const words = (n: number): string => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
/** A lognormal-ish length: mostly short, sometimes long. */
const longTail = (median: number, max: number): number => Math.min(max, Math.max(1, Math.round(median * Math.exp((random() - 0.5) * 2.4))));

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let sent = 0;
let ok = 0;
let failed = 0;

function send(): void {
  const target = targets[Math.floor(random() * targets.length)]!;
  const prompt = `${SYSTEM_PROMPTS[Math.floor(random() * SYSTEM_PROMPTS.length)]}\nQuestion: ${words(longTail(200, 2000))}`;
  const body = JSON.stringify({ model: target.model, prompt, max_tokens: longTail(300, 1500) });
  sent += 1;
  const req = http.request({ host: target.url.hostname, port: target.url.port, path: '/v1/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 120_000 }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? (ok += 1) : (failed += 1)));
  });
  req.on('error', () => (failed += 1));
  req.on('timeout', () => req.destroy());
  req.end(body);
}

function tick(): void {
  if (Date.now() >= deadline || sent >= maxRequests) {
    process.stdout.write(`load done: ${sent} sent, ${ok} ok, ${failed} failed\n`);
    setTimeout(() => process.exit(0), 2000).unref();
    return;
  }
  send();
  setTimeout(tick, (-Math.log(1 - random()) / ratePerSecond) * 1000);
}
setInterval(() => process.stdout.write(`load: ${sent} sent, ${ok} ok, ${failed} failed\n`), 30_000).unref();
process.once('SIGTERM', () => process.exit(0));
tick();
