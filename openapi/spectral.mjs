// The spec's lint rules: Spectral's OpenAPI rules, the OWASP API Security ruleset, and the house
// rules that hold DESIGN.md's conventions. `make lint` runs them; the spec must have zero errors.
import { oas } from '@stoplight/spectral-rulesets';
import owasp from '@stoplight/spectral-owasp-ruleset';
import { createRulesetFunction } from '@stoplight/spectral-core';
import { casing, defined, pattern, schema, truthy } from '@stoplight/spectral-functions';

const ERROR_STATUS = '$.paths[*][get,put,post,patch,delete].responses[?(@property >= 400)]';
const OPERATIONS = '$.paths[*][get,put,post,patch,delete]';

const declaredScope = createRulesetFunction({ input: { type: 'string' }, options: null }, (scope, _options, context) => {
  const declared = context.document.data?.components?.securitySchemes?.ApiKeyHeader?.['x-scopes'] ?? {};
  return Object.hasOwn(declared, scope) ? [] : [{ message: `scope "${scope}" is not declared in ApiKeyHeader.x-scopes` }];
});

/** An RFC 3339 full-date that names a real day, as milliseconds since the epoch at its start (UTC). */
function dayStart(text) {
  const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().startsWith(text) ? ms : undefined;
}

/**
 * deprecated: true goes with two extensions. x-sunset is oasdiff's: the RFC 3339 date (a string)
 * the operation stops working (the Sunset header; 410 E1013 from then), which the breaking-change
 * gate reads to allow removing it from that day on and to refuse it before. x-deprecation is ours,
 * {since, link?}: the RFC 3339 date deprecation took effect (the Deprecation header) and the https
 * URL of the migration note (Link rel="deprecation"). Its success responses and its documented 410
 * declare those headers.
 */
const sunset = createRulesetFunction({ input: { type: 'object' }, options: null }, (op) => {
  const value = op['x-sunset'];
  const deprecation = op['x-deprecation'];
  if (op.deprecated !== true) {
    return ['x-sunset', 'x-deprecation']
      .filter((name) => op[name] !== undefined)
      .map((name) => ({ message: `${name} on an operation that is not deprecated: add deprecated: true or remove ${name}` }));
  }
  const problems = [];
  const date = dayStart(value);
  if (value === undefined) problems.push({ message: "a deprecated operation needs x-sunset: 'YYYY-MM-DD' (the day it stops working, as oasdiff reads it)" });
  else if (date === undefined) problems.push({ message: `x-sunset must be an RFC 3339 date string ('YYYY-MM-DD', which oasdiff reads), not ${JSON.stringify(value)}` });
  if (typeof deprecation !== 'object' || deprecation === null || Array.isArray(deprecation)) {
    problems.push({ message: 'a deprecated operation needs x-deprecation: {since, link?} (the day it was deprecated, and its migration note)' });
    return problems;
  }
  for (const key of Object.keys(deprecation).filter((key) => !['since', 'link'].includes(key))) {
    problems.push({ message: `x-deprecation has no member ${key} (since, link; the sunset is x-sunset)` });
  }
  const since = dayStart(deprecation.since);
  if (since === undefined) problems.push({ message: `x-deprecation.since must be an RFC 3339 date (YYYY-MM-DD), not ${JSON.stringify(deprecation.since)}` });
  if (since !== undefined && date !== undefined && since >= date) problems.push({ message: 'x-deprecation.since must come before x-sunset' });
  const link = deprecation.link;
  if (link !== undefined && !(typeof link === 'string' && URL.canParse(link) && link.startsWith('https://'))) {
    problems.push({ message: 'x-deprecation.link must be an https URL' });
  }
  const responses = op.responses ?? {};
  if (responses['410'] === undefined) problems.push({ message: "a deprecated operation documents its 410 after the sunset: '410': { $ref: '#/components/responses/Retired' } (or a 410 that lists E1013 too)" });
  const needed = link === undefined ? ['Deprecation', 'Sunset'] : ['Deprecation', 'Sunset', 'Link'];
  // Errors are shared components (the 401 of every operation), so only the success answers and the
  // 410 declare the headers; the server sends them on every answer.
  for (const [status, response] of Object.entries(responses).filter(([status]) => /^[23]|^410$/.test(status))) {
    const missing = needed.filter((name) => response?.headers?.[name] === undefined);
    if (missing.length > 0) problems.push({ message: `the ${status} response of a deprecated operation must declare ${missing.join(', ')} (components/headers)` });
  }
  return problems;
});

export default {
  extends: [oas, owasp],
  rules: {
    'transmute-snake-case-properties': {
      description: 'JSON fields are snake_case (DESIGN.md, API conventions).',
      severity: 'error',
      given: '$.components.schemas[*]..properties[*]~',
      then: { function: casing, functionOptions: { type: 'snake' } },
    },
    'transmute-kebab-case-paths': {
      description: 'Path segments are lower-case kebab-case; parameters are snake_case.',
      severity: 'error',
      given: '$.paths[*]~',
      then: { function: pattern, functionOptions: { match: '^(/([a-z0-9]+(-[a-z0-9]+)*(\\.[a-z]+)?|\\{[a-z][a-z0-9_]*\\}))+$' } },
    },
    'transmute-camel-case-operation-ids': {
      description: 'operationIds are camelCase: they become method names in every SDK.',
      severity: 'error',
      given: `${OPERATIONS}.operationId`,
      then: { function: casing, functionOptions: { type: 'camel' } },
    },
    'transmute-operation-tag': {
      description: 'Every operation has exactly one tag: it names the SDK resource and the server module.',
      severity: 'error',
      given: OPERATIONS,
      then: { field: 'tags', function: schema, functionOptions: { schema: { type: 'array', minItems: 1, maxItems: 1 } } },
    },
    'transmute-problem-json-errors': {
      description: 'Every error response is application/problem+json (RFC 9457).',
      severity: 'error',
      given: `${ERROR_STATUS}.content`,
      then: { field: 'application/problem+json', function: truthy },
    },
    'transmute-sla': {
      description: 'The root carries x-sla (the default objective of every operation); an override has the same shape.',
      severity: 'error',
      given: ['$.x-sla', `${OPERATIONS}.x-sla`],
      then: { function: schema, functionOptions: { schema: { $ref: '#/$defs/sla', $defs: slaDefs() } } },
    },
    'transmute-rate-limit-extension': {
      description: 'x-rate-limit names the policy that meters an operation (plan, auth-ip, signup-ip or none) and its cost.',
      severity: 'error',
      given: ['$.x-rate-limit', `${OPERATIONS}.x-rate-limit`],
      then: {
        function: schema,
        functionOptions: {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['policy'],
            properties: { policy: { enum: ['plan', 'auth-ip', 'signup-ip', 'none'] }, cost: { type: 'integer', minimum: 1, maximum: 1000 } },
          },
        },
      },
    },
    'transmute-sla-present': {
      description: 'The root x-sla is present.',
      severity: 'error',
      given: '$',
      then: { field: 'x-sla', function: defined },
    },
    'transmute-body-limit': {
      description: 'Operations with a request body declare x-body-limit in bytes (a 413 beyond it).',
      severity: 'error',
      given: "$.paths[*][?(@ && @.requestBody)]",
      then: [
        { field: 'x-body-limit', function: defined },
        { field: 'x-body-limit', function: schema, functionOptions: { schema: { type: 'integer', minimum: 1, maximum: 104857600 } } },
      ],
    },
    'transmute-request-examples': {
      description: 'Every request body has examples (they are validated against the schema by oas3-valid-media-example).',
      severity: 'error',
      given: `${OPERATIONS}.requestBody.content[*]`,
      then: { field: 'examples', function: truthy },
    },
    'transmute-response-examples': {
      description: 'Every response body has examples.',
      severity: 'error',
      given: ['$.paths[*][*].responses[*].content[*]', '$.components.responses[*].content[*]'],
      then: { field: 'examples', function: truthy },
    },
    'transmute-rate-limit-headers': {
      description: 'Every 2xx and 4xx response of a rate-limited operation declares both header families DESIGN.md promises (IETF RateLimit and X-RateLimit-*).',
      severity: 'error',
      given: '$.paths[*]..responses[?(@property.match(/^(2|4)/))].headers',
      then: { function: schema, functionOptions: { schema: { type: 'object', required: ['RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] } } },
    },
    'transmute-common-headers': {
      description: 'Every response declares the headers every answer carries: X-Request-Id and Server-Timing (DESIGN.md, API conventions).',
      severity: 'error',
      given: [`${OPERATIONS}.responses[*]`, '$.components.responses[*]'],
      then: { field: 'headers', function: schema, functionOptions: { schema: { type: 'object', required: ['X-Request-Id', 'Server-Timing'] } } },
    },
    'transmute-sunset': {
      description: 'A deprecated operation carries x-sunset (a date string, as oasdiff reads it) and x-deprecation {since, link?}, documents its 410 and declares the Deprecation, Sunset (and Link) headers on it and its successes; neither extension on an operation that is not deprecated.',
      severity: 'error',
      message: '{{error}}',
      given: OPERATIONS,
      then: { function: sunset },
    },
    'transmute-known-scopes': {
      description: 'Every scope an operation requires is declared in the x-scopes of the API key scheme.',
      severity: 'error',
      given: `${OPERATIONS}.security[*][*][*]`,
      then: { function: declaredScope },
    },
    'transmute-scoped-writes': {
      description: 'Operations that change state require a scope of API keys that may call them.',
      severity: 'error',
      given: '$.paths[*][post,put,patch,delete].security[*][ApiKeyHeader,BearerApiKey]',
      then: { function: schema, functionOptions: { schema: { type: 'array', minItems: 1 } } },
    },
  },
  overrides: [
    {
      // Free text (documents, messages, names) has no format or pattern to give; every string
      // stays bounded by maxLength, which owasp:api4:2023-string-limit still enforces.
      files: ['openapi.yaml'],
      rules: { 'owasp:api4:2023-string-restricted': 'off' },
    },
    {
      // This OWASP rule requires exactly one header family (oneOf), so an API that sends both, as
      // DESIGN.md requires, fails it; transmute-rate-limit-headers requires both instead.
      // oas3-operation-security-defined only knows OAuth scopes; transmute-known-scopes checks
      // API key scopes against the scheme's x-scopes instead.
      files: ['openapi.yaml'],
      rules: { 'owasp:api4:2023-rate-limit': 'off', 'oas3-operation-security-defined': 'off' },
    },
    {
      // Probes and the published spec are read by load balancers and tooling without credentials
      // and must never be throttled; they touch no customer data.
      files: ['openapi.yaml#/paths/~1health', 'openapi.yaml#/paths/~1ready', 'openapi.yaml#/paths/~1metrics', 'openapi.yaml#/paths/~1openapi.json', 'openapi.yaml#/paths/~1docs'],
      rules: {
        'transmute-rate-limit-headers': 'off',
        'owasp:api4:2023-rate-limit-responses-429': 'off',
        'owasp:api2:2023-read-restricted': 'off',
        'owasp:api8:2023-define-error-responses-401': 'off',
        'owasp:api8:2023-define-error-validation': 'off',
      },
    },
    {
      // These operations are how credentials are obtained: they cannot require credentials. They
      // are protected by their own per-IP limits (x-rate-limit auth-ip and signup-ip) instead.
      files: [
        'openapi.yaml#/paths/~1v1~1auth~1signup',
        'openapi.yaml#/paths/~1v1~1auth~1login',
        'openapi.yaml#/paths/~1v1~1auth~1login~1mfa',
        'openapi.yaml#/paths/~1v1~1auth~1refresh',
      ],
      rules: { 'owasp:api2:2023-write-restricted': 'off' },
    },
    {
      // A request line and headers past Node's limit are answered by the HTTP parser's error hook
      // (server/src/http/client-error.ts), before any middleware: no rate limit was metered and no
      // Origin was read, so neither header family nor CORS can be sent.
      files: ['openapi.yaml#/components/responses/RequestHeadersTooLarge'],
      rules: { 'transmute-rate-limit-headers': 'off', 'owasp:api8:2023-define-cors-origin': 'off' },
    },
    {
      // Content negotiation refuses before authentication (server/src/http/negotiate.ts): no rate
      // limit was metered, so there is no RateLimit to report.
      files: ['openapi.yaml#/components/responses/NotAcceptable'],
      rules: { 'transmute-rate-limit-headers': 'off' },
    },
    {
      // draft-inadarei-api-health-check answers a failing readiness check with health+json, not a problem.
      files: ['openapi.yaml#/paths/~1ready/get/responses/503'],
      rules: { 'transmute-problem-json-errors': 'off' },
    },
    {
      // These operations are how credentials are obtained: they cannot require credentials. They
      // are protected by their own per-IP limits (x-rate-limit auth-ip and signup-ip) instead.
      files: [
        'openapi.yaml#/paths/~1v1~1auth~1signup',
        'openapi.yaml#/paths/~1v1~1auth~1login',
        'openapi.yaml#/paths/~1v1~1auth~1login~1mfa',
        'openapi.yaml#/paths/~1v1~1auth~1refresh',
      ],
      rules: { 'owasp:api2:2023-write-restricted': 'off' },
    },
    {
      // What a deprecated operation references (transmute-sunset): kept ready while no operation is.
      files: [
        'openapi.yaml#/components/headers/Deprecation',
        'openapi.yaml#/components/headers/Sunset',
        'openapi.yaml#/components/headers/Link',
        'openapi.yaml#/components/responses/Retired',
      ],
      rules: { 'oas3-unused-component': 'off' },
    },
    {
      // draft-inadarei-api-health-check fixes these member names (releaseId, componentType, ...).
      files: ['openapi.yaml#/components/schemas/Health', 'openapi.yaml#/components/schemas/HealthCheck'],
      rules: { 'transmute-snake-case-properties': 'off' },
    },
  ],
};

function slaDefs() {
  return {
    sla: {
      type: 'object',
      additionalProperties: false,
      required: ['p95_ms', 'p99_ms', 'max_error_rate'],
      properties: {
        p95_ms: { type: 'number', exclusiveMinimum: 0 },
        p99_ms: { type: 'number', exclusiveMinimum: 0 },
        max_error_rate: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      },
    },
  };
}
