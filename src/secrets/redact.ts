/**
 * The second guard against leaking secrets: every plan, report, comment and
 * error text is passed through `redact` before it leaves the process, in case
 * a decrypted value slipped past the first guard (masking in the log).
 *
 * Values shorter than MIN_LENGTH are not redacted: masking every "1" or
 * "yes" in a report would make it unreadable and protect nothing.
 */
export const MIN_REDACTED_LENGTH = 4;

export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(private readonly mask = '***') {}

  /** Registers a secret value with the encodings it commonly shows up in. */
  add(value: string): this {
    if (value.length < MIN_REDACTED_LENGTH) return this;
    for (const form of encodedForms(value)) {
      if (form.length >= MIN_REDACTED_LENGTH && !this.forms.has(form)) {
        this.forms.add(form);
        this.pattern = null;
      }
    }
    return this;
  }

  addAll(values: Iterable<string>): this {
    for (const v of values) this.add(v);
    return this;
  }

  get size(): number {
    return this.forms.size;
  }

  redact(text: string): string {
    if (this.forms.size === 0) return text;
    if (!this.pattern) {
      // Longest first, so that a value containing another is masked whole.
      const sorted = [...this.forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return text.replace(this.pattern, this.mask);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function encodedForms(value: string): string[] {
  const forms = [value];
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.push(b64, b64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url'));
  forms.push(encodeURIComponent(value), encodeURI(value));
  // Inside JSON (plans, RunRecords) quotes, backslashes and newlines are escaped.
  forms.push(JSON.stringify(value).slice(1, -1));
  // A multi-line secret (a PEM key) may be printed one line at a time.
  if (value.includes('\n')) forms.push(...value.split(/\r?\n/).map((l) => l.trim()));
  return forms;
}
