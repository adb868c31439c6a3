import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import type { Router } from './router.js';
import { inferenceRequest } from './request.js';
import { DESTINATION_HEADER } from './proxy.js';

// Envoy's ext_proc protos, from the envoy-api tree that @grpc/grpc-js-xds (maintained by the gRPC team) ships;
// loaded at start, never copied into this repository.
const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const PROTO = 'envoy/service/ext_proc/v3/external_processor.proto';

/** The ext_proc service's name in grpc.health.v1. */
export const EXT_PROC_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

/** The dynamic-metadata namespace and key Envoy's load balancer reads the chosen endpoint from (Inference Extension protocol). */
export const LB_METADATA_NAMESPACE = 'envoy.lb';

interface HeaderValue { key: string; value?: string; rawValue?: Buffer }
interface ProcessingRequest {
  requestHeaders?: { headers?: { headers?: HeaderValue[] }; endOfStream?: boolean };
  requestBody?: { body?: Buffer; endOfStream?: boolean };
  responseHeaders?: { endOfStream?: boolean };
  responseBody?: { endOfStream?: boolean };
  requestTrailers?: object;
  responseTrailers?: object;
}

export function loadExtProcService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [join(DEPS, 'envoy-api'), join(DEPS, 'googleapis'), join(DEPS, 'protoc-gen-validate'), join(DEPS, 'xds')],
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { ext_proc: { v3: { ExternalProcessor: { service: grpc.ServiceDefinition } } } } };
  };
  return pkg.envoy.service.ext_proc.v3.ExternalProcessor.service;
}

const headerOf = (key: string, value: string) => ({ header: { key, rawValue: Buffer.from(value) } });

function headersToRecord(headers: HeaderValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers ?? []) out[h.key.toLowerCase()] = h.rawValue ? h.rawValue.toString('utf8') : (h.value ?? '');
  return out;
}

/** What the data path (ext_proc and proxy) needs besides the router. */
export interface DataPathOptions {
  /** The prefix-hash block size of the running config (it can change on a reload). */
  readonly blockSize: () => number;
  /** Request bodies above this are refused with 413 before they are held whole (see DEFAULT_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
}

/**
 * The default bound on a request body the picker buffers to read the model and prompt: 8 MiB. At ~4 characters
 * of English text per token (OpenAI's rule of thumb, help.openai.com "What are tokens"), a 1M-token prompt is
 * ~4 MiB of JSON, so 8 MiB admits the longest contexts served today with room for chat framing, while a hostile
 * stream of chunks without end_of_stream costs at most this much per stream. Raise it with --max-body-bytes
 * for image-bearing (base64) chat requests.
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

const ERROR_TYPES: Record<number, string> = { 413: 'RequestEntityTooLargeError', 503: 'ServiceUnavailableError' };
const refusal = (status: number, message: string): { immediateResponse: object } => ({
  immediateResponse: {
    status: { code: status },
    headers: { setHeaders: [headerOf('content-type', 'application/json')] },
    body: Buffer.from(JSON.stringify({ error: { message, type: ERROR_TYPES[status] ?? 'BadRequestError', code: status } })),
    details: message,
  },
});

/**
 * The endpoint-picker side of Envoy's external processing protocol, as the Gateway API Inference Extension uses
 * it (request body mode BUFFERED): the request headers are let through, the body is read for the model and
 * prompt, an endpoint is picked and returned as the `x-gateway-destination-endpoint` header and as dynamic
 * metadata `envoy.lb` / `x-gateway-destination-endpoint`; no endpoint → an immediate 503, a body over
 * `maxBodyBytes` → an immediate 413 (nothing more of it is held). One stream is one HTTP request: it is routed
 * at most once, so a peer that sends end_of_stream bodies again is let through without a second decision, and
 * the request counts as in flight (once) until the response ends or the stream closes.
 */
export function extProcHandler(router: Router, options: DataPathOptions): grpc.UntypedServiceImplementation {
  return {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, object>) {
      let headers: Record<string, string> = {};
      let chunks: Buffer[] = [];
      let bodyBytes = 0;
      /** Routed, refused or answered: the request's body is no longer read. */
      let decided = false;
      /** This side of the stream is closed (after an immediate response). */
      let ended = false;
      let address: string | undefined;
      let finished = false;
      const finish = (): void => {
        if (address !== undefined && !finished) {
          finished = true;
          router.finished(address);
        }
      };
      /** An immediate response ends this HTTP request at Envoy: nothing more of the stream is read. */
      const answer = (response: object): void => {
        decided = true;
        chunks = [];
        call.write(response);
        ended = true;
        call.end();
      };
      const route = (): { immediateResponse: object } | { requestBody: object; dynamicMetadata: object } => {
        decided = true;
        const body = Buffer.concat(chunks, bodyBytes).toString('utf8');
        chunks = [];
        const request = inferenceRequest(body, headers, options.blockSize());
        if (!request.ok) return refusal(400, request.error);
        const decision = router.decide(request.value);
        if (decision.address === undefined) return refusal(503, `no model server can take the request: ${decision.reason}`);
        address = decision.address;
        return {
          requestBody: {
            response: {
              headerMutation: { setHeaders: [headerOf(DESTINATION_HEADER, address)] },
              clearRouteCache: true,
            },
          },
          dynamicMetadata: {
            fields: {
              [LB_METADATA_NAMESPACE]: { structValue: { fields: { [DESTINATION_HEADER]: { stringValue: address } } } },
            },
          },
        };
      };
      call.on('data', (message: ProcessingRequest) => {
        if (ended) return;
        if (message.requestHeaders) {
          if (decided) return void call.write({ requestHeaders: { response: {} } });
          headers = headersToRecord(message.requestHeaders.headers?.headers);
          // No body (e.g. GET): nothing names a model, so there is nothing to route on.
          if (message.requestHeaders.endOfStream) return answer(refusal(400, 'kinfer-picker routes requests with a JSON body naming a model'));
          call.write({ requestHeaders: { response: {} } });
        } else if (message.requestBody) {
          if (decided) return void call.write({ requestBody: { response: {} } });
          const piece = message.requestBody.body;
          if (piece && piece.length > 0) {
            bodyBytes += piece.length;
            if (bodyBytes > options.maxBodyBytes) {
              return answer(refusal(413, `request body over ${options.maxBodyBytes} bytes (kinfer-picker --max-body-bytes)`));
            }
            chunks.push(Buffer.from(piece));
          }
          if (message.requestBody.endOfStream) {
            const response = route();
            if ('immediateResponse' in response) answer(response);
            else call.write(response);
          }
          else call.write({ requestBody: { response: {} } });
        } else if (message.responseHeaders) {
          call.write({ responseHeaders: { response: {} } });
          if (message.responseHeaders.endOfStream) finish();
        } else if (message.responseBody) {
          call.write({ responseBody: { response: {} } });
          if (message.responseBody.endOfStream) finish();
        } else if (message.requestTrailers) {
          call.write({ requestTrailers: {} });
        } else if (message.responseTrailers) {
          call.write({ responseTrailers: {} });
          finish();
        }
      });
      call.on('end', () => {
        finish();
        if (!ended) call.end();
      });
      call.on('error', finish);
      call.on('cancelled', finish);
    },
  };
}

/** A gRPC server with the ext_proc service and the standard health service (grpc.health.v1). */
export function createExtProcServer(router: Router, options: DataPathOptions): { server: grpc.Server; health: HealthImplementation } {
  // gRPC's default receive limit (4 MiB) would refuse a buffered body between it and --max-body-bytes with
  // RESOURCE_EXHAUSTED; the limit is the body bound plus room for the rest of the message. A message above it is
  // refused by gRPC before it is held, one below it gets the handler's 413.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': options.maxBodyBytes + 1024 * 1024 });
  server.addService(loadExtProcService(), extProcHandler(router, options));
  const health = new HealthImplementation({ '': 'SERVING', [EXT_PROC_SERVICE]: 'SERVING' });
  health.addToServer(server);
  return { server, health };
}
