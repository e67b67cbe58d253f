import type { RequestHandler } from 'express';

/**
 * Content-Security-Policy for what the browser renders from us. The viewer is one origin's
 * scripts and styles and talks only to its own API; it may not be framed (clickjacking of an
 * analyst's session). The widget page under /widget/ is meant to be framed by the company's
 * own sites: `frame-ancestors` lists exactly the configured origins. Inline styles are
 * allowed (the widget's shadow DOM carries its own <style>); inline scripts are not.
 */
const BASE = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];

/** `https://a.example, https://b.example` or `*` → the frame-ancestors source list. */
export function frameAncestorsOf(origins: string): string {
  const list = origins
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) return "'none'";
  if (list.includes('*')) return '*';
  for (const o of list) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o) && o !== "'self'") {
      throw new Error(`widget frame origin ${JSON.stringify(o)} is not an origin such as https://www.example.com`);
    }
  }
  return list.join(' ');
}

export function viewerSecurityHeaders(widgetFrameAncestors: string): RequestHandler {
  const viewerPolicy = [...BASE, "frame-ancestors 'none'"].join('; ');
  const widgetPolicy = [...BASE, `frame-ancestors ${frameAncestorsOf(widgetFrameAncestors)}`].join('; ');
  return (req, res, next) => {
    const widget = req.path.startsWith('/widget/');
    res.setHeader('Content-Security-Policy', widget ? widgetPolicy : viewerPolicy);
    // Older browsers know only X-Frame-Options, which cannot list origins: the viewer says DENY, the widget nothing.
    if (!widget) res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
}

/** API answers are data, never documents: nothing in them may run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
