import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** What a reflector feeds: a relist (streamed page by page, then `done`) and watch events. */
export interface ReflectorSink<T> {
  /** A full list begins; every object follows through `add`, then `done` (objects not seen are gone). */
  beginList(): { add(object: T): void; done(): void };
  upsert(object: T): void;
  remove(object: T): void;
}

export interface ListPage<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

export type ReflectorState = 'starting' | 'synced' | 'failed' | 'stopped';

export interface ReflectorOptions<T> {
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** Watch path, e.g. `/api/v1/pods`. */
  readonly path: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  /** One page of the list (limit/continue), so a relist of 100,000 pods never holds them all at once. */
  readonly listPage: (continueToken: string | undefined) => Promise<ListPage<T>>;
  readonly sink: ReflectorSink<T>;
  /** Backoff after a failure: starts here, doubles to `maxBackoffMs`, resets once synced. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onStateChange?: (state: ReflectorState, error?: Error) => void;
  readonly onRestart?: () => void;
}

interface WatchEvent {
  readonly code?: number;
  readonly metadata?: { readonly resourceVersion?: string };
}

/**
 * List-then-watch with the restart policy client-node leaves to its caller (STYLE.md): relist on 410 Gone,
 * re-watch from the last resourceVersion when the server closes a watch, and on any other error retry with
 * exponential backoff. Unlike client-node's ListWatch it keeps no copy of the objects: the sink projects them.
 */
export class Reflector<T extends { metadata?: { resourceVersion?: string } }> {
  private resourceVersion = '';
  private stopped = true;
  private abort: AbortController | undefined;
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private current: ReflectorState = 'starting';
  private lastError: Error | undefined;
  private synced = false;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.backoffMs = options.initialBackoffMs ?? 500;
  }

  get state(): ReflectorState {
    return this.current;
  }

  /** True once the first full list has landed; stays true through later failures (the cache is then stale, not empty). */
  get hasSynced(): boolean {
    return this.synced;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    this.abort = undefined;
    this.setState('stopped');
  }

  private setState(state: ReflectorState, error?: Error): void {
    this.lastError = error;
    if (state === this.current && error === undefined) return;
    this.current = state;
    this.options.onStateChange?.(state, error);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.resourceVersion === '') {
        await this.relist();
        if (this.stopped) return;
        this.connected();
      }
      await this.watch();
    } catch (error) {
      if (this.stopped) return;
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A list landed or a watch stream opened: the informer is live again, and the backoff starts over. */
  private connected(): void {
    this.synced = true;
    this.setState('synced');
    this.backoffMs = this.options.initialBackoffMs ?? 500;
  }

  private async relist(): Promise<void> {
    const list = this.options.sink.beginList();
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.listPage(token);
      if (this.stopped) return;
      for (const item of page.items) list.add(item);
      resourceVersion = page.resourceVersion;
      token = page.continueToken || undefined;
    } while (token !== undefined);
    list.done();
    this.resourceVersion = resourceVersion;
  }

  private watch(): Promise<void> {
    return new Promise((resolve, reject) => {
      const watch = new Watch(this.options.kubeConfig);
      // The server ends each watch after timeoutSeconds (jittered, as client-go's reflector does), so a
      // connection that died silently is noticed within minutes.
      const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
      const query: Record<string, string | number | boolean> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      if (this.options.fieldSelector) query.fieldSelector = this.options.fieldSelector;
      if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
      const onEvent = (type: string, object: T & WatchEvent): void => {
        if (type === 'ERROR') {
          if (object.code === 410) this.resourceVersion = ''; // too old: the next round relists
          return;
        }
        if (type === 'ADDED' || type === 'MODIFIED') this.options.sink.upsert(object);
        else if (type === 'DELETED') this.options.sink.remove(object);
        const rv = object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      };
      let ended = false;
      const onDone = (error: unknown): void => {
        ended = true;
        this.abort = undefined;
        if (this.stopped) return resolve();
        const status = (error as { statusCode?: number; code?: number } | null)?.statusCode;
        if (status === 410) this.resourceVersion = '';
        if (error && status !== 410) return reject(error instanceof Error ? error : new Error(String(error)));
        // The server closed the watch (its timeout) or the version expired: go round again at once.
        this.options.onRestart?.();
        void this.run();
        resolve();
      };
      // client-node resolves with the controller whether or not the stream opened; a failed open has
      // already called onDone by then.
      watch.watch(this.options.path, query, onEvent, onDone).then((controller) => {
        if (this.stopped) controller.abort();
        else if (!ended) {
          this.abort = controller;
          this.connected();
        }
      }, reject);
    });
  }

  private fail(error: Error): void {
    this.setState('failed', error);
    this.options.onRestart?.();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref?.();
  }
}
