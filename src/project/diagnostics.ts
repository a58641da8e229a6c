/** One problem in the user project, pinned to a place a person can open. */
export interface Diagnostic {
  file: string; // relative to the project root, posix separators
  line: number; // 1-based; 0 when the problem is the file as a whole
  column: number; // 1-based
  key: string; // dotted path of the offending key, or '' for the document
  message: string; // what is wrong and what would be right
}

export class ProjectError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(formatDiagnostics(diagnostics));
    this.name = 'ProjectError';
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}  ${d.key || '-'}  ${d.message}`;
}

export function formatDiagnostics(ds: Diagnostic[]): string {
  const n = ds.length;
  return [...ds.map(formatDiagnostic), `${n} error${n === 1 ? '' : 's'} in the project; nothing was written or deployed.`].join('\n');
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}
