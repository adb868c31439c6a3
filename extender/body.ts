import type { IncomingMessage } from 'node:http';

const MiB = 1024 * 1024;

/**
 * Largest /filter or /prioritize body accepted by default, sized to what a `nodeCacheCapable: true` scheduler
 * sends: the Pod plus node names. A Pod is at most etcd's request limit (1.5 MiB, etcd `--max-request-bytes`
 * default, https://etcd.io/docs/v3.5/dev-guide/limit/), and a node name is a DNS subdomain of at most 253
 * characters (+3 for JSON quoting and the comma) at 5,000 nodes, the largest cluster Kubernetes supports
 * (https://kubernetes.io/docs/setup/best-practices/cluster-large/): 1.5 MiB + 5,000 × 256 B ≈ 2.7 MiB → 4 MiB.
 * Full-Node mode (`nodeCacheCapable: false`) needs `--max-body-bytes` raised: see docs/scheduler.md.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * MiB;

export type BodyOutcome =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly status: 413 | 503; readonly message: string };

/**
 * Reads request bodies into one Buffer each, bounded twice: one body may not exceed `maxBodyBytes` (answered
 * 413 before reading when Content-Length says so, else as soon as the bytes pass it), and the bodies being
 * read at once may not exceed `maxInFlightBytes` together (503), so memory stays bounded whatever the peer
 * sends. Nothing is parsed here: the caller parses the Buffer once.
 */
export class BodyReader {
  private inFlightBytes = 0;

  constructor(
    readonly maxBodyBytes: number,
    readonly maxInFlightBytes: number = 4 * maxBodyBytes,
  ) {}

  /** `done` is called at most once: with the body, or with why it was refused. A peer that goes away gets nothing. */
  read(req: IncomingMessage, done: (outcome: BodyOutcome) => void): void {
    const tooLarge = (): BodyOutcome => ({ ok: false, status: 413, message: `request body larger than ${this.maxBodyBytes} bytes (--max-body-bytes)` });
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.maxBodyBytes) {
      req.resume();
      done(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (outcome: BodyOutcome | undefined): void => {
      if (finished) return;
      finished = true;
      this.inFlightBytes -= size;
      chunks.length = 0;
      req.removeListener('data', onData);
      if (outcome === undefined) return;
      if (!outcome.ok) req.resume();
      done(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      this.inFlightBytes += chunk.length;
      if (size > this.maxBodyBytes) finish(tooLarge());
      else if (this.inFlightBytes > this.maxInFlightBytes) finish({ ok: false, status: 503, message: `busy: more than ${this.maxInFlightBytes} bytes of request bodies in flight; retry` });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (finished) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      finish({ ok: true, body });
    });
    req.once('error', () => finish(undefined));
    req.once('close', () => finish(undefined));
  }
}
