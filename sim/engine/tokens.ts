import { fnv1a32 } from './hash.js';

// kinfer-sim has no real tokenizer. Text becomes tokens by a fixed rule, so that counts are deterministic and
// prompts that share a prefix share token ids (and therefore prefix-cache blocks):
//   one token per CHARS_PER_TOKEN characters, counted from the start of the text; the last token may be shorter.
// Four characters per token is OpenAI's published rule of thumb for English text with its BPE tokenizers
// ("one token generally corresponds to ~4 characters of text", help.openai.com, "What are tokens").

export const CHARS_PER_TOKEN = 4;

/** Token ids of a text: one id per 4-character chunk, the chunk's 32-bit hash. Empty text has no tokens. */
export function tokenize(text: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < text.length; i += CHARS_PER_TOKEN) ids.push(fnv1a32(text.slice(i, i + CHARS_PER_TOKEN)));
  return ids;
}

/** How many tokens `tokenize(text)` returns, without building them. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/**
 * One string for a chat, the way a chat template does it: each message framed by its role, then the header of
 * the assistant's turn (add_generation_prompt). The framing tokens are the ChatML ones (`<|im_start|>`, `<|im_end|>`);
 * what matters here is that a conversation extended by new turns keeps the earlier turns as an exact prefix.
 */
export function renderChat(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
}

// Filler output: generated tokens are words from this list, chosen by position, so output is deterministic
// and every token is one word (its text is 5-7 characters with the leading space).
const FILLER = [' lorem', ' ipsum', ' dolor', ' sit', ' amet', ' tempor', ' magna', ' labore', ' dolore', ' veniam'];

/** The text of the output token at `index` (0-based). */
export function fillerToken(index: number): string {
  return FILLER[index % FILLER.length] as string;
}

/** The text of the first `count` output tokens. */
export function fillerText(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += fillerToken(i);
  return text;
}
