// A minimal ustar writer: uploads go to the target as one tar stream on ssh's
// stdin, so secrets never touch the runner's disk outside a 0600 file.

export interface TarEntry {
  path: string;
  content: Buffer;
  mode: number;
}

const BLOCK = 512;

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    parts.push(entry.content);
    const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function header(entry: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitPath(entry.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode, 7), 100);
  h.write(octal(0, 7), 108); // uid
  h.write(octal(0, 7), 116); // gid
  h.write(octal(entry.content.length, 11), 124);
  h.write(octal(0, 11), 136); // mtime: fixed, so the same app gives the same bytes
  h.write('        ', 148); // checksum placeholder
  h.write('0', 156); // regular file
  h.write('ustar\u000000', 257, 'binary');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${octal(sum, 6)}\u0000 `, 148, 'binary');
  return h;
}

function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`file path too long for upload: ${path}`);
}

const octal = (n: number, width: number) => n.toString(8).padStart(width, '0');

/** A safe relative path inside the app dir: no absolute paths, no `..`. */
export function checkRelativePath(path: string): string {
  const parts = path.split('/');
  if (path.startsWith('/') || parts.some((p) => p === '..' || p === '') || path.includes('\0')) {
    throw new Error(`file path must be relative and stay inside the app directory: ${JSON.stringify(path)}`);
  }
  return parts.filter((p) => p !== '.').join('/');
}
