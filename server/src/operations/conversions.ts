// conversions: synchronous conversions of small payloads, one or a batch.
import { convert, ConversionError, type ConversionLimits } from '../domain/index.ts';
import { ApiError, problemOf } from '../http/problem.ts';
import { conversionFailure } from '../http/conversion-failure.ts';
import type { components } from '../generated/api-types.ts';
import type { Handler } from '../http/handler.ts';

type ConversionRequest = components['schemas']['ConversionRequest'];
type Conversion = components['schemas']['Conversion'];
type BatchItem = components['schemas']['ConversionBatchItem'];

function run(request: ConversionRequest, limits: ConversionLimits, inputPath: string): Conversion {
  try {
    const { output, stats } = convert(request.from, request.to, request.input, request.options ?? {}, limits);
    return { from: request.from, to: request.to, output, stats };
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    throw conversionFailure(error, request, inputPath);
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
