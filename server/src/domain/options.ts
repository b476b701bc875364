import { ConversionError } from './errors.ts';
import { isXmlName } from './xml-names.ts';

export interface ConversionOptions {
  delimiter?: string;
  header?: boolean;
  flatten?: boolean;
  flatten_separator?: string;
  infer_types?: boolean;
  pretty?: boolean;
  xml_root?: string;
  xml_item?: string;
}

export type OptionName = keyof ConversionOptions;
export type ResolvedOptions = Required<ConversionOptions>;

export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = {
  delimiter: ',',
  header: true,
  flatten: true,
  flatten_separator: '.',
  infer_types: false,
  pretty: false,
  xml_root: 'root',
  xml_item: 'item',
};

type Check = (value: unknown) => string | undefined;

const isBoolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'must be a boolean');

/** Counts code points, not UTF-16 units, so "one character" holds for any Unicode character. */
function characters(min: number, max: number): Check {
  const expected = min === max ? `must be a single character` : `must be a string of ${min} to ${max} characters`;
  return (value) => {
    const count = typeof value === 'string' ? [...value].length : 0;
    return count >= min && count <= max ? undefined : expected;
  };
}

const xmlName: Check = (value) => (typeof value === 'string' && isXmlName(value) ? undefined : 'must be a valid XML name');

const CHECKS: Record<OptionName, Check[]> = {
  // A quote or line break as delimiter would make RFC 4180 quoting ambiguous.
  delimiter: [characters(1, 1), (value) => (/^["\r\n]$/.test(value as string) ? 'cannot be a quote or a line break' : undefined)],
  header: [isBoolean],
  flatten: [isBoolean],
  flatten_separator: [characters(1, 3)],
  infer_types: [isBoolean],
  pretty: [isBoolean],
  xml_root: [xmlName],
  xml_item: [xmlName],
};

/**
 * Fills in defaults and validates the options this conversion reads; the others are ignored
 * whatever their value, so one options object can be reused across format pairs.
 */
export function resolveOptions(options: ConversionOptions, relevant: ReadonlySet<OptionName>): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS };
  for (const name of relevant) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    for (const check of CHECKS[name]) {
      const problem = check(value);
      if (problem !== undefined) throw new ConversionError('option', `option ${name} ${problem}`);
    }
    (resolved as Record<OptionName, unknown>)[name] = value;
  }
  return resolved;
}
