import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringLru } from '../../src/auth/expiring-lru.ts';

test('an entry expires ttl after it was stored, however often it is read', () => {
  const cache = new ExpiringLru<string, number>(10, 1_000);
  cache.set('a', 1, 0);
  assert.equal(cache.get('a', 999), 1);
  assert.equal(cache.get('a', 1_000), undefined);
});

test('past its size the least recently used entry goes', () => {
  const cache = new ExpiringLru<string, number>(2, 1_000);
  cache.set('a', 1, 0);
  cache.set('b', 2, 0);
  cache.get('a', 0);
  cache.set('c', 3, 0);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('b', 0), undefined);
  assert.equal(cache.get('a', 0), 1);
  assert.equal(cache.get('c', 0), 3);
});

test('a ttl of zero caches nothing', () => {
  const cache = new ExpiringLru<string, number>(2, 0);
  cache.set('a', 1, 0);
  assert.equal(cache.size, 0);
});
