import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { Readable } from 'node:stream';
import { LogFormatError } from './errors.ts';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './limits.ts';
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
export async function* readXes(text: Readable, limits: Pick<ImportLimits, 'maxDepth' | 'maxEventsPerTrace' | 'maxAttributes'> = DEFAULT_IMPORT_LIMITS): AsyncGenerator<LogRow[]> {
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
    // One trace is held while read, and the element stack always: bound both before they grow.
    if (stack.length > limits.maxDepth)
      throw new LogFormatError(`XES elements nest deeper than ${limits.maxDepth} levels (limit --max-depth)`, parser.line);
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
      const into =
        parent === 'event' && stack[stack.length - 3] === 'trace' && eventAttrs
          ? eventAttrs
          : parent === 'trace' && stack[stack.length - 3] === 'log' && traceAttrs
            ? traceAttrs
            : undefined;
      if (!into) return;
      into.set(key, typed(name, value));
      if (into.size > limits.maxAttributes)
        throw new LogFormatError(`an XES ${into === eventAttrs ? 'event' : 'trace'} has more than ${limits.maxAttributes} attributes`, parser.line);
    }
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (name === 'event' && parent === 'trace' && eventAttrs) {
      traceEvents.push({ line: eventLine, attributes: eventAttrs });
      if (traceEvents.length > limits.maxEventsPerTrace)
        throw new LogFormatError(`XES trace ${traceIndex} has more than ${limits.maxEventsPerTrace} events (limit --max-trace-events)`, parser.line);
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
