import { ConversionError } from './errors.ts';

export interface ConversionLimits {
  /** Deepest nesting allowed: a scalar has depth 0, `[]` depth 1, `[{}]` depth 2. */
  maxDepth: number;
  maxRecords: number;
}

export function assertRecordCount(count: number, limits: ConversionLimits): void {
  if (count > limits.maxRecords) {
    throw new ConversionError('limit', `the input has more than ${limits.maxRecords} records`);
  }
}

export function depthLimitError(limits: ConversionLimits): ConversionError {
  return new ConversionError('limit', `the input is nested deeper than ${limits.maxDepth} levels`);
}

export function assertDepth(depth: number, limits: ConversionLimits): void {
  if (depth > limits.maxDepth) throw depthLimitError(limits);
}

/**
 * Checks depth and record count of a parsed document with an explicit stack: a hostile input can
 * nest far deeper than the call stack allows. `maxValues` bounds the values visited, for formats
 * whose aliases let a small input expand into a huge (or cyclic) graph of shared references.
 */
export function assertWithinLimits(document: unknown, limits: ConversionLimits, maxValues = Infinity): void {
  if (Array.isArray(document)) assertRecordCount(document.length, limits);
  const containers: object[] = [];
  const depths: number[] = [];
  let values = 1;
  if (typeof document === 'object' && document !== null) {
    containers.push(document);
    depths.push(1);
  }
  while (containers.length > 0) {
    const container = containers.pop() as object;
    const depth = depths.pop() as number;
    assertDepth(depth, limits);
    const children: unknown[] = Array.isArray(container) ? container : Object.values(container);
    values += children.length;
    if (values > maxValues) {
      throw new ConversionError('limit', 'the input expands to far more values than it contains (aliases)');
    }
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        containers.push(child);
        depths.push(depth + 1);
      }
    }
  }
}
