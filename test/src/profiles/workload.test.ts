import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePromptsFile, sharedPrefixWorkload, syntheticWorkload, words, type BenchRequest } from '../../../src/profiles/workload.js';
import { mulberry32 } from '../../../src/random.js';
import { countTokens } from '../../../sim/engine/tokens.js';

const seeded = mulberry32;

interface Body {
  model: string;
  prompt?: string;
  messages?: { role: string; content: string }[];
  max_tokens: number;
  ignore_eos: boolean;
  stream: boolean;
  stream_options: { include_usage: boolean };
}

const body = (r: BenchRequest) => JSON.parse(r.body) as Body;
const take = (next: (i: number) => BenchRequest, n: number) => Array.from({ length: n }, (_, i) => next(i));

describe('words', () => {
  for (const n of [1, 2, 10, 257]) {
    it(`${n} words of three letters make ${n} kinfer-sim tokens`, () => {
      const text = words(n, seeded(n));
      assert.equal(text.length, 4 * n - 1);
      assert.match(text, /^[a-z]{3}( [a-z]{3})*$/);
      assert.equal(text.split(' ').length, n);
      assert.equal(countTokens(text), n);
    });
  }

  it('uses the generator (random 0 and just under 1 pick different words)', () => {
    assert.notEqual(words(3, () => 0), words(3, () => 0.999999));
    assert.equal(words(3, () => 0), 'the the the');
  });
});

describe('syntheticWorkload', () => {
  it('asks for a stream of exactly the output length, with usage, at /v1/completions', () => {
    for (const request of take(syntheticWorkload('m/one', 64, 32, seeded(1)), 5)) {
      assert.equal(request.path, '/v1/completions');
      const b = body(request);
      assert.equal(b.model, 'm/one');
      assert.equal(b.max_tokens, 32);
      assert.equal(b.ignore_eos, true);
      assert.equal(b.stream, true);
      assert.deepEqual(b.stream_options, { include_usage: true });
      assert.equal(countTokens(b.prompt!), 64);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    const bodies = (seed: number) => take(syntheticWorkload('m', 16, 8, seeded(seed)), 10).map((r) => r.body);
    assert.deepEqual(bodies(7), bodies(7));
    assert.notDeepEqual(bodies(7), bodies(8));
  });
});

describe('sharedPrefixWorkload', () => {
  const prefixOf = (r: BenchRequest) => body(r).prompt!.split('\nQuestion:')[0]!;
  const questionOf = (r: BenchRequest) => body(r).prompt!.split('\nQuestion: ')[1]!;

  it('uses exactly `prefixes` system prompts over many requests', () => {
    const requests = take(sharedPrefixWorkload('m', 50, 16, 3, 20, seeded(3)), 300);
    const prefixes = new Set(requests.map(prefixOf));
    assert.equal(prefixes.size, 3);
    for (const p of prefixes) {
      assert.match(p, /^System prompt [0-2]: /);
      assert.equal(p.replace(/^System prompt \d: /, '').split(' ').length, 20);
    }
    for (const r of requests) {
      assert.equal(r.path, '/v1/completions');
      assert.equal(questionOf(r).split(' ').length, 30); // 50 − 20
      assert.equal(body(r).max_tokens, 16);
      assert.equal(body(r).ignore_eos, true);
    }
  });

  it('asks at least a one-word question when the prefix fills the input', () => {
    const [request] = take(sharedPrefixWorkload('m', 10, 4, 1, 10, seeded(1)), 1);
    assert.equal(questionOf(request!).split(' ').length, 1);
  });

  it('is the same for the same seed', () => {
    const bodies = (seed: number) => take(sharedPrefixWorkload('m', 40, 8, 4, 30, seeded(seed)), 20).map((r) => r.body);
    assert.deepEqual(bodies(11), bodies(11));
    assert.notDeepEqual(bodies(11), bodies(12));
  });
});

describe('parsePromptsFile', () => {
  function parsed(text: string, outputTokens = 100): BenchRequest[] {
    const got = parsePromptsFile(text, 'prompts.jsonl', 'm/x', outputTokens);
    assert.ok(got.ok, got.ok ? '' : got.error);
    return got.value;
  }

  it('reads prompt and messages lines in order, skipping blank ones', () => {
    const text = [
      '{"prompt": "hello there"}',
      '',
      '   ',
      '{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 7}',
      '{"prompt": "again", "max_tokens": 3}',
      '',
    ].join('\n');
    const requests = parsed(text, 100);
    assert.deepEqual(requests.map((r) => r.path), ['/v1/completions', '/v1/chat/completions', '/v1/completions']);
    const [first, second, third] = requests.map(body);
    assert.deepEqual(first, { model: 'm/x', prompt: 'hello there', max_tokens: 100, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
    assert.deepEqual(second, {
      model: 'm/x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 7, ignore_eos: true, stream: true, stream_options: { include_usage: true },
    });
    assert.equal(third!.max_tokens, 3);
  });

  it('accepts CRLF line ends', () => {
    assert.equal(parsed('{"prompt": "a"}\r\n{"prompt": "b"}\r\n').length, 2);
  });

  // [name, file text, error pattern]
  const bad: ReadonlyArray<[string, string, RegExp]> = [
    ['not JSON', '{"prompt": "a"}\n{"prompt": \n', /^prompts\.jsonl:2: not JSON \(/],
    ['neither prompt nor messages', '\n\n{"text": "a"}', /^prompts\.jsonl:3: want \{"prompt"/],
    ['an empty prompt', '{"prompt": ""}', /^prompts\.jsonl:1: want/],
    ['no messages', '{"messages": []}', /^prompts\.jsonl:1: want/],
    ['a message without content', '{"messages": [{"role": "user"}]}', /^prompts\.jsonl:1: want/],
    ['a fractional max_tokens', '{"prompt": "a", "max_tokens": 1.5}', /^prompts\.jsonl:1: want/],
    ['a zero max_tokens', '{"prompt": "a", "max_tokens": 0}', /^prompts\.jsonl:1: want/],
    ['an unknown field', '{"prompt": "a", "temperature": 0}', /^prompts\.jsonl:1: want/],
    ['a bare string', '"hello"', /^prompts\.jsonl:1: want/],
    ['an empty file', '', /^prompts\.jsonl: no prompts/],
    ['only blank lines', '\n  \n\n', /^prompts\.jsonl: no prompts/],
  ];
  for (const [name, text, want] of bad) {
    it(`rejects ${name}`, () => {
      const got = parsePromptsFile(text, 'prompts.jsonl', 'm', 10);
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, want);
    });
  }
});
