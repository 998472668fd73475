import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../../src/config/validate.ts';

/** The issues validateConfig reports, asserting it reports them as CACHET_ERR_CONFIG_INVALID. */
export function issuesOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CACHET_ERR_CONFIG_INVALID');
    return err.issues;
  }
  assert.fail('expected the config to be refused');
}
