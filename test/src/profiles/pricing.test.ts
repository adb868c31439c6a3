import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCELERATORS } from '../../../src/accelerators/catalog.js';
import {
  ALL_CLOUDS_NOTE, CLOUDS, clusterCloud, DEFAULT_PRICE_ROWS, DEFAULT_PRICE_TABLE, costPerMillionTokens, defaultPriceTable, mergePriceTables, parsePriceTable,
  priceCoverage, pricePerDeviceHour, type DevicePrice, type PriceTable,
} from '../../../src/profiles/pricing.js';

function table(rows: Record<string, DevicePrice>, extra: Partial<Omit<PriceTable, 'prices'>> = {}): PriceTable {
  return { source: 'test rates', asOf: '2026-01-01', currency: 'USD', ...extra, prices: new Map(Object.entries(rows)) };
}

function parsed(text: string): PriceTable {
  const got = parsePriceTable(text, 'prices.yaml');
  assert.ok(got.ok, got.ok ? '' : got.error);
  return got.value;
}

describe('DEFAULT_PRICE_TABLE', () => {
  it('says where its figures come from and when', () => {
    assert.match(DEFAULT_PRICE_TABLE.source, /https:\/\//);
    assert.match(DEFAULT_PRICE_TABLE.asOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(DEFAULT_PRICE_TABLE.currency, 'USD');
    assert.equal(DEFAULT_PRICE_TABLE.cloud, 'gcp');
  });

  it('is keyed by catalog names only', () => {
    const known = new Set(ACCELERATORS.map((a) => a.name));
    for (const name of DEFAULT_PRICE_TABLE.prices.keys()) assert.ok(known.has(name), name);
  });

  // The main serving types must have an on-demand price; spot where a current one was read (not the L4 and A100s:
  // their last spot figures, of 2025-03-06, are left out).
  const main: ReadonlyArray<[string, boolean]> = [
    ['nvidia-tesla-t4', false],
    ['nvidia-l4', false],
    ['nvidia-tesla-a100', false],
    ['nvidia-a100-80gb', false],
    ['nvidia-h100-80gb', true],
    ['nvidia-h200-141gb', true],
    ['tpu-v5-lite-podslice', false],
    ['tpu-v5p-slice', false],
    ['tpu-v6e-slice', false],
  ];
  for (const [name, hasSpot] of main) {
    it(`prices ${name}${hasSpot ? ' on demand and spot' : ' on demand'}`, () => {
      const onDemand = pricePerDeviceHour(DEFAULT_PRICE_TABLE, name, 'on-demand');
      assert.ok(onDemand !== undefined && onDemand > 0, `${onDemand}`);
      assert.equal(pricePerDeviceHour(DEFAULT_PRICE_TABLE, name, 'spot') !== undefined, hasSpot);
    });
  }

  it('has spot below on-demand wherever it has both, and only positive prices', () => {
    for (const [name, price] of DEFAULT_PRICE_TABLE.prices) {
      assert.ok(price.onDemand !== undefined || price.spot !== undefined, `${name} has an empty row`);
      for (const value of [price.onDemand, price.spot]) assert.ok(value === undefined || value > 0, name);
      if (price.onDemand !== undefined && price.spot !== undefined) assert.ok(price.spot < price.onDemand, name);
    }
  });

  it('prices a GPU as its share of the VM (a2-ultragpu-8g $40.5504/h ÷ 8)', () => {
    assert.equal(pricePerDeviceHour(DEFAULT_PRICE_TABLE, 'nvidia-a100-80gb', 'on-demand'), 40.5504 / 8);
  });

  it('has the current H100 spot price (a3-highgpu-1g Spot $6.571, 2026-09-26), not the 2025 one ($35.3957 ÷ 8 = $4.42)', () => {
    assert.equal(pricePerDeviceHour(DEFAULT_PRICE_TABLE, 'nvidia-h100-80gb', 'spot'), 6.571);
  });

  it('leaves out types it has no basis for', () => {
    for (const name of ['nvidia-b200', 'nvidia-gb200', 'tpu7x', 'amd-mi325x']) {
      assert.equal(DEFAULT_PRICE_TABLE.prices.has(name), false, name);
    }
  });
});

describe('parsePriceTable', () => {
  const cases: ReadonlyArray<[string, string, PriceTable]> = [
    ['the documented YAML', `
source: "our negotiated rates"
asOf: 2026-10-01
currency: USD
prices:
  nvidia-h100-80gb: { onDemand: 6.98, spot: 2.10 }
  nvidia-l4: { onDemand: 0.71 }
`, table({ 'nvidia-h100-80gb': { onDemand: 6.98, spot: 2.1 }, 'nvidia-l4': { onDemand: 0.71 } }, { source: 'our negotiated rates', asOf: '2026-10-01' })],
    ['JSON, with a region and no currency', JSON.stringify({
      source: 'reserved pricing', asOf: '2026-09-30', region: 'europe-west4',
      prices: { 'tpu-v6e-slice': { onDemand: 1.89 }, 'nvidia-tesla-t4': { spot: 0.11 } },
    }), table({ 'tpu-v6e-slice': { onDemand: 1.89 }, 'nvidia-tesla-t4': { spot: 0.11 } }, { source: 'reserved pricing', asOf: '2026-09-30', region: 'europe-west4' })],
    ['accelerator names in any case', `
source: x
asOf: "2026-01-31"
prices:
  NVIDIA-L4: { spot: 0.2 }
`, table({ 'nvidia-l4': { spot: 0.2 } }, { source: 'x', asOf: '2026-01-31' })],
    ['an empty price list', 'source: none yet\nasOf: 2026-01-01\nprices: {}\n', table({}, { source: 'none yet' })],
    ['a YAML 1.1 timestamp for asOf', '%YAML 1.1\n---\nsource: x\nasOf: 2026-02-03\nprices: {}\n', table({}, { source: 'x', asOf: '2026-02-03' })],
  ];
  for (const [name, text, want] of cases) {
    it(`reads ${name}`, () => {
      assert.deepEqual(parsed(text), want);
    });
  }

  const FILE = 'source: x\nasOf: 2026-01-01\n';
  const bad: ReadonlyArray<[string, string, string]> = [
    ['not YAML', 'source: [unclosed\n', 'prices.yaml: not valid YAML or JSON'],
    ['a duplicate key', `${FILE}asOf: 2026-01-02\nprices: {}\n`, 'prices.yaml: not valid YAML or JSON'],
    ['an empty file', '', 'prices.yaml: (top level): Invalid input: expected object'],
    ['an unknown top-level key', `${FILE}prices: {}\nvendor: gcp\n`, 'prices.yaml: vendor: unknown field'],
    ['no source', 'asOf: 2026-01-01\nprices: {}\n', 'prices.yaml: source: Invalid input: expected string, received undefined'],
    ['a blank source', 'source: "  "\nasOf: 2026-01-01\nprices: {}\n', 'prices.yaml: source: must say where the prices come from'],
    ['no date', 'source: x\nprices: {}\n', 'prices.yaml: asOf: Invalid input: expected string, received undefined'],
    ['a date in another format', 'source: x\nasOf: 01/10/2026\nprices: {}\n', 'prices.yaml: asOf: must be a date, YYYY-MM-DD'],
    ['a date that does not exist', 'source: x\nasOf: 2026-13-45\nprices: {}\n', 'prices.yaml: asOf: must be a real date'],
    ['another currency', `${FILE}currency: EUR\nprices: {}\n`, 'prices.yaml: currency: only USD is supported'],
    ['no prices', FILE, 'prices.yaml: prices: Invalid input: expected record, received undefined'],
    ['a negative price', `${FILE}prices:\n  nvidia-l4: { onDemand: -0.7 }\n`,
      'prices.yaml: prices.nvidia-l4.onDemand: must be a positive number (USD per device-hour)'],
    ['a zero price', `${FILE}prices:\n  nvidia-l4: { spot: 0 }\n`,
      'prices.yaml: prices.nvidia-l4.spot: must be a positive number (USD per device-hour)'],
    ['a price that is a string', `${FILE}prices:\n  nvidia-l4: { onDemand: "$0.71" }\n`,
      'prices.yaml: prices.nvidia-l4.onDemand: Invalid input: expected number, received string'],
    ['an infinite price', `${FILE}prices:\n  nvidia-l4: { onDemand: .inf }\n`, 'prices.yaml: prices.nvidia-l4.onDemand: '],
    ['a row with neither price', `${FILE}prices:\n  nvidia-l4: {}\n`, 'prices.yaml: prices.nvidia-l4: give onDemand, spot or both'],
    ['an unknown price field', `${FILE}prices:\n  nvidia-l4: { reserved: 0.5 }\n`, 'prices.yaml: prices.nvidia-l4.reserved: unknown field'],
    ['a row that is not a mapping', `${FILE}prices:\n  nvidia-l4: 0.71\n`, 'prices.yaml: prices.nvidia-l4: Invalid input: expected object, received number'],
    ['an unknown accelerator, with similar names', `${FILE}prices:\n  nvidia-h100: { onDemand: 3 }\n`,
      'prices.yaml: prices.nvidia-h100: unknown accelerator type "nvidia-h100" (known: nvidia-h100-80gb, nvidia-h100-mega-80gb, nvidia-h100-pcie, nvidia-h100-nvl)'],
    ['an unknown accelerator, with the first known names', `${FILE}prices:\n  gaudi3: { onDemand: 3 }\n`,
      'prices.yaml: prices.gaudi3: unknown accelerator type "gaudi3" (known: nvidia-tesla-t4, nvidia-l4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb, …)'],
    ['one type under two spellings', `${FILE}prices:\n  nvidia-l4: { onDemand: 0.7 }\n  NVIDIA-L4: { spot: 0.2 }\n`,
      'prices.yaml: prices.NVIDIA-L4: nvidia-l4 is listed twice'],
  ];
  for (const [name, text, want] of bad) {
    it(`rejects ${name}`, () => {
      const got = parsePriceTable(text, 'prices.yaml');
      assert.equal(got.ok, false);
      if (got.ok) return;
      assert.ok(got.error.startsWith(want), `got: ${got.error}`);
      assert.equal(got.error.includes('\n'), false, `one line: ${got.error}`);
    });
  }

  it('reports every problem in one line', () => {
    const got = parsePriceTable(`${FILE}prices:\n  nvidia-l4: { onDemand: -1, spot: x }\n`, 'p.json');
    assert.equal(got.ok, false);
    if (got.ok) return;
    assert.equal(got.error, 'p.json: prices.nvidia-l4.onDemand: must be a positive number (USD per device-hour); '
      + 'prices.nvidia-l4.spot: Invalid input: expected number, received string');
  });
});

describe('mergePriceTables', () => {
  const base = table({ 'nvidia-l4': { onDemand: 0.7, spot: 0.28 }, 'nvidia-h100-80gb': { onDemand: 11, spot: 4.4 } },
    { source: 'list prices', asOf: '2025-03-06', region: 'us-central1' });

  it('replaces the rows the file lists, whole, and keeps the others', () => {
    const merged = mergePriceTables(base, table({ 'nvidia-h100-80gb': { onDemand: 6.98 }, 'tpu-v6e-slice': { onDemand: 1.89 } },
      { source: 'our negotiated rates', asOf: '2026-10-01', region: 'us-central1' }));
    assert.deepEqual([...merged.prices], [
      ['nvidia-l4', { onDemand: 0.7, spot: 0.28 }],
      ['nvidia-h100-80gb', { onDemand: 6.98 }],
      ['tpu-v6e-slice', { onDemand: 1.89 }],
    ]);
    // The file gave no spot price for the H100: it is unknown, not the list price.
    assert.equal(pricePerDeviceHour(merged, 'nvidia-h100-80gb', 'spot'), undefined);
    assert.equal(merged.source, 'our negotiated rates, us-central1, as of 2026-10-01; other types: list prices, us-central1, as of 2025-03-06');
    assert.equal(merged.asOf, '2026-10-01');
    assert.equal(merged.region, 'us-central1');
  });

  it('drops the region when the tables disagree', () => {
    const merged = mergePriceTables(base, table({ 'nvidia-l4': { onDemand: 0.8 } }, { source: 'eu', region: 'europe-west4' }));
    assert.equal(merged.region, undefined);
    assert.match(merged.source, /^eu, europe-west4, as of 2026-01-01; other types: list prices, us-central1/);
  });

  it('is the file alone when the file prices every type of the base', () => {
    const file = table({ 'nvidia-l4': { spot: 0.2 }, 'nvidia-h100-80gb': { onDemand: 5 } }, { source: 'ours' });
    const merged = mergePriceTables(base, file);
    assert.equal(merged.source, 'ours');
    assert.equal(merged.asOf, file.asOf);
    assert.equal(merged.region, undefined);
    assert.deepEqual([...merged.prices], [...file.prices]);
  });

  it('leaves both inputs alone', () => {
    mergePriceTables(base, table({ 'nvidia-l4': { onDemand: 9 } }));
    assert.equal(base.prices.get('nvidia-l4')?.onDemand, 0.7);
  });

  it('works with the default table and a parsed file', () => {
    const merged = mergePriceTables(DEFAULT_PRICE_TABLE, parsed('source: ours\nasOf: 2026-10-01\nprices:\n  nvidia-l4: { onDemand: 0.5 }\n'));
    assert.equal(pricePerDeviceHour(merged, 'nvidia-l4', 'on-demand'), 0.5);
    assert.equal(pricePerDeviceHour(merged, 'nvidia-l4', 'spot'), undefined);
    assert.equal(pricePerDeviceHour(merged, 'nvidia-h100-80gb', 'on-demand'), 10.9791);
    assert.ok(merged.source.startsWith('ours, as of 2026-10-01; other types: https://'), merged.source);
    assert.equal(merged.cloud, 'gcp');
    assert.ok(!merged.rows?.some((r) => r.accelerator === 'nvidia-l4'), 'the file prices the L4 now');
  });
});

describe('price rows per cloud', () => {
  it('every row names its cloud, region, machine, kind, date and source', () => {
    const known = new Set(ACCELERATORS.map((a) => a.name));
    for (const row of DEFAULT_PRICE_ROWS) {
      const where = `${row.cloud} ${row.machine} ${row.kind}`;
      assert.ok(CLOUDS.includes(row.cloud) && row.region.length > 0 && row.machine.length > 0, where);
      assert.ok(known.has(row.accelerator), where);
      assert.ok(row.usdPerDeviceHour > 0, where);
      assert.match(row.date, /^\d{4}-\d{2}-\d{2}$/, where);
      assert.match(row.source, /^https:\/\//, where);
    }
  });

  it('every spot price was read in 2026 (older spot figures ran 33–49% low and are left out)', () => {
    const spot = DEFAULT_PRICE_ROWS.filter((r) => r.kind === 'spot');
    assert.ok(spot.length > 0);
    for (const row of spot) {
      assert.equal(row.status, 'read', row.machine);
      assert.ok(row.date >= '2026-01-01', `${row.machine} ${row.date}`);
    }
    assert.equal(pricePerDeviceHour(DEFAULT_PRICE_TABLE, 'nvidia-l4', 'spot'), undefined, 'no current L4 spot figure');
  });

  // [cloud, type, on-demand price]: a table ranks within one cloud and never borrows another cloud's price.
  const perCloud: ReadonlyArray<[string, 'gcp' | 'aws' | 'azure', string, number | undefined]> = [
    ['GCP H100: a3-highgpu', 'gcp', 'nvidia-h100-80gb', 10.9791],
    ['AWS H100: p5.48xlarge ÷ 8', 'aws', 'nvidia-h100-80gb', 55.04 / 8],
    ['Azure H100: ND96isr_H100_v5', 'azure', 'nvidia-h100-80gb', 12.29],
    ['MI300X is priced on Azure only', 'azure', 'amd-mi300x', 6],
    ['so GCP has no MI300X price', 'gcp', 'amd-mi300x', undefined],
    ['nor an AWS L4 price (none read)', 'aws', 'nvidia-l4', undefined],
  ];
  for (const [name, cloud, type, want] of perCloud) {
    it(name, () => assert.equal(pricePerDeviceHour(defaultPriceTable(cloud), type, 'on-demand'), want));
  }

  it('--cloud all takes each type at its cheapest cloud and says so', () => {
    const all = defaultPriceTable('all');
    assert.equal(all.note, ALL_CLOUDS_NOTE);
    assert.equal(pricePerDeviceHour(all, 'nvidia-h100-80gb', 'on-demand'), 55.04 / 8);
    assert.equal(pricePerDeviceHour(all, 'amd-mi300x', 'on-demand'), 6);
    assert.equal(defaultPriceTable('gcp').note, undefined);
  });
});

describe('priceCoverage', () => {
  // [name, table, kind, types priced that way, as of]
  const cases: ReadonlyArray<[string, PriceTable, 'on-demand' | 'spot', number, string]> = [
    ['AWS has on-demand rows', defaultPriceTable('aws'), 'on-demand', 3, '2026-11-09'],
    ['and no spot row', defaultPriceTable('aws'), 'spot', 0, defaultPriceTable('aws').asOf],
    ['Azure has no spot row either', defaultPriceTable('azure'), 'spot', 0, defaultPriceTable('azure').asOf],
    ['GCP spot: dated by its newest spot row', defaultPriceTable('gcp'), 'spot', 2, '2026-10-13'],
    ['a price file: its own date', table({ 'nvidia-l4': { spot: 0.2 } }, { asOf: '2026-05-01' }), 'spot', 1, '2026-05-01'],
    ['a price file without that kind', table({ 'nvidia-l4': { onDemand: 0.7 } }), 'spot', 0, '2026-01-01'],
    ['a file laid over AWS gives spot prices of its date', mergePriceTables(defaultPriceTable('aws'), table({ 'nvidia-h100-80gb': { spot: 3 } }, { asOf: '2026-12-01' })), 'spot', 1, '2026-12-01'],
  ];
  for (const [name, priced, kind, types, asOf] of cases) {
    it(name, () => assert.deepEqual(priceCoverage(priced, kind), { types, asOf }));
  }
});

describe('clusterCloud', () => {
  const cases: ReadonlyArray<[string, Parameters<typeof clusterCloud>[0], string | undefined]> = [
    ['GKE by providerID', [{ providerID: 'gce://proj/us-central1-a/gke-n1' }], 'gcp'],
    ['EKS by providerID', [{ providerID: 'aws:///us-east-1a/i-0abc' }], 'aws'],
    ['AKS by label', [{ labels: { 'kubernetes.azure.com/cluster': 'mc_rg' } }], 'azure'],
    ['GKE by label', [{ labels: { 'cloud.google.com/gke-nodepool': 'gpu' } }], 'gcp'],
    ['the most nodes win', [{ providerID: 'aws:///a/i-1' }, { providerID: 'gce://p/z/n' }, { providerID: 'gce://p/z/m' }], 'gcp'],
    ['no hint: undefined (the caller defaults to gcp)', [{ labels: { 'kubernetes.io/hostname': 'n1' } }], undefined],
  ];
  for (const [name, nodes, want] of cases) it(name, () => assert.equal(clusterCloud(nodes), want));
});

describe('pricePerDeviceHour', () => {
  const prices = table({ 'nvidia-l4': { onDemand: 0.7, spot: 0.28 }, 'tpu-v6e-slice': { onDemand: 2.7 } });
  const cases: ReadonlyArray<[string, 'on-demand' | 'spot', number | undefined]> = [
    ['nvidia-l4', 'on-demand', 0.7],
    ['nvidia-l4', 'spot', 0.28],
    [' NVIDIA-L4 ', 'spot', 0.28],
    ['tpu-v6e-slice', 'spot', undefined],
    ['nvidia-h100-80gb', 'on-demand', undefined],
    ['no-such-accelerator', 'on-demand', undefined],
  ];
  for (const [accelerator, pricing, want] of cases) {
    it(`${JSON.stringify(accelerator)} ${pricing} → ${want}`, () => {
      assert.equal(pricePerDeviceHour(prices, accelerator, pricing), want);
    });
  }
});

describe('costPerMillionTokens', () => {
  // [what, price per device-hour, devices, output tokens/s, USD per million tokens]
  const cases: ReadonlyArray<[string, number | undefined, number, number, number | undefined]> = [
    ['1 device at $3.60/h making 1000 tok/s', 3.6, 1, 1000, 1],
    ['8 devices at $11.06125/h making 10 000 tok/s', 11.06125, 8, 10_000, (8 * 11.06125 * 1e6) / (10_000 * 3600)],
    ['2 devices at $0.36/h making 100 tok/s', 0.36, 2, 100, 2],
    ['twice the throughput halves the cost', 3.6, 1, 2000, 0.5],
    ['zero throughput', 3.6, 1, 0, undefined],
    ['negative throughput', 3.6, 1, -5, undefined],
    ['no price', undefined, 1, 1000, undefined],
    ['no devices', 3.6, 0, 1000, undefined],
    ['a non-finite price', Number.NaN, 1, 1000, undefined],
  ];
  for (const [what, price, devices, tokensPerSecond, want] of cases) {
    it(what, () => {
      const got = costPerMillionTokens(price, devices, tokensPerSecond);
      if (want === undefined) assert.equal(got, undefined);
      else assert.ok(got !== undefined && Math.abs(got - want) < 1e-12, `${got} ≠ ${want}`);
    });
  }

  it('prices an H100 from the default table', () => {
    const hourly = pricePerDeviceHour(DEFAULT_PRICE_TABLE, 'nvidia-h100-80gb', 'on-demand');
    // $10.9791 a GPU-hour, 8 GPUs making 3600 tok/s = 12.96M tokens an hour → $6.78 per million.
    const got = costPerMillionTokens(hourly, 8, 3600);
    assert.ok(got !== undefined && Math.abs(got - (8 * 10.9791) / 12.96) < 1e-9, `${got}`);
  });
});
