import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferenceRequest } from '../../picker/request.js';
import { blockHashes, estimateTokens } from '../../src/routing/prefix.js';
import { chatRequestSchema, completionRequestSchema } from '../../src/servers/openai.js';

const BLOCK = 4;

describe('inferenceRequest: what the picker routes on, read leniently through the shared request schema', () => {
  const cases: { name: string; body: Record<string, unknown>; text: string; maxTokens?: number; valid: boolean }[] = [
    { name: 'completion', body: { model: 'm', prompt: 'Say hello', max_tokens: 8 }, text: 'Say hello', maxTokens: 8, valid: true },
    { name: 'a batch of prompts (vLLM accepts it; the sim does not)', body: { model: 'm', prompt: ['one', 'two'] }, text: 'one\ntwo', valid: true },
    { name: 'token ids carry no text', body: { model: 'm', prompt: [1, 2, 3], max_tokens: null }, text: '', valid: true },
    {
      name: 'chat with content parts and max_completion_tokens',
      body: { model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'x' } }] }], max_completion_tokens: 5 },
      text: 'system: Be brief.\nuser: Hi', maxTokens: 5, valid: true,
    },
    { name: 'max_tokens wins over max_completion_tokens', body: { model: 'm', messages: [{ role: 'user', content: null }], max_tokens: 3, max_completion_tokens: 9 }, text: 'user: ', maxTokens: 3, valid: true },
    { name: 'unknown fields pass through', body: { model: 'm', prompt: 'x', temperature: 0.2, logprobs: 3, guided_json: {} }, text: 'x', valid: true },
    { name: 'a malformed message is skipped, not refused', body: { model: 'm', messages: [{ content: 'no role' }, { role: 'user', content: 'ok' }] }, text: 'user: ok', valid: false },
    { name: 'a malformed max_tokens reads as none', body: { model: 'm', prompt: 'x', max_tokens: 'ten', max_completion_tokens: 2 }, text: 'x', maxTokens: 2, valid: false },
    { name: 'a prompt of the wrong type reads as empty', body: { model: 'm', prompt: 5 }, text: '', valid: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = inferenceRequest(JSON.stringify(c.body), {}, BLOCK);
      assert.ok(got.ok, JSON.stringify(got));
      if (!got.ok) return;
      assert.equal(got.value.model, 'm');
      assert.equal(got.value.promptTokens, estimateTokens(c.text));
      assert.deepEqual(got.value.prefixHashes, blockHashes(c.text, BLOCK, 'm'));
      assert.equal(got.value.maxTokens, c.maxTokens);
      // The strict schema (what a server refuses) agrees on which bodies are valid: the picker routes both kinds.
      const strict = ('messages' in c.body ? chatRequestSchema : completionRequestSchema).safeParse(c.body);
      assert.equal(strict.success, c.valid, JSON.stringify(strict.error?.issues));
    });
  }

  const refused: { body: string; message: RegExp }[] = [
    { body: '{"model": ', message: /not valid JSON/ },
    { body: '[1]', message: /must be a JSON object/ },
    { body: '{"prompt": "x"}', message: /must name a "model"/ },
    { body: '{"model": "", "prompt": "x"}', message: /must name a "model"/ },
    { body: '{"model": 7, "prompt": "x"}', message: /must name a "model"/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.body}`, () => {
      const got = inferenceRequest(c.body);
      assert.ok(!got.ok && c.message.test(got.error), JSON.stringify(got));
    });
  }
});
