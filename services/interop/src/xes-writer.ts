import { UNASSIGNED_DEPARTMENT, type JourneyEvent } from '@journeys/contracts';
import { canonicalLifecycle } from './mapping.ts';
import { BUSINESS_KEY, DATA_KEY, DEFAULT_COLUMNS, ELAPSED_KEY, ID_KEY, OUTCOME_KEY, TYPE_KEY, type AttributeValue } from './row.ts';

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

function attr(tag: string, key: string, value: string): string {
  return `<${tag} key="${xmlEscape(key)}" value="${xmlEscape(value)}"/>`;
}

function typedAttr(key: string, value: AttributeValue): string {
  if (typeof value === 'boolean') return attr('boolean', key, String(value));
  if (typeof value === 'number') return attr(Number.isInteger(value) ? 'int' : 'float', key, String(value));
  return attr('string', key, value);
}

export const XES_HEADER = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Identity" prefix="identity" uri="http://www.xes-standard.org/identity.xesext"/>
\t<classifier name="Activity" keys="concept:name"/>
\t<string key="concept:name" value="Journeys export"/>
`;
export const XES_FOOTER = '</log>\n';

export function xesTraceOpen(journeyId: string): string {
  return `\t<trace>\n\t\t${attr('string', 'concept:name', journeyId)}\n`;
}
export const XES_TRACE_CLOSE = '\t</trace>\n';

/**
 * One event as XES. Work events use the standard keys (activity, timestamp, group,
 * resource, lifecycle) plus their kept attributes; other types (JourneyStarted,
 * HandoffRequested...) are named by their type and carry `journeys:type` and
 * `journeys:data`, so that the file re-imports to the same events. `identity:id` keeps the id.
 */
export function xesEvent(event: JourneyEvent, sincePrevious?: { elapsed: number; business: number }): string {
  const lines: string[] = [];
  const data = event.data as Record<string, unknown>;
  const isWork = event.type === 'WorkStarted' || event.type === 'WorkCompleted';
  const attributes = (isWork ? (data.attributes as Record<string, AttributeValue> | undefined) : undefined) ?? {};
  lines.push(attr('string', 'concept:name', isWork ? String(data.activity) : event.type));
  lines.push(attr('date', 'time:timestamp', event.occurredAt));
  if (event.department !== UNASSIGNED_DEPARTMENT) lines.push(attr('string', 'org:group', event.department));
  if (event.actor !== undefined) lines.push(attr('string', 'org:resource', event.actor));
  const lifecycle = attributes[DEFAULT_COLUMNS.lifecycle] ?? canonicalLifecycle(event.type);
  if (lifecycle !== undefined) lines.push(attr('string', 'lifecycle:transition', String(lifecycle)));
  lines.push(attr('id', ID_KEY, event.id));
  if (!isWork) {
    lines.push(attr('string', TYPE_KEY, event.type));
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
