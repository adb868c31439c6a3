// A lean loopback HTTP client for the load generator: node:http over one keep-alive socket, bodies sent as
// pre-encoded Buffers, answers read as raw bytes, so the client adds as little as it can to each figure.
import http from 'node:http';

export interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly port: number) {}

  post(path: string, body: Buffer, timeoutMs = 30_000): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: this.port, path, method: 'POST', agent: this.agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Resolves once GET `url` answers 2xx (10 s at most; polled every 100 ms). */
export async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}
