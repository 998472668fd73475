import test from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

// A route no request can reach is a mistake: routes match in order on the path and the method, and the
// first match wins (docs/configuration.md, `routes`); GET implies HEAD (RFC 9110 §9.3.2).

const upstreams = { api: { targets: ['http://127.0.0.1:3001'] }, legacy: { targets: ['http://127.0.0.1:3002'] } };
const withRoutes = (...routes: Array<Record<string, unknown>>) => ({ upstreams, routes });
const route = (path: string, methods?: string[], upstream = 'api') =>
  methods === undefined ? { path, upstream } : { path, methods, upstream };

const unreached: Array<[string, ReturnType<typeof withRoutes>, string[]]> = [
  [
    'a prefix after /* (every path)',
    withRoutes(route('/*'), route('/v1/*')),
    [
      'routes[1].path: is never reached: routes[0] (/*) matches every path and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'an exact path after a prefix that covers it',
    withRoutes(route('/v1/*'), route('/v1/health')),
    [
      'routes[1].path: is never reached: routes[0] (/v1/*) covers /v1/health and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'the prefix base itself after its prefix (/v1/* matches /v1)',
    withRoutes(route('/v1/*'), route('/v1')),
    [
      'routes[1].path: is never reached: routes[0] (/v1/*) covers /v1 and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'a narrower prefix after a wider one',
    withRoutes(route('/v1/*'), route('/v1/threats/*')),
    [
      'routes[1].path: is never reached: routes[0] (/v1/*) covers /v1/threats/* and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'the same path twice, with different upstreams',
    withRoutes(route('/v1/x'), route('/v1/x', undefined, 'legacy')),
    [
      'routes[1].path: is never reached: routes[0] (/v1/x) has the same path and comes first (first match wins), expected one of the two removed, or their methods made distinct',
    ],
  ],
  [
    'the same prefix twice, with the same upstream',
    withRoutes(route('/v1/*'), route('/v1/*')),
    [
      'routes[1].path: is never reached: routes[0] (/v1/*) has the same path and comes first (first match wins), expected one of the two removed, or their methods made distinct',
    ],
  ],
  [
    'methods: a GET route after a GET route that covers it (HEAD comes with GET)',
    withRoutes(route('/v1/*', ['GET']), route('/v1/x', ['GET'])),
    [
      'routes[1].path: is never reached: routes[0] (GET /v1/*) covers /v1/x and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'methods: HEAD after a route that takes GET (RFC 9110 §9.3.2)',
    withRoutes(route('/v1/*', ['GET']), route('/v1/x', ['HEAD'])),
    [
      'routes[1].path: is never reached: routes[0] (GET /v1/*) covers /v1/x and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'methods: several earlier routes share the methods',
    withRoutes(route('/v1/*', ['GET']), route('/v1/*', ['POST', 'PUT']), route('/v1/x', ['GET', 'PUT'])),
    [
      'routes[2].path: is never reached: routes[0] (GET /v1/*) and routes[1] (POST, PUT /v1/*) match every request it would and come first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'methods: a route with methods after one that takes every method',
    withRoutes(route('/*'), route('/health', ['GET'])),
    [
      'routes[1].path: is never reached: routes[0] (/*) matches every path and comes first (first match wins), expected this route above routes[0], or removed',
    ],
  ],
  [
    'methods: one listed method is taken by an earlier route, the others still reach the route',
    withRoutes(route('/v1/*', ['GET']), route('/v1/x', ['POST', 'GET'])),
    [
      'routes[1].methods[1]: GET never reaches this route: routes[0] (GET /v1/*) covers /v1/x and takes GET first (first match wins), expected GET removed here, or this route above routes[0]',
    ],
  ],
  [
    'every unreached route is reported, each naming the route that takes its requests',
    withRoutes(route('/v1/*'), route('/*'), route('/v1/a'), route('/b')),
    [
      'routes[2].path: is never reached: routes[0] (/v1/*) covers /v1/a and comes first (first match wins), expected this route above routes[0], or removed',
      'routes[3].path: is never reached: routes[1] (/*) matches every path and comes first (first match wins), expected this route above routes[1], or removed',
    ],
  ],
];

for (const [name, config, expected] of unreached) {
  test(`unreachable route refused: ${name}`, () => {
    assert.deepEqual(issuesOf(config), expected);
  });
}

const reachable: Array<[string, ReturnType<typeof withRoutes>]> = [
  ['narrow before wide', withRoutes(route('/v1/health'), route('/v1/threats/*'), route('/v1/*'), route('/*'))],
  [
    'a prefix matches on a segment boundary only (/v1/* does not cover /v1beta)',
    withRoutes(route('/v1/*'), route('/v1beta'), route('/v1beta/*')),
  ],
  ['an exact path does not cover its prefix', withRoutes(route('/v1'), route('/v1/*'))],
  ['the same path with other methods', withRoutes(route('/v1/*', ['GET']), route('/v1/*', ['POST', 'PUT']), route('/v1/*'))],
  ['a later route takes the methods the earlier one does not', withRoutes(route('/v1/*', ['GET']), route('/v1/x'))],
  ['HEAD alone does not take GET', withRoutes(route('/v1/*', ['HEAD']), route('/v1/x', ['GET']))],
  ['paths are case-sensitive, and a trailing slash is significant for exact paths', withRoutes(route('/a'), route('/A'), route('/a/'))],
];

for (const [name, config] of reachable) {
  test(`reachable routes load: ${name}`, () => {
    assert.doesNotThrow(() => validateConfig(config));
  });
}

test('routes whose path or methods are already refused do not add reachability noise', () => {
  assert.deepEqual(issuesOf(withRoutes(route('/v1*'), route('/v1/x', ['get']), route('/v1/x'))), [
    'routes[0].path: may contain * only as a final /* segment, expected an exact path such as /v1/health or a prefix such as /v1/* (got "/v1*")',
    'routes[1].methods[0]: must be upper-case, methods are case-sensitive (RFC 9110 §9.1), expected GET',
  ]);
});
