import test from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parsePort, type ParsedArgs } from '../../../src/cli/args.ts';

test('parseArgs: commands, options, help and version', () => {
  const cases: Array<[string[], ParsedArgs]> = [
    [['--help'], { kind: 'help', command: undefined }],
    [['-h'], { kind: 'help', command: undefined }],
    [['help'], { kind: 'help', command: undefined }],
    [['help', 'proxy'], { kind: 'help', command: 'proxy' }],
    [['check', '--help'], { kind: 'help', command: 'check' }],
    [['run', '--config', 'x.yaml', '-h'], { kind: 'help', command: 'run' }],
    [['--version'], { kind: 'version' }],
    [['-v'], { kind: 'version' }],
    [['version'], { kind: 'version' }],
    [['proxy', '--version'], { kind: 'version' }],
    [['check', '--config', 'c.yaml'], { kind: 'command', command: 'check', options: { config: 'c.yaml' } }],
    [['check', '--config=c.yaml'], { kind: 'command', command: 'check', options: { config: 'c.yaml' } }],
    [['run', '-c', 'c.yaml'], { kind: 'command', command: 'run', options: { config: 'c.yaml' } }],
    [
      ['proxy', '--to', 'http://a:1', '--port', '0', '--host=::1', '--admin-port', '9901', '--admin-token', 't'],
      {
        kind: 'command',
        command: 'proxy',
        options: { to: 'http://a:1', port: '0', host: '::1', 'admin-port': '9901', 'admin-token': 't' },
      },
    ],
    [
      ['proxy', '--to', 'http://a:1', '--port', '1', '--port', '2'],
      { kind: 'command', command: 'proxy', options: { to: 'http://a:1', port: '2' } },
    ],
    [
      ['proxy', '--admin-token=--dashes--', '--to', 'http://a:1'],
      { kind: 'command', command: 'proxy', options: { 'admin-token': '--dashes--', to: 'http://a:1' } },
    ],
  ];
  for (const [argv, expected] of cases) assert.deepEqual(parseArgs(argv), expected, argv.join(' '));
});

test('parseArgs: usage errors are values naming the problem', () => {
  const cases: Array<[string[], string, string | undefined]> = [
    [[], 'missing command', undefined],
    [['serve'], "unknown command 'serve', expected proxy, run, check or help", undefined],
    [['--verbose'], 'unknown option --verbose', undefined],
    [['help', 'nope'], "no help for 'nope', expected proxy, run or check", undefined],
    [['help', 'run', 'extra'], "unexpected argument 'extra'", 'run'],
    [['check'], 'missing --config', 'check'],
    [['run', 'c.yaml'], "unexpected argument 'c.yaml'", 'run'],
    [['check', '--config', 'c.yaml', '--strict'], "unknown option --strict for 'cachet check'", 'check'],
    [['check', '--to', 'http://a:1'], "unknown option --to for 'cachet check'", 'check'],
    [['check', '--config'], 'option --config needs a value', 'check'],
    [['proxy', '--to', '--port', '1'], 'option --to needs a value', 'proxy'],
    [['proxy', '--port', '8080'], 'missing --to', 'proxy'],
    [['proxy', '-c', 'x'], "unknown option -c for 'cachet proxy'", 'proxy'],
    [['proxy', '--help=yes'], "unknown option --help for 'cachet proxy'", 'proxy'],
    [['run', '--', '-c', 'x'], "unexpected argument '--'", 'run'],
  ];
  for (const [argv, message, command] of cases) {
    assert.deepEqual(parseArgs(argv), { kind: 'usage-error', message, command }, argv.join(' '));
  }
});

test('parsePort accepts 0-65535 only', () => {
  const cases: Array<[string, number | undefined]> = [
    ['0', 0],
    ['8080', 8080],
    ['65535', 65_535],
    ['65536', undefined],
    ['-1', undefined],
    ['80.0', undefined],
    ['', undefined],
    ['0x50', undefined],
    ['123456', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parsePort(text), expected, text);
});
