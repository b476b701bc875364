// How a conversion the client can fix is reported, by the synchronous endpoints and by jobs alike:
// one catalog code per kind of ConversionError, and the offending field in errors[].
import { ApiError, fieldError } from './problem.ts';
import type { ConversionError, Format } from '../domain/index.ts';
import type { ErrorCode } from '../generated/errors.ts';

const CODE_BY_KIND: Record<ConversionError['kind'], ErrorCode> = {
  parse: 'E1201',
  shape: 'E1202',
  limit: 'E1203',
  option: 'E1204',
};

/** `inputPath` points at the request's `input`; an option error points at its `options` beside it. */
export function conversionFailure(error: ConversionError, formats: { from: Format; to: Format }, inputPath: string): ApiError {
  const where = error.kind === 'option' ? inputPath.replace(/input$/, 'options') : inputPath;
  return new ApiError(CODE_BY_KIND[error.kind], detailFor(error, formats), { errors: [fieldError(where, error.message, error)] });
}

function detailFor(error: ConversionError, { from, to }: { from: Format; to: Format }): string {
  switch (error.kind) {
    case 'parse':
      return `The input is not valid ${from}.`;
    case 'shape':
      return `The input cannot be written as ${to}.`;
    case 'limit':
      return 'The input exceeds a conversion limit.';
    case 'option':
      return 'An option cannot be used with these formats.';
  }
}
