import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { Readable } from 'node:stream';
import { LogFormatError } from './errors.ts';
import type { AttributeValue, LogRow } from './row.ts';
import { decodeXesKey } from './xes-keys.ts';

const ATTRIBUTE_TAGS = new Set(['string', 'date', 'int', 'float', 'boolean', 'id']);

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function typed(tag: string, value: string): AttributeValue {
  if (tag === 'int' || tag === 'float') {
    const n = Number(value);
    // JSON cannot hold NaN/Infinity, and a 64-bit id beyond 2^53 would lose digits: keep the text.
    return Number.isFinite(n) && (tag === 'float' || Number.isSafeInteger(n)) && value.trim() !== '' ? n : value;
  }
  if (tag === 'boolean') {
    const v = value.trim().toLowerCase();
    return v === 'true' ? true : v === 'false' ? false : value;
  }
  return value;
}

/**
 * Streams the events of an XES log with a SAX parser, one trace in memory at a time.
 *
 * As the reference does, only attributes that are *direct* children of `<trace>` or of an
 * `<event>` inside a trace are taken; nested (meta-)attributes, `<global>` defaults and
 * `<classifier>`s are ignored. A trace without `concept:name` gets `__trace_<n>` (0-based
 * trace index), like the reference, so its events are not lost. The case id is resolved
 * when the trace closes, so a `concept:name` written after the events still applies.
 */
export async function* readXes(text: Readable): AsyncGenerator<LogRow[]> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  let traceIndex = -1;
  let traceAttrs: Map<string, AttributeValue> | undefined;
  let traceEvents: Array<{ line: number; attributes: Map<string, AttributeValue> }> = [];
  let eventAttrs: Map<string, AttributeValue> | undefined;
  let eventLine = 0;
  let sawRoot = false;
  let out: LogRow[] = [];

  parser.on('error', (err) => {
    throw new LogFormatError(`malformed XES: ${err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '')}`, parser.line);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (!sawRoot) {
      sawRoot = true;
      if (name !== 'log') throw new LogFormatError(`not an XES log: the root element is <${tag.name}>, expected <log>`, parser.line);
    }
    const parent = stack[stack.length - 1];
    stack.push(name);
    if (name === 'trace' && parent === 'log') {
      traceIndex++;
      traceAttrs = new Map();
      traceEvents = [];
    } else if (name === 'event' && parent === 'trace' && traceAttrs) {
      eventAttrs = new Map();
      eventLine = parser.line;
    } else if (ATTRIBUTE_TAGS.has(name)) {
      const rawKey = tag.attributes.key;
      const value = tag.attributes.value;
      if (typeof rawKey !== 'string' || typeof value !== 'string') return;
      const key = decodeXesKey(rawKey); // undoes the export's key mapping (xes-keys.ts)
      if (parent === 'event' && stack[stack.length - 3] === 'trace' && eventAttrs) eventAttrs.set(key, typed(name, value));
      else if (parent === 'trace' && stack[stack.length - 3] === 'log' && traceAttrs) traceAttrs.set(key, typed(name, value));
    }
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (name === 'event' && parent === 'trace' && eventAttrs) {
      traceEvents.push({ line: eventLine, attributes: eventAttrs });
      eventAttrs = undefined;
    } else if (name === 'trace' && parent === 'log' && traceAttrs) {
      const named = traceAttrs.get('concept:name');
      const caseId = named === undefined || named === '' ? `__trace_${traceIndex}` : String(named);
      traceAttrs.delete('concept:name');
      const caseAttributes = traceAttrs.size > 0 ? traceAttrs : undefined;
      for (const e of traceEvents) out.push({ line: e.line, caseId, attributes: e.attributes, caseAttributes });
      traceAttrs = undefined;
      traceEvents = [];
    }
  });

  for await (const chunk of text) {
    parser.write(chunk as string);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  // close() reports unclosed elements: a truncated file is an error, not a shorter log.
  parser.close();
  if (!sawRoot) throw new LogFormatError('not an XES log: no root element (empty file?)');
  if (out.length > 0) yield out;
}
