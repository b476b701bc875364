import type { Codec } from './codec.ts';
import { ConversionError, positionAt, type TextPosition } from './errors.ts';
import { assertWithinLimits } from './limits.ts';
import { documentRecords } from './records.ts';

// V8's JSON.parse messages (Node 24) come in two families: most name an offset, "... in JSON at
// position 13 (line 3 column 3)" or "... after JSON at position 3"; an unexpected token instead
// quotes up to 10 characters either side of it, with "..." where the quote is cut.
const AT_POSITION = /^(.*?)(?: in JSON)? at position (\d+)/s;
const UNEXPECTED_TOKEN = /^Unexpected token '(.+?)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s;
const CONTEXT_CHARS = 10;

/** JSON.parse, with a client-safe message and a 1-based line and column on failure. */
export function parseJson(text: string, lineOffset = 0): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { reason, offset } = explain(text, (error as Error).message);
    const position: TextPosition | undefined = offset === undefined ? undefined : positionAt(text, offset);
    if (position !== undefined) position.line += lineOffset;
    throw new ConversionError('parse', `invalid JSON: ${reason}`, position);
  }
}

function explain(text: string, message: string): { reason: string; offset: number | undefined } {
  const positioned = AT_POSITION.exec(message);
  if (positioned) return { reason: positioned[1] as string, offset: Number(positioned[2]) };
  if (message.startsWith('Unexpected end of JSON input')) return { reason: 'unexpected end of input', offset: text.length };
  const unexpected = UNEXPECTED_TOKEN.exec(message);
  if (unexpected) {
    const [, token = '', cutBefore, context = ''] = unexpected;
    return { reason: `unexpected character ${JSON.stringify(token)}`, offset: tokenOffset(text, token, context, cutBefore !== undefined) };
  }
  return { reason: 'not valid JSON', offset: undefined };
}

function tokenOffset(text: string, token: string, context: string, cutBefore: boolean): number | undefined {
  if (cutBefore) {
    const start = text.indexOf(context);
    return start === -1 ? undefined : start + CONTEXT_CHARS;
  }
  // The quote starts at the beginning of the text, so the token is among its first few
  // characters: try each occurrence until parsing up to it fails on that very token (an earlier
  // one may sit inside a string).
  for (let at = text.indexOf(token); at !== -1 && at <= CONTEXT_CHARS * 2; at = text.indexOf(token, at + 1)) {
    try {
      JSON.parse(text.slice(0, at + token.length));
    } catch (error) {
      if ((error as Error).message.startsWith(`Unexpected token '${token}'`)) return at;
    }
  }
  return undefined;
}

export const jsonCodec: Codec = {
  name: 'JSON',
  media_type: 'application/json',
  extensions: ['json'],
  tabular: false,
  input_options: [],
  output_options: ['pretty'],
  parse(input, _options, limits) {
    const document = parseJson(input);
    assertWithinLimits(document, limits);
    return document;
  },
  serialize(document, options) {
    return `${JSON.stringify(document, null, options.pretty ? 2 : undefined)}\n`;
  },
  records: documentRecords,
};
