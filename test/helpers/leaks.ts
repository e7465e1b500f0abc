/**
 * The leak hunt: does `text` carry `secret` in any form a reader could undo? The text is decoded in every
 * order, up to three layers deep — HTML entities, Markdown backslash escapes, `<br>` line breaks, JSON string
 * escapes, URL encoding and base64 runs — and each decoding is searched for the secret and for each of its
 * lines. It knows nothing of how our code redacts: it is the reader's point of view.
 */
const HTML: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

const DECODERS: Array<(t: string) => string> = [
  (t) => t.replace(/&(amp|lt|gt|quot|#39);/g, (m) => HTML[m] ?? m),
  (t) => t.replace(/\\([!-/:-@[-`{-~])/g, '$1'),
  (t) => t.replace(/<br\s*\/?>/g, '\n'),
  (t) =>
    t.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (m, c: string) => {
      try {
        return JSON.parse(`"${m}"`) as string;
      } catch {
        return c;
      }
    }),
  (t) =>
    t.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    }),
  (t) => t.replace(/\+/g, ' '),
  (t) =>
    t.replace(/[A-Za-z0-9+/_-]{12,}={0,2}/g, (m) => {
      const decoded = Buffer.from(m.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
      // Keep only decodings that are mostly text (a random word is not base64 of anything readable).
      // eslint-disable-next-line no-control-regex -- tabs and line breaks are text
      return /^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]*$/.test(decoded) && !decoded.includes('\uFFFD')
        ? `${m} ${decoded}`
        : m;
    }),
];

/** Pieces of the secret that must never be readable: the whole value and each line of 6+ characters. */
function pieces(secret: string): string[] {
  return [secret, ...secret.split(/\r\n|\r|\n/).filter((l) => l.trim().length >= 6)];
}

/** A description of where the secret can be read in `text`, or undefined when it cannot. */
export function findLeak(text: string, secret: string, depth = 3): string | undefined {
  const wanted = pieces(secret);
  let layer = new Set([text]);
  const seen = new Set<string>();
  for (let d = 0; d <= depth; d++) {
    for (const t of layer) {
      for (const p of wanted) {
        const at = t.indexOf(p);
        if (at >= 0) return `after ${d} decoding(s): …${t.slice(Math.max(0, at - 30), at + p.length + 30)}…`;
      }
    }
    if (d === depth) break;
    const next = new Set<string>();
    for (const t of layer) {
      for (const decode of DECODERS) {
        const u = decode(t);
        if (u !== t && !seen.has(u)) {
          seen.add(u);
          next.add(u);
        }
      }
    }
    layer = next;
  }
  return undefined;
}
