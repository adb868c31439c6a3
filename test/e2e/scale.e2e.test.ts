// Scale through the real kube-scheduler at 1,000 fake nodes, with the null extender as the floor: test/e2e/harness/scale.ts.
import { scaleSuite } from './harness/scale.js';

scaleSuite(1000, 31030);
