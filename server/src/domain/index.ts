// The conversion engine: pure functions, no HTTP. Everything outside server/src/domain imports
// from here.
export { convert, type ConversionResult, type ConversionStats } from './convert.ts';
export { ConversionError, type ConversionErrorKind } from './errors.ts';
export { describeFormats, FORMATS, mediaTypeOf, type Format, type FormatDescription } from './formats.ts';
export type { ConversionLimits } from './limits.ts';
export type { ConversionOptions } from './options.ts';
