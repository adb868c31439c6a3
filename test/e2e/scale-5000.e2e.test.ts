// Scale through the real kube-scheduler at 5,000 fake nodes: test/e2e/harness/scale.ts. About 2 minutes on the
// shared 2-core machine (most of it creating and caching the nodes), so it runs in `make test`.
import { scaleSuite } from './harness/scale.js';

// The null extender's floor drains (about a minute more) run at 1,000 nodes only; `{ nullExtender: true }` adds them.
scaleSuite(5000, 31130, { nullExtender: false });
