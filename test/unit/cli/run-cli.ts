import { Readable } from 'node:stream';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/io';

/** Runs `steward ARGV` in-process; stdin is empty unless given. */
export async function cli(argv: string[], cwd = '/nonexistent', env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdin: Readable.from([stdin]), stdout: (s) => void (out += s + '\n'), stderr: (s) => void (err += s + '\n'), env, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}
