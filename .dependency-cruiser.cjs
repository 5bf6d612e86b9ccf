/**
 * The dependency rule of the hexagon, checked on every `npm test`:
 * the domain depends on nothing, use cases only on the domain, and the
 * frameworks (koa, mongodb, bcrypt, ...) only appear in adapters and infrastructure.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain may import only src/domain: no node built-ins, no packages, no other layer.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-depends-on-domain-only',
      comment: 'Use cases may import the domain and each other, nothing else.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(domain|application)/' },
    },
    {
      name: 'adapters-do-not-know-the-composition-root',
      comment: 'Adapters are wired by src/infrastructure, never the other way round.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/infrastructure/' },
    },
    {
      name: 'frameworks-stay-at-the-edge',
      comment: 'koa, mongodb, bcrypt and friends belong in adapters or infrastructure.',
      severity: 'error',
      from: { pathNot: '^src/(adapters|infrastructure)/' },
      to: { path: 'node_modules/(koa|koa-bodyparser|@koa/router|mongodb|better-sqlite3|bcrypt|inversify|pino|prom-client|rate-limiter-flexible)/' },
    },
    {
      name: 'web-page-uses-only-the-domain',
      comment: 'The browser page may bundle the pure domain rules, never a server layer or a Node package.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { pathNot: '^(web/src|src/domain)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
