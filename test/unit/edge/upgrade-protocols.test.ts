import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAskedSwitch, selectUpgradeProtocols } from '../../../src/edge/upgrade-protocols.ts';

const selections: readonly (readonly [name: string, input: string | undefined, expected: string | undefined])[] = [
  ['RFC 9110 §7.8 a single protocol is kept', 'websocket', 'websocket'],
  ['RFC 9110 §7.8 a list keeps its order and versions', 'foo/2, websocket , bar', 'foo/2, websocket, bar'],
  ['RFC 9113 §3.1 h2c alone leaves nothing to ask for', 'h2c', undefined],
  ['RFC 9113 §3.1 h2c is dropped from a list, any case', 'H2C, websocket', 'websocket'],
  ['h2c with a version is still h2c', 'h2c/1, websocket', 'websocket'],
  ['empty members are ignored', ' , ,', undefined],
  ['no Upgrade field', undefined, undefined],
];

test('selectUpgradeProtocols: what goes upstream', () => {
  for (const [name, input, expected] of selections) assert.equal(selectUpgradeProtocols(input), expected, name);
});

const switches: readonly (readonly [name: string, asked: string, answered: string | string[] | undefined, expected: boolean])[] = [
  ['RFC 9110 §7.8 the protocol asked for', 'websocket', 'websocket', true],
  ['names compare case-insensitively', 'websocket', 'WebSocket', true],
  ['a versionless answer matches a versioned offer by name', 'foo/2', 'foo', true],
  ['a versioned answer must match the offer exactly', 'foo/2', 'foo/3', false],
  ['one of several offered', 'foo/2, websocket', 'websocket', true],
  ['RFC 9110 §7.8 a protocol nobody asked for (h2c smuggling)', 'websocket', 'h2c', false],
  ['one asked, one not', 'websocket', 'websocket, h2c', false],
  ['on several field lines', 'a, b', ['a', 'b'], true],
  ['RFC 9110 §15.2.2 a 101 without Upgrade', 'websocket', undefined, false],
  ['an empty Upgrade', 'websocket', ' , ', false],
];

test('isAskedSwitch: a 101 must switch to a protocol the client listed', () => {
  for (const [name, asked, answered, expected] of switches) assert.equal(isAskedSwitch(asked, answered), expected, name);
});
