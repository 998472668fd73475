import test from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { validateConfig } from '../../../src/config/validate.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { parseWorkerCount } from '../../../src/config/workers.ts';
import { issuesOf } from '../../helpers/config.ts';

const minimal = { upstreams: { api: { targets: ['http://127.0.0.1:3001'] } }, routes: [{ path: '/*', upstream: 'api' }] };

test('workers: default 1, a whole number, or auto (one per core)', () => {
  const cases: Array<[unknown, number]> = [
    [undefined, 1],
    [1, 1],
    [2, 2],
    [1024, 1024],
    ['auto', availableParallelism()],
    ['3', 3],
  ];
  for (const [workers, expected] of cases) {
    assert.equal(validateConfig(workers === undefined ? minimal : { ...minimal, workers }).workers, expected, String(workers));
  }
});

test('workers from YAML and ${ENV}: a number, auto, or digits as text', () => {
  const yaml = 'workers: ${WORKERS}\nupstreams: { api: { targets: [http://127.0.0.1:3001] } }\nroutes: [{ path: /*, upstream: api }]\n';
  assert.equal(parseConfig(yaml, { WORKERS: '4' }).workers, 4);
  assert.equal(parseConfig(yaml, { WORKERS: 'auto' }).workers, availableParallelism());
});

test('a bad workers value is reported with what is expected', () => {
  const cases: Array<[unknown, string]> = [
    [0, 'workers: must be between 1 and 1024 (got 0)'],
    [1025, 'workers: must be between 1 and 1024 (got 1025)'],
    [-2, 'workers: must be between 1 and 1024 (got -2)'],
    [2.5, 'workers: must be auto or a whole number of processes such as 4 (got 2.5)'],
    ['many', 'workers: must be auto or a whole number of processes such as 4 (got "many")'],
    ['AUTO', 'workers: must be auto or a whole number of processes such as 4 (got "AUTO")'],
    [true, 'workers: must be auto or a whole number of processes such as 4 (got true)'],
    [[2], 'workers: must be auto or a whole number of processes such as 4 (got a list)'],
  ];
  for (const [workers, issue] of cases) assert.deepEqual(issuesOf({ ...minimal, workers }), [issue], String(workers));
});

test('parseWorkerCount reads what config and --workers accept, leaving the range to the caller', () => {
  const cases: Array<[unknown, number | undefined]> = [
    ['auto', availableParallelism()],
    ['8', 8],
    [8, 8],
    ['0', 0],
    ['', undefined],
    [' 2', undefined],
    ['2.0', undefined],
    [1.5, undefined],
    [null, undefined],
  ];
  for (const [value, expected] of cases) assert.equal(parseWorkerCount(value), expected, JSON.stringify(value));
});
