import { XMLBuilder, XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import type { Codec } from './codec.ts';
import { ConversionError, excerpt, positionAt } from './errors.ts';
import { assertWithinLimits, depthLimitError, type ConversionLimits } from './limits.ts';
import { documentRecords } from './records.ts';
import { isXmlName } from './xml-names.ts';

// Attributes are the keys starting with "@"; an element's text beside attributes or children is
// under "#text". The same convention is used both ways, so XML -> JSON -> XML keeps attributes.
const ATTRIBUTE_PREFIX = '@';
const TEXT_KEY = '#text';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

// A DOCTYPE is where entities are declared: internal ones expand ("billion laughs"), external
// ones read files or URLs. Data interchange needs neither, so any DOCTYPE is refused outright,
// before a parser sees it. (The pattern also matches inside a comment or CDATA: refusing those
// rare documents is the safe side.)
const DOCTYPE = /<!DOCTYPE/i;

// Characters XML 1.0 cannot carry, even escaped (§2.2).
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const PARSER_OPTIONS: X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_KEY,
  // XML text is untyped: "007" stays "007".
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Only the predefined entities (&amp; ...) and, because fast-xml-parser ties numeric character
  // references (&#65;) to htmlEntities, its fixed table of HTML names. Nothing from a DTD.
  processEntities: true,
  htmlEntities: true,
};

/**
 * XML. The document is the content of the root element, whatever its name: `<root><a>1</a></root>`
 * reads as {"a": "1"}, and an empty root as {}. Values are strings; repeated elements become
 * arrays. Written XML puts an array's items in `xml_item` elements under `xml_root`, and an
 * object's keys as children of `xml_root`; a key that is not an XML name is refused (shape),
 * never renamed. An empty array or object is written as nothing or an empty element.
 */
export const xmlCodec: Codec = {
  name: 'XML',
  media_type: 'application/xml',
  extensions: ['xml'],
  tabular: false,
  input_options: [],
  output_options: ['pretty', 'xml_root', 'xml_item'],

  parse(input, _options, limits) {
    const doctype = DOCTYPE.exec(input);
    if (doctype !== null) {
      throw new ConversionError('parse', 'invalid XML: DOCTYPE declarations are not allowed', positionAt(input, doctype.index));
    }
    const validation = XMLValidator.validate(input);
    if (validation !== true) {
      const { msg, line, col } = validation.err;
      throw new ConversionError('parse', `invalid XML: ${clipNames(msg)}`, { line, column: col });
    }
    refuseTrailingText(input);
    let parsed: Record<string, unknown>;
    try {
      // The tag limit stops the parser before its recursive pass can overflow the stack; the
      // exact depth is checked on the result.
      parsed = new XMLParser({ ...PARSER_OPTIONS, maxNestedTags: limits.maxDepth + 1 }).parse(input) as Record<string, unknown>;
    } catch (error) {
      throw parserError(error as Error, limits);
    }
    const roots = Object.values(parsed);
    // (see refuseTrailingText) a second root after a self-closing one reads as a second key or
    // as an array of roots
    if (roots.length !== 1 || Array.isArray(roots[0])) throw new ConversionError('parse', 'invalid XML: more than one root element');
    const document = roots[0] === '' ? {} : roots[0];
    assertWithinLimits(document, limits);
    return document;
  },

  serialize(document, options) {
    const content = Array.isArray(document) ? { [options.xml_item]: document.map((item) => arrayItem(item, options.xml_item)) } : element(document, options.xml_item);
    const builder = new XMLBuilder({
      ignoreAttributes: false,
      attributeNamePrefix: ATTRIBUTE_PREFIX,
      textNodeName: TEXT_KEY,
      format: options.pretty,
      indentBy: '  ',
      suppressBooleanAttributes: false,
    });
    const xml = builder.build({ [options.xml_root]: content }) as string;
    return `${DECLARATION}${xml}${xml.endsWith('\n') ? '' : '\n'}`;
  },

  records: xmlRecords,
};

/**
 * The records of an XML document are the children of its root when they all share one name
 * (`<root><item/><item/></root>`, or a lone `<item>` with children of its own); a root whose
 * children have different names is one record; an empty root has none.
 */
function xmlRecords(document: unknown): unknown[] {
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const keys = Object.keys(document);
    if (keys.length === 0) return [];
    const [only] = keys;
    if (keys.length === 1 && only !== TEXT_KEY && !only?.startsWith(ATTRIBUTE_PREFIX)) {
      const children = (document as Record<string, unknown>)[only as string];
      if (Array.isArray(children)) return children;
      if (typeof children === 'object' && children !== null) return [children];
    }
  }
  return documentRecords(document);
}

/** An array directly inside an array has no element name of its own: it gets `xml_item`. */
function arrayItem(value: unknown, itemName: string): unknown {
  return Array.isArray(value) ? { [itemName]: value.map((item) => arrayItem(item, itemName)) } : element(value, itemName);
}

/** Checks one element's content and rebuilds it in the shape XMLBuilder expects. */
function element(value: unknown, itemName: string): unknown {
  if (typeof value === 'string') return xmlText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => arrayItem(item, itemName));
  const content: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === TEXT_KEY || key.startsWith(ATTRIBUTE_PREFIX)) {
      if (key !== TEXT_KEY && !isXmlName(key.slice(ATTRIBUTE_PREFIX.length))) throw notAName(key);
      if (typeof child === 'object' && child !== null) {
        throw new ConversionError('shape', `the key ${excerpt(key)} becomes XML text or an attribute, so its value must not be an object or array`);
      }
      content[key] = typeof child === 'string' ? xmlText(child) : child;
    } else {
      if (!isXmlName(key)) throw notAName(key);
      content[key] = element(child, itemName);
    }
  }
  return content;
}

function xmlText(text: string): string {
  if (NOT_XML_CHAR.test(text) || !text.isWellFormed()) {
    throw new ConversionError('shape', 'a string holds a character XML cannot carry (a control character or an unpaired surrogate)');
  }
  return text;
}

function notAName(key: string): ConversionError {
  return new ConversionError('shape', `the key ${excerpt(key)} is not a valid XML name, so it cannot become an element or attribute`);
}

/**
 * fast-xml-parser's validator misses what follows a self-closing root (`<a/>text`, `<a/><b/>`)
 * and its parser drops such text. Markup allowed after the root (comments, processing
 * instructions) ends with ">", so nothing but white space may follow the last ">".
 */
function refuseTrailingText(input: string): void {
  const end = input.lastIndexOf('>') + 1;
  const tail = input.slice(end);
  const text = tail.trimStart();
  if (text !== '') {
    throw new ConversionError('parse', 'invalid XML: text after the root element', positionAt(input, end + tail.length - text.length));
  }
}

/** fast-xml-parser's messages quote tag and attribute names, which may be long. */
function clipNames(message: string): string {
  return message.replace(/'([^']*)'/g, (_quoted, name: string) => excerpt(name));
}

function parserError(error: Error, limits: ConversionLimits): ConversionError {
  if (error.message === 'Maximum nested tags exceeded') return depthLimitError(limits);
  if (error.message.includes('prototype pollution')) {
    return new ConversionError('parse', 'invalid XML: the names __proto__, constructor and prototype are not supported');
  }
  return new ConversionError('parse', 'invalid XML');
}
