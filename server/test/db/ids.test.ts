import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, randomBase32 } from '../../src/db/ids.ts';

test('ids are the prefix, an underscore and 24 base32 characters', () => {
  assert.match(newId('acct'), /^acct_[0-9a-hjkmnp-tv-z]{24}$/);
  assert.match(newId('key'), /^key_[0-9a-hjkmnp-tv-z]{24}$/);
});

test('ids sort by creation time', () => {
  const earlier = newId('key', Date.UTC(2026, 0, 1));
  const later = newId('key', Date.UTC(2026, 0, 1) + 1);
  assert.ok(earlier < later);
  assert.ok(newId('key', 0) < newId('key', Date.now()));
});

test('ids do not repeat', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => newId('key')));
  assert.equal(ids.size, 10_000);
});

test('randomBase32 draws every character of the alphabet', () => {
  assert.equal(new Set(randomBase32(4_000)).size, 32);
});
