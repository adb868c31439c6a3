// An ext_proc client for tests, speaking to the picker as Envoy does: one stream per HTTP request.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { LB_METADATA_NAMESPACE, loadExtProcService } from '../../picker/extproc.js';
import { DESTINATION_HEADER } from '../../picker/proxy.js';

// What the ext_proc service answers, as @grpc/proto-loader decodes it (camelCase fields, enums as names, oneof
// names in a virtual field).
export interface HeaderMutation { setHeaders?: { header: { key: string; rawValue?: Buffer; value?: string } }[] }
export interface CommonResponse { response?: { headerMutation?: HeaderMutation; clearRouteCache?: boolean; status?: string } }
export interface StructValue { fields?: Record<string, { structValue?: StructValue; stringValue?: string }> }
export interface ProcessingResponse {
  response?: string;
  requestHeaders?: CommonResponse;
  requestBody?: CommonResponse;
  responseHeaders?: CommonResponse;
  responseBody?: CommonResponse;
  immediateResponse?: { status?: { code?: string | number }; body?: Buffer; details?: string; headers?: HeaderMutation };
  dynamicMetadata?: StructValue;
}

export type Duplex = grpc.ClientDuplexStream<object, ProcessingResponse>;
export type ExtProcClient = grpc.Client & { Process(options?: grpc.CallOptions): Duplex };

/** One ext_proc stream, as Envoy opens one per HTTP request: send a message, await the answer. */
export class Exchange {
  private readonly received: ProcessingResponse[] = [];
  private waiting: ((m: ProcessingResponse | Error) => void) | undefined;
  private failure: Error | undefined;
  readonly ended: Promise<void>;

  constructor(readonly call: Duplex) {
    call.on('data', (m: ProcessingResponse) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.received.push(m);
    });
    this.ended = new Promise((resolve) => {
      call.on('end', resolve);
      call.on('error', (error: Error) => {
        this.failure = error;
        this.waiting?.(error);
        resolve();
      });
    });
  }

  next(timeoutMs = 2000): Promise<ProcessingResponse> {
    const queued = this.received.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no ext_proc answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        if (m instanceof Error) reject(m);
        else resolve(m);
      };
    });
  }

  async send(message: object): Promise<ProcessingResponse> {
    this.call.write(message);
    return this.next();
  }

  /** The end of the HTTP request: Envoy half-closes; the server ends its side. */
  async close(): Promise<void> {
    this.call.end();
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
}

/** The request headers Envoy sends (HTTP/2 pseudo-headers too), values in raw_value as current Envoy does. */
export function requestHeaders(path: string, endOfStream = false, method = 'POST'): object {
  const headers = { ':method': method, ':path': path, ':authority': 'gateway.example', ':scheme': 'http', 'content-type': 'application/json', 'x-request-id': 'abc-123' };
  return { requestHeaders: { headers: { headers: Object.entries(headers).map(([key, v]) => ({ key, rawValue: Buffer.from(v) })) }, endOfStream } };
}

export const requestBody = (body: string | object, endOfStream = true): object => ({
  requestBody: { body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), endOfStream },
});

export function setHeader(mutation: HeaderMutation | undefined, key: string): string | undefined {
  const found = mutation?.setHeaders?.find((h) => h.header.key === key)?.header;
  return found?.rawValue !== undefined ? found.rawValue.toString('utf8') : found?.value;
}
export const lbAddress = (m: ProcessingResponse): string | undefined => m.dynamicMetadata?.fields?.[LB_METADATA_NAMESPACE]?.structValue?.fields?.[DESTINATION_HEADER]?.stringValue;

const HTTP_STATUS_NAMES: Record<number, string> = { 400: 'BadRequest', 413: 'PayloadTooLarge', 503: 'ServiceUnavailable' };
export function assertImmediate(m: ProcessingResponse, status: 400 | 413 | 503, message: RegExp): void {
  assert.equal(m.response, 'immediateResponse', JSON.stringify(m));
  const code = m.immediateResponse?.status?.code;
  assert.ok(code === status || code === HTTP_STATUS_NAMES[status], `status ${String(code)} is ${status}`);
  const body = JSON.parse(m.immediateResponse?.body?.toString('utf8') ?? '{}') as { error?: { message?: string; code?: number } };
  assert.match(body.error?.message ?? '', message);
  assert.equal(body.error?.code, status);
}

export function connect(target: string, credentials = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): ExtProcClient {
  const Client = grpc.makeGenericClientConstructor(loadExtProcService(), 'ExternalProcessor');
  return new Client(target, credentials, options) as unknown as ExtProcClient;
}

