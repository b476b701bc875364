import { ConversionError } from './errors.ts';

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** An array is a list of records; a single object is one record; anything else has no records. */
export function documentRecords(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (typeof document === 'object' && document !== null) return [document];
  throw new ConversionError('shape', `only an array or an object can become records, but the document is ${describeValue(document)}`);
}
