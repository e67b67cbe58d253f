import { UNASSIGNED_DEPARTMENT, type JourneyEvent } from '@journeys/contracts';
import { canonicalLifecycle } from './mapping.ts';
import {
  BUSINESS_KEY,
  CAUSATION_KEY,
  CORRELATION_KEY,
  DATA_KEY,
  DEFAULT_COLUMNS,
  ELAPSED_KEY,
  ID_KEY,
  OCCURRED_AT_KEY,
  OUTCOME_KEY,
  SCHEMA_VERSION_KEY,
  TYPE_KEY,
  utcMillis,
  type AttributeValue,
} from './row.ts';
import { parseLogTimestamp } from './timestamp.ts';
import { encodeXesKey } from './xes-keys.ts';

// Characters XML 1.0 cannot carry at all, even escaped.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(value: string): string {
  return value
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * The extensions the export declares. The standard ones by their published URIs; `journeys`
 * is ours, defined in docs/xes/journeys.xesext (the keys that make an export re-import to
 * the same events). A key of a source log whose prefix is not here has its `:` escaped.
 */
export const XES_EXTENSIONS = [
  { name: 'Concept', prefix: 'concept', uri: 'http://www.xes-standard.org/concept.xesext' },
  { name: 'Time', prefix: 'time', uri: 'http://www.xes-standard.org/time.xesext' },
  { name: 'Organizational', prefix: 'org', uri: 'http://www.xes-standard.org/org.xesext' },
  { name: 'Lifecycle', prefix: 'lifecycle', uri: 'http://www.xes-standard.org/lifecycle.xesext' },
  { name: 'Identity', prefix: 'identity', uri: 'http://www.xes-standard.org/identity.xesext' },
  { name: 'Cost', prefix: 'cost', uri: 'http://www.xes-standard.org/cost.xesext' },
  { name: 'Semantic', prefix: 'semantic', uri: 'http://www.xes-standard.org/semantic.xesext' },
  { name: 'Micro', prefix: 'micro', uri: 'http://www.xes-standard.org/micro.xesext' },
  { name: 'Journeys', prefix: 'journeys', uri: 'urn:journeys:xes:journeys.xesext' },
] as const;
const DECLARED: ReadonlySet<string> = new Set(XES_EXTENSIONS.map((e) => e.prefix));

function attr(tag: string, key: string, value: string): string {
  return `<${tag} key="${xmlEscape(encodeXesKey(key, DECLARED))}" value="${xmlEscape(value)}"/>`;
}

function typedAttr(key: string, value: AttributeValue): string {
  if (typeof value === 'boolean') return attr('boolean', key, String(value));
  // xs:long holds safe integers; anything larger is a double.
  if (typeof value === 'number') return attr(Number.isSafeInteger(value) ? 'int' : 'float', key, String(value));
  return attr('string', key, value);
}

/**
 * `xes.version` is an `xs:decimal` in the XSD ("1849-2016" is not one): 2.0 is the version
 * IEEE 1849-2016 standardised. The namespace is the one OpenXES writes; the XSD has no target
 * namespace, so validate through docs/xes/xes-ieee-1849-2016-ns.xsd (see docs/import-export.md).
 */
export const XES_HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="2.0" xmlns="http://www.xes-standard.org/">
${XES_EXTENSIONS.map((e) => `\t<extension name="${e.name}" prefix="${e.prefix}" uri="${e.uri}"/>\n`).join('')}\t<classifier name="Activity" keys="concept:name"/>
\t<string key="concept:name" value="Journeys export"/>
`;
export const XES_FOOTER = '</log>\n';

/** Whether re-reading the UTC timestamp alone would give back another text than the recorded one. */
export function needsRecordedInstant(occurredAt: string, utc: string): boolean {
  return parseLogTimestamp(utc)?.iso !== occurredAt;
}

export function xesTraceOpen(journeyId: string): string {
  return `\t<trace>\n\t\t${attr('string', 'concept:name', journeyId)}\n`;
}
export const XES_TRACE_CLOSE = '\t</trace>\n';

/**
 * One event as XES. Work events use the standard keys (activity, timestamp, group,
 * resource, lifecycle) plus their kept attributes; other types (JourneyStarted,
 * HandoffRequested...) are named by their type and carry `journeys:data`. Every event
 * carries `journeys:type` and `identity:id`, and the envelope fields XES has no key for
 * (`journeys:correlationId`, `journeys:causationId`, `journeys:schemaVersion` when not 1,
 * `journeys:occurredAt` when the UTC timestamp would not read back as the recorded text), so the
 * file re-imports to the same events.
 */
export function xesEvent(event: JourneyEvent, sincePrevious?: { elapsed: number; business: number }): string {
  const lines: string[] = [];
  const data = event.data as Record<string, unknown>;
  const isWork = event.type === 'WorkStarted' || event.type === 'WorkCompleted';
  const attributes = (isWork ? (data.attributes as Record<string, AttributeValue> | undefined) : undefined) ?? {};
  const utc = utcMillis(event.occurredAt);
  lines.push(attr('string', 'concept:name', isWork ? String(data.activity) : event.type));
  lines.push(attr('date', 'time:timestamp', utc));
  if (needsRecordedInstant(event.occurredAt, utc)) lines.push(attr('string', OCCURRED_AT_KEY, event.occurredAt));
  if (event.department !== UNASSIGNED_DEPARTMENT) lines.push(attr('string', 'org:group', event.department));
  if (event.actor !== undefined) lines.push(attr('string', 'org:resource', event.actor));
  const lifecycle = attributes[DEFAULT_COLUMNS.lifecycle] ?? canonicalLifecycle(event.type);
  if (lifecycle !== undefined) lines.push(attr('string', 'lifecycle:transition', String(lifecycle)));
  lines.push(attr('id', ID_KEY, event.id));
  lines.push(attr('string', TYPE_KEY, event.type));
  if (event.correlationId !== undefined) lines.push(attr('string', CORRELATION_KEY, event.correlationId));
  if (event.causationId !== undefined) lines.push(attr('string', CAUSATION_KEY, event.causationId));
  if (event.schemaVersion !== 1) lines.push(attr('int', SCHEMA_VERSION_KEY, String(event.schemaVersion)));
  if (!isWork) {
    lines.push(attr('string', DATA_KEY, JSON.stringify(event.data)));
  } else if (typeof data.outcome === 'string') {
    lines.push(attr('string', OUTCOME_KEY, data.outcome));
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (key !== DEFAULT_COLUMNS.lifecycle) lines.push(typedAttr(key, value));
  }
  if (sincePrevious) {
    lines.push(attr('float', ELAPSED_KEY, String(sincePrevious.elapsed)));
    lines.push(attr('float', BUSINESS_KEY, String(sincePrevious.business)));
  }
  return `\t\t<event>\n${lines.map((l) => `\t\t\t${l}\n`).join('')}\t\t</event>\n`;
}
