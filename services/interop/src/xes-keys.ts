/**
 * XES attribute keys must be XML `Name`s (IEEE 1849-2016 XSD: `key` is `xs:Name`), and a
 * prefixed key (`org:group`) belongs to a declared extension. Keys copied from source logs
 * (`resource country`, `(case)_variant`, `case:channel`) are neither, so the export maps
 * them, reversibly, with the rule XML tools already use (XmlConvert.EncodeName):
 *
 * - a character a Name cannot hold at its place is written `_xHHHH_` (its UTF-16 code unit
 *   in upper-case hex; a character beyond U+FFFF as `_xHHHHHHHH_`);
 * - a `_` that would read as the start of such an escape is itself escaped (`_x005F_`);
 * - the `:` of a key whose prefix is not a declared extension is escaped (`_x003A_`), so the
 *   file names no undeclared extension.
 *
 * Import decodes every `_xHHHH_` back, so a key survives export and re-import unchanged.
 */

/** XML 1.0 (5th ed.) NameStartChar, without ':' (handled apart) — `_` is allowed. */
const NAME_START =
  /[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}]/u;
const NAME_CHAR = /[-.0-9\u00B7\u203F-\u2040]/u;
// U+0300–U+036F (combining marks) are NameChars too; tested by code point, not in a character class.
const isNameChar = (ch: string) => NAME_CHAR.test(ch) || (ch.codePointAt(0)! >= 0x300 && ch.codePointAt(0)! <= 0x36f);
const ESCAPE_AHEAD = /^_x(?:[0-9A-Fa-f]{4}|[0-9A-Fa-f]{8})_/;

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
const escape = (ch: string) => {
  const cp = ch.codePointAt(0)!;
  return cp > 0xffff ? `_x${hex(cp, 8)}_` : `_x${hex(cp, 4)}_`;
};

/** Prefixes of the extensions our export declares (see xes-writer.ts). */
export type DeclaredPrefixes = ReadonlySet<string>;

export function encodeXesKey(key: string, declared: DeclaredPrefixes): string {
  const colon = key.indexOf(':');
  const keepColon = colon > 0 && declared.has(key.slice(0, colon));
  let out = '';
  let i = 0;
  for (const ch of key) {
    const start = i === 0;
    i += ch.length;
    if (ch === ':') {
      out += keepColon ? ':' : escape(ch);
      continue;
    }
    if (ch === '_' && ESCAPE_AHEAD.test(key.slice(i - 1))) {
      out += escape(ch);
      continue;
    }
    const ok = NAME_START.test(ch) || (!start && isNameChar(ch));
    out += ok ? ch : escape(ch);
  }
  return out;
}

export function decodeXesKey(key: string): string {
  if (!key.includes('_x')) return key;
  return key.replace(/_x([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)));
}
