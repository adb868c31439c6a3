// One image reference: src/manifests/picker.ts names it (repository + the package version); everything else that
// spells it (the Helm charts' values and appVersion, the kustomize base, the Dockerfile's build line, the docs) must
// agree, so a release bumps package.json and the chart versions and nothing drifts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KINFER_IMAGE, KINFER_IMAGE_REPOSITORY } from '../../src/manifests/picker.js';
import { VERSION } from '../../src/version.js';
import { REPO_ROOT } from '../run.js';

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

test('the image is the repository tagged with the package version', () => {
  assert.equal(KINFER_IMAGE, `${KINFER_IMAGE_REPOSITORY}:${VERSION}`);
});

for (const chart of ['charts/kinfer-scheduler', 'charts/kinfer-picker']) {
  test(`${chart}: appVersion and image values name the same image`, () => {
    const meta = parse(read(`${chart}/Chart.yaml`)) as { version: string; appVersion: string };
    assert.equal(meta.appVersion, VERSION);
    assert.equal(meta.version, VERSION);
    const values = parse(read(`${chart}/values.yaml`)) as { image?: Image; inferenceExtension?: { image: Image } };
    const image = values.image ?? values.inferenceExtension!.image;
    assert.equal(`${image.registry}/${image.repository}`, KINFER_IMAGE_REPOSITORY);
    assert.equal(image.tag, '', 'the tag defaults to appVersion');
  });
}

interface Image {
  registry: string;
  repository: string;
  tag: string;
}

test('every other spelling of the image names this one', () => {
  const pattern = new RegExp(`${KINFER_IMAGE_REPOSITORY.replaceAll('.', '\\.')}[:=][^\\s\`'",)]*`, 'g');
  for (const path of ['manifests/scheduler/deployment.yaml', 'Dockerfile', 'README.md', 'docs/scheduler.md']) {
    const found = read(path).match(pattern) ?? [];
    for (const ref of found) {
      // `kustomize edit set image REPO=REGISTRY/...` rewrites this repository: the name on the left must be ours.
      if (ref.includes('=')) continue;
      assert.equal(ref, KINFER_IMAGE, `${path} names ${ref}`);
    }
  }
});
