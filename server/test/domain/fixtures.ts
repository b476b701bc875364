// Shared by the domain tests: one realistic data set written by hand in every format, and
// helpers to run conversions and check errors.
import assert from 'node:assert/strict';
import { convert, ConversionError, type ConversionErrorKind, type ConversionLimits, type ConversionOptions, type Format } from '../../src/domain/index.ts';

export const LIMITS: ConversionLimits = { maxDepth: 64, maxRecords: 1000 };

/** Every leaf is a string and every array has two items, so all six formats can carry it exactly. */
export const USERS = [
  {
    id: 'u1',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    address: { city: 'London', postcode: 'W1J 7NT' },
    roles: ['admin', 'author'],
    note: 'said "hi", then left',
  },
  {
    id: 'u2',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    address: { city: 'New York', postcode: '10001' },
    roles: ['author', 'reviewer'],
    note: 'line one\nline two',
  },
];

export const USERS_IN: Record<Format, string> = {
  json: `[
  {
    "id": "u1", "name": "Ada Lovelace", "email": "ada@example.com",
    "address": { "city": "London", "postcode": "W1J 7NT" },
    "roles": ["admin", "author"], "note": "said \\"hi\\", then left"
  },
  {
    "id": "u2", "name": "Grace Hopper", "email": "grace@example.com",
    "address": { "city": "New York", "postcode": "10001" },
    "roles": ["author", "reviewer"], "note": "line one\\nline two"
  }
]
`,
  ndjson:
    '{"id":"u1","name":"Ada Lovelace","email":"ada@example.com","address":{"city":"London","postcode":"W1J 7NT"},"roles":["admin","author"],"note":"said \\"hi\\", then left"}\n' +
    '{"id":"u2","name":"Grace Hopper","email":"grace@example.com","address":{"city":"New York","postcode":"10001"},"roles":["author","reviewer"],"note":"line one\\nline two"}\n',
  csv:
    'id,name,email,address.city,address.postcode,roles.0,roles.1,note\r\n' +
    'u1,Ada Lovelace,ada@example.com,London,W1J 7NT,admin,author,"said ""hi"", then left"\r\n' +
    'u2,Grace Hopper,grace@example.com,New York,10001,author,reviewer,"line one\nline two"\r\n',
  tsv:
    'id\tname\temail\taddress.city\taddress.postcode\troles.0\troles.1\tnote\n' +
    'u1\tAda Lovelace\tada@example.com\tLondon\tW1J 7NT\tadmin\tauthor\t"said ""hi"", then left"\n' +
    'u2\tGrace Hopper\tgrace@example.com\tNew York\t10001\tauthor\treviewer\t"line one\nline two"\n',
  yaml: `- id: u1
  name: Ada Lovelace
  email: ada@example.com
  address:
    city: London
    postcode: W1J 7NT
  roles: [admin, author]
  note: 'said "hi", then left'
- id: u2
  name: Grace Hopper
  email: grace@example.com
  address: { city: New York, postcode: "10001" }
  roles:
    - author
    - reviewer
  note: |-
    line one
    line two
`,
  xml: `<?xml version="1.0" encoding="UTF-8"?>
<users>
  <user>
    <id>u1</id><name>Ada Lovelace</name><email>ada@example.com</email>
    <address><city>London</city><postcode>W1J 7NT</postcode></address>
    <roles>admin</roles><roles>author</roles>
    <note>said &quot;hi&quot;, then left</note>
  </user>
  <user>
    <id>u2</id><name>Grace Hopper</name><email>grace@example.com</email>
    <address><city>New York</city><postcode>10001</postcode></address>
    <roles>author</roles><roles>reviewer</roles>
    <note><![CDATA[line one
line two]]></note>
  </user>
</users>
`,
};

export function run(from: Format, to: Format, input: string, options: ConversionOptions = {}, limits: ConversionLimits = LIMITS): string {
  return convert(from, to, input, options, limits).output;
}

/** Reads any format back as its list of records, through NDJSON. */
export function recordsOf(format: Format, text: string, options: ConversionOptions = {}): unknown[] {
  return run(format, 'ndjson', text, options)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

export function documentOf(format: Format, text: string, options: ConversionOptions = {}): unknown {
  return JSON.parse(run(format, 'json', text, options));
}

export interface ExpectedError {
  kind: ConversionErrorKind;
  line?: number;
  column?: number;
  message?: RegExp;
}

/** Asserts a ConversionError of this kind (and position, when given) and returns it. */
export function assertFails(action: () => unknown, expected: ExpectedError): ConversionError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConversionError, `expected a ConversionError, got ${String(caught)}`);
  assert.equal(caught.kind, expected.kind, caught.message);
  if ('line' in expected) assert.equal(caught.line, expected.line, `line of: ${caught.message}`);
  if ('column' in expected) assert.equal(caught.column, expected.column, `column of: ${caught.message}`);
  if (expected.message) assert.match(caught.message, expected.message);
  return caught;
}
