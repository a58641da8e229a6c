// Fits a markdown plan into one pull request comment by cutting its middle,
// so the summary (top) and the errors (bottom) always reach the reader.

/**
 * Forgejo 11 stores comments as LONGTEXT and its API declares no maximum, so the
 * ceiling is ours: 65,536 characters is GitHub's comment limit, keeps the comment
 * portable to forges that enforce it, and keeps the PR page quick to render.
 */
export const FORGEJO_COMMENT_LIMIT = 65_536;

export interface FitOptions {
  /** Maximum length of the result, in UTF-16 code units (JS string length). */
  limit?: number;
  /** Lines at the top always kept (the summary). */
  keepHead?: number;
  /** Lines at the bottom always kept; an errors section at the end is kept whole as well. */
  keepTail?: number;
}

const ERRORS_HEADING = /^#{1,6}\s.*\b(errors?|failures?|failed)\b/i;
const FENCE = /^\s{0,3}(```|~~~)/;

export function fitComment(markdown: string, opts: FitOptions = {}): string {
  const limit = opts.limit ?? FORGEJO_COMMENT_LIMIT;
  if (markdown.length <= limit) return markdown;
  const keepHead = opts.keepHead ?? 40;
  const keepTail = opts.keepTail ?? 20;

  const lines = markdown.split("\n");
  const errorsAt = lastIndexWhere(lines, (l) => ERRORS_HEADING.test(l));
  let t = Math.max(0, lines.length - keepTail);
  if (errorsAt >= 0) t = Math.min(t, errorsAt);
  let h = Math.min(keepHead, t);

  const m = measure(lines);
  const size = (a: number, b: number) => renderedLength(m, a, b, limit);
  // Grow head and tail a line at a time, alternating, while the whole still fits.
  let growHead = true;
  let stuck = 0;
  while (h < t && stuck < 2) {
    const nh = growHead ? h + 1 : h;
    const nt = growHead ? t : t - 1;
    if (size(nh, nt) <= limit) {
      h = nh;
      t = nt;
      stuck = 0;
    } else {
      stuck++;
    }
    growHead = !growHead;
  }
  // Joined back together, nothing was cut after all (only possible when limit is tight).
  if (h >= t) return hardCut(markdown, limit);
  const out = render(m, h, t, limit);
  return out.length <= limit ? out : hardCut(out, limit);
}

interface Measures {
  lines: string[];
  /** chars[i]: length of lines[0..i) joined with "\n" separators after each. */
  chars: number[];
  bytes: number[];
  /** fence[i]: the fence left open before line i, if any. */
  fence: (string | undefined)[];
}

function measure(lines: string[]): Measures {
  const chars = [0];
  const bytes = [0];
  const fence: (string | undefined)[] = [undefined];
  let open: string | undefined;
  for (const [i, l] of lines.entries()) {
    chars.push(chars[i]! + l.length + 1);
    bytes.push(bytes[i]! + Buffer.byteLength(l, "utf8") + 1);
    const f = FENCE.exec(l);
    if (f) open = open === undefined ? f[1] : f[1] === open ? undefined : open;
    fence.push(open);
  }
  return { lines, chars, bytes, fence };
}

function note(m: Measures, h: number, t: number, limit: number): string {
  // the middle joined without its last separator, as it stood in the original text
  const cutBytes = Math.max(0, m.bytes[t]! - m.bytes[h]! - 1);
  return `> ✂️ **${n(t - h)} lines (${n(cutBytes)} bytes) were cut from the middle of this plan** to fit the ${n(limit)}-character comment limit. The full plan is in the run's job summary and its plan.json.`;
}

function n(x: number): string {
  return String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function renderParts(m: Measures, h: number, t: number, limit: number): string[] {
  const parts: string[] = [];
  const closeFence = m.fence[h];
  if (closeFence) parts.push(closeFence);
  parts.push("", note(m, h, t, limit), "");
  const reopen = m.fence[t];
  if (reopen) parts.push(reopen);
  return parts;
}

function renderedLength(m: Measures, h: number, t: number, limit: number): number {
  const middle = renderParts(m, h, t, limit).reduce((a, p) => a + p.length + 1, 0);
  const tail = m.chars[m.lines.length]! - m.chars[t]! - 1;
  return m.chars[h]! + middle + tail;
}

function render(m: Measures, h: number, t: number, limit: number): string {
  return [...m.lines.slice(0, h), ...renderParts(m, h, t, limit), ...m.lines.slice(t)].join("\n");
}

/** Last resort when single lines are too long: cut characters, keeping 60% head, 40% tail. */
function hardCut(text: string, limit: number): string {
  const note = (c: number) => `\n\n> ✂️ **${n(c)} characters were cut from the middle of this plan.**\n\n`;
  const room = limit - note(text.length).length;
  if (room <= 0) return text.slice(0, limit);
  const headLen = Math.floor(room * 0.6);
  const tailLen = room - headLen;
  const cut = text.length - headLen - tailLen;
  return text.slice(0, headLen) + note(cut) + text.slice(text.length - tailLen);
}

function lastIndexWhere<T>(xs: T[], f: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return i;
  return -1;
}
