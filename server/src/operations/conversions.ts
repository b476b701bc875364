// conversions: synchronous conversions of small payloads, one or a batch.
import { convert, ConversionError, type ConversionLimits } from '../domain/index.ts';
import { ApiError, fieldError, problemOf } from '../http/problem.ts';
import type { components } from '../generated/api-types.ts';
import type { ErrorCode } from '../generated/errors.ts';
import type { Handler } from '../http/handler.ts';

type ConversionRequest = components['schemas']['ConversionRequest'];
type Conversion = components['schemas']['Conversion'];
type BatchItem = components['schemas']['ConversionBatchItem'];

const CODE_BY_KIND: Record<ConversionError['kind'], ErrorCode> = {
  parse: 'E1201',
  shape: 'E1202',
  limit: 'E1203',
  option: 'E1204',
};

function run(request: ConversionRequest, limits: ConversionLimits, inputPath: string): Conversion {
  try {
    const { output, stats } = convert(request.from, request.to, request.input, request.options ?? {}, limits);
    return { from: request.from, to: request.to, output, stats };
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    const where = error.kind === 'option' ? inputPath.replace(/input$/, 'options') : inputPath;
    throw new ApiError(CODE_BY_KIND[error.kind], detailFor(error, request), { errors: [fieldError(where, error.message, error)] });
  }
}

function detailFor(error: ConversionError, request: ConversionRequest): string {
  switch (error.kind) {
    case 'parse':
      return `The input is not valid ${request.from}.`;
    case 'shape':
      return `The input cannot be written as ${request.to}.`;
    case 'limit':
      return 'The input exceeds a conversion limit.';
    case 'option':
      return 'An option cannot be used with these formats.';
  }
}

export function conversionHandlers(limits: ConversionLimits): {
  createConversion: Handler<'createConversion'>;
  createConversionBatch: Handler<'createConversionBatch'>;
} {
  return {
    createConversion: ({ body }) => ({ status: 200, body: run(body, limits, '/input') }),

    createConversionBatch: ({ body, requestId, ctx }) => {
      let failed = 0;
      const data = body.items.map((item, index): BatchItem => {
        try {
          return { index, status: 'succeeded', result: run(item, limits, `/items/${index}/input`) };
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          failed++;
          return { index, status: 'failed', error: problemOf(error, requestId, ctx.path) };
        }
      });
      return { status: 200, body: { data, succeeded: data.length - failed, failed } };
    },
  };
}
