// The picker chart's default EndpointPickerConfig is the one `kubectl inference route install` writes
// (src/routing/config.ts): a chart-installed pool and a CLI-installed pool route the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KINFER_CONFIG_YAML } from '../../src/routing/config.js';
import { REPO_ROOT } from '../run.js';

test('charts/kinfer-picker/files/config.yaml is kinfer\'s default picker config', () => {
  const chart = readFileSync(join(REPO_ROOT, 'charts/kinfer-picker/files/config.yaml'), 'utf8');
  assert.deepEqual(parse(chart), parse(KINFER_CONFIG_YAML), 'copy src/routing/config.ts KINFER_CONFIG_YAML into the chart');
});
