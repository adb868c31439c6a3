import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningSim } from '../../sim/server.js';
import { MODEL, startSim } from './harness.js';

// The official `openai` npm client against kinfer-sim: its SSE decoder is what real callers use. The package is a
// test-only devDependency; without it these tests are skipped with the reason (the strict SSE parser in
// server.test.ts still checks the wire format).

interface Chunk { readonly choices: readonly { readonly delta?: { readonly content?: string | null }; readonly text?: string; readonly finish_reason: string | null }[]; readonly usage?: { readonly completion_tokens: number } | null }
interface Client {
  readonly chat: { readonly completions: { create(body: object): Promise<AsyncIterable<Chunk> & { choices?: readonly { message: { content: string } }[] }> } };
  readonly completions: { create(body: object): Promise<AsyncIterable<Chunk>> };
}
type ClientClass = new (options: { baseURL: string; apiKey: string; maxRetries: number }) => Client;

const specifier = 'openai';
let OpenAI: ClientClass | undefined;
try {
  OpenAI = ((await import(specifier)) as { default: ClientClass }).default;
} catch {
  OpenAI = undefined;
}
const skip = OpenAI === undefined ? 'the openai package is not installed (npm i -D openai)' : false;

describe('kinfer-sim with the openai client library', { skip }, () => {
  let sim: RunningSim;
  let client: Client;
  before(async () => {
    sim = await startSim(['--decode-base-ms', '2', '--num-gpu-blocks', '256', '--max-model-len', '2048']);
    client = new (OpenAI as ClientClass)({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => sim.close());

  it('streams a chat completion the client parses, with usage', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 12, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: string[] = [];
    let completionTokens = 0;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta?.content ?? '';
        if (choice.finish_reason !== null) finishes.push(choice.finish_reason);
      }
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    assert.equal(text.trim().split(/\s+/).length, 12);
    assert.deepEqual(finishes, ['length']);
    assert.equal(completionTokens, 12);
  });

  it('streams a text completion the client parses', async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: 'Once', max_tokens: 5, stream: true });
    let text = '';
    for await (const chunk of stream) for (const choice of chunk.choices) text += choice.text ?? '';
    assert.equal(text.trim().split(/\s+/).length, 5);
  });

  it('a non-streaming chat completion', async () => {
    const response = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
    assert.equal(response.choices?.[0]?.message.content.trim().split(/\s+/).length, 3);
  });

  it('an unknown model is a 404 the client raises', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'Hi' }] }),
      (error: { status?: number; message?: string }) => error.status === 404 && /does not exist/.test(error.message ?? ''),
    );
  });
});
