import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { ErrorCodes, WaError } from '../errors.js';
import { ZipError } from '../zip/zip-reader.js';

/** What a part parser does with the elements of one XML part. Names are local (no prefix). */
export interface XmlPartHandlers {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close(name: string): void;
  text(text: string): void;
}

/**
 * Caps on what saxes buffers on its own: a text run, a name, an attribute value, an entity or
 * a comment is held as one string until it ends, so a part made of one endless token would
 * otherwise grow until V8 gives up. Excel itself caps a cell at 32,767 characters.
 */
const MAX_TOKEN_CHARS = 256 * 1024;
const MAX_ATTRIBUTES = 256;
const MAX_DEPTH = 32;

/** The fields of saxes 6 that hold a token in progress (private there: hence the exact pin). */
interface SaxesBuffers {
  text?: string;
  name?: string;
  entity?: string;
  attribList?: unknown[];
}

/**
 * Streams one XML part through saxes with `handlers`, yielding after each chunk so that the
 * caller can hand on what the handlers produced: memory is one chunk and the caller's state.
 * Malformed XML, a token or nesting over the caps and a broken zip entry are typed errors;
 * anything else a handler throws (a bug included) passes through untouched.
 */
export async function* parseXmlPart(stream: Readable, part: string, handlers: XmlPartHandlers): AsyncGenerator<void> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const buffers = parser as unknown as SaxesBuffers;
  let depth = 0;
  parser.on('error', (error) => {
    throw invalidPart(part, error.message);
  });
  parser.on('doctype', () => {
    throw invalidPart(part, 'a DOCTYPE has no place in a workbook');
  });
  parser.on('opentag', (tag) => {
    if (++depth > MAX_DEPTH) throw invalidPart(part, `elements nest deeper than ${MAX_DEPTH}`);
    handlers.open(localName(tag.name), tag.attributes as Record<string, string>);
    if (tag.isSelfClosing) {
      depth--;
      handlers.close(localName(tag.name));
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    depth--;
    handlers.close(localName(tag.name));
  });
  parser.on('text', (text) => handlers.text(text));
  parser.on('cdata', (text) => handlers.text(text));

  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parser.write(decoder.write(chunk));
      checkBuffers(buffers, part);
      yield;
    }
    parser.write(decoder.end());
    parser.close();
  } catch (error) {
    if (error instanceof ZipError) throw fromZipError(error);
    throw error;
  } finally {
    stream.destroy();
  }
  yield;
}

function checkBuffers(buffers: SaxesBuffers, part: string): void {
  const longest = Math.max(buffers.text?.length ?? 0, buffers.name?.length ?? 0, buffers.entity?.length ?? 0);
  if (longest > MAX_TOKEN_CHARS) {
    throw invalidPart(part, `it holds a text, name or value longer than ${MAX_TOKEN_CHARS} characters`);
  }
  if ((buffers.attribList?.length ?? 0) > MAX_ATTRIBUTES) {
    throw invalidPart(part, `an element has more than ${MAX_ATTRIBUTES} attributes`);
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** An attribute by local name, whatever its prefix (`r:id` is `id`). */
export function attribute(attributes: Readonly<Record<string, string>>, name: string): string | undefined {
  if (attributes[name] !== undefined) return attributes[name];
  for (const [key, value] of Object.entries(attributes)) if (localName(key) === name) return value;
  return undefined;
}

export function invalidPart(part: string, why: string): WaError {
  return new WaError(
    ErrorCodes.RESULT_INVALID,
    `The result file is not a readable workbook: ${part}: ${why.replace(/\.$/, '')}.`,
  );
}

export function fromZipError(error: ZipError): WaError {
  const code = error.kind === 'too-large' ? ErrorCodes.RESULT_TOO_LARGE : ErrorCodes.RESULT_INVALID;
  const lead =
    error.kind === 'too-large' ? 'The result file is too large' : 'The result file is not a readable workbook';
  return new WaError(code, `${lead}: ${error.message}.`, { cause: error });
}
