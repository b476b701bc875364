export type ConversionErrorKind = 'parse' | 'shape' | 'limit' | 'option';

export interface TextPosition {
  line: number;
  column?: number;
}

/**
 * The one error the conversion engine throws on purpose. Its message is written for the client:
 * no stack, no paths, and never more of the input than `excerpt` allows.
 */
export class ConversionError extends Error {
  override name = 'ConversionError';
  readonly kind: ConversionErrorKind;
  readonly line?: number;
  readonly column?: number;

  constructor(kind: ConversionErrorKind, message: string, position?: TextPosition) {
    super(message);
    this.kind = kind;
    if (position !== undefined) {
      this.line = position.line;
      if (position.column !== undefined) this.column = position.column;
    }
  }
}

const MAX_EXCERPT = 20;

/** A quoted piece of client input, cut short so an error can name it without echoing the payload. */
export function excerpt(text: string): string {
  const cut = text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT)}…` : text;
  return JSON.stringify(cut);
}

/** 1-based line and column (in UTF-16 units) of a character offset; CRLF counts as one line break. */
export function positionAt(text: string, offset: number): Required<TextPosition> {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
