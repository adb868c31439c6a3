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

/**
 * The endpoint-picker side of Envoy's external processing protocol, as the Gateway API Inference Extension uses
 * it (request body mode BUFFERED): the request headers are let through, the body is read for the model and
 * prompt, an endpoint is picked and returned as the `x-gateway-destination-endpoint` header and as dynamic
 * metadata `envoy.lb` / `x-gateway-destination-endpoint`; no endpoint → an immediate 503. Response events are
 * let through; the request counts as in flight until the response ends or the stream closes.
 */
export function extProcHandler(router: Router, blockSize: () => number): grpc.UntypedServiceImplementation {
  return {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, object>) {
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let address: string | undefined;
      let finished = false;
      const finish = (): void => {
        if (address !== undefined && !finished) {
          finished = true;
          router.finished(address);
        }
      };
      const route = (): object => {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = inferenceRequest(body, headers, blockSize());
        const refuse = (status: number, message: string) => ({
          immediateResponse: {
            status: { code: status },
            headers: { setHeaders: [headerOf('content-type', 'application/json')] },
            body: Buffer.from(JSON.stringify({ error: { message, type: status === 503 ? 'ServiceUnavailableError' : 'BadRequestError', code: status } })),
            details: message,
          },
        });
        if (!request.ok) return refuse(400, request.error);
        const decision = router.decide(request.value);
        if (decision.address === undefined) return refuse(503, `no model server can take the request: ${decision.reason}`);
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
        if (message.requestHeaders) {
          headers = headersToRecord(message.requestHeaders.headers?.headers);
          if (message.requestHeaders.endOfStream) {
            // No body (e.g. GET): nothing names a model, so there is nothing to route on.
            call.write({
              immediateResponse: {
                status: { code: 400 },
                headers: { setHeaders: [headerOf('content-type', 'application/json')] },
                body: Buffer.from('{"error":{"message":"kinfer-picker routes requests with a JSON body naming a model","type":"BadRequestError","code":400}}'),
              },
            });
            return;
          }
          call.write({ requestHeaders: { response: {} } });
        } else if (message.requestBody) {
          if (message.requestBody.body) chunks.push(Buffer.from(message.requestBody.body));
          if (message.requestBody.endOfStream) call.write(route());
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
        call.end();
      });
      call.on('error', finish);
      call.on('cancelled', finish);
    },
  };
}

/** A gRPC server with the ext_proc service and the standard health service (grpc.health.v1). */
export function createExtProcServer(router: Router, blockSize: () => number): { server: grpc.Server; health: HealthImplementation } {
  const server = new grpc.Server();
  server.addService(loadExtProcService(), extProcHandler(router, blockSize));
  const health = new HealthImplementation({ '': 'SERVING', 'envoy.service.ext_proc.v3.ExternalProcessor': 'SERVING' });
  health.addToServer(server);
  return { server, health };
}
