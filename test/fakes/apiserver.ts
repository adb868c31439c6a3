import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A scriptable stand-in for kube-apiserver's list and watch of one or more collections, for unit tests of
 * the informer restart policy: it can fail lists, close watches, and send 410 Gone on demand, which a real
 * API server does only under conditions a unit test cannot arrange. The real one runs in test/e2e.
 */
export class FakeApiServer {
  private server: Server | undefined;
  private readonly collections = new Map<string, { items: Map<string, object>; kind: string }>();
  private readonly watchers = new Set<{ path: string; res: ServerResponse }>();
  private revision = 100;
  /** Every event with its revision, so a watch from an older resourceVersion replays what it missed. */
  private readonly history: { path: string; revision: number; event: object }[] = [];
  /** Every request as `METHOD path?query`, for assertions. */
  readonly requests: string[] = [];
  /** While > 0, list requests fail with 500 and this count goes down. */
  failLists = 0;
  port = 0;

  collection(path: string, kind: string): void {
    this.collections.set(path, { items: new Map(), kind });
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'admin', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'admin' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** Adds or replaces an object and tells open watches. */
  upsert(path: string, object: { metadata: { name: string; namespace?: string } }): void {
    const c = this.collections.get(path)!;
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const type = c.items.has(key) ? 'MODIFIED' : 'ADDED';
    const stamped = this.stamp(object);
    c.items.set(key, stamped);
    this.broadcast(path, { type, object: stamped });
  }

  /** Removes an object; `silently` skips the watch event (as if it happened while a watch was down). */
  remove(path: string, object: { metadata: { name: string; namespace?: string } }, silently = false): void {
    const c = this.collections.get(path)!;
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const existing = c.items.get(key);
    c.items.delete(key);
    if (existing && !silently) this.broadcast(path, { type: 'DELETED', object: this.stamp(existing as { metadata: { name: string } }) });
  }

  /** Ends every open watch of a path, as the server does at its watch timeout. */
  closeWatches(path: string): void {
    for (const w of [...this.watchers]) if (w.path === path) {
      w.res.end();
      this.watchers.delete(w);
    }
  }

  /** Sends the 410 Gone error event a client gets when its resourceVersion is too old, then closes. */
  expireWatches(path: string): void {
    this.broadcast(path, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' } });
    this.closeWatches(path);
  }

  openWatches(path: string): number {
    return [...this.watchers].filter((w) => w.path === path).length;
  }

  private stamp<T extends { metadata: object }>(object: T): T {
    this.revision += 1;
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(this.revision) } };
  }

  private broadcast(path: string, event: object): void {
    this.history.push({ path, revision: this.revision, event });
    for (const w of this.watchers) if (w.path === path) w.res.write(`${JSON.stringify(event)}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const c = this.collections.get(url.pathname);
    if (!c) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const since = Number(url.searchParams.get('resourceVersion') || this.revision);
      for (const h of this.history) {
        if (h.path === url.pathname && h.revision > since && (h.event as { type: string }).type !== 'ERROR') res.write(`${JSON.stringify(h.event)}\n`);
      }
      const watcher = { path: url.pathname, res };
      this.watchers.add(watcher);
      req.on('close', () => this.watchers.delete(watcher));
      return;
    }
    if (this.failLists > 0) {
      this.failLists -= 1;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd unavailable' }));
      return;
    }
    const body = { kind: c.kind, apiVersion: 'v1', metadata: { resourceVersion: String(this.revision) }, items: [...c.items.values()] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
