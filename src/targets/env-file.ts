/**
 * The secrets.env text for Compose's env_file. Single quotes keep a value
 * literal (no `${...}` interpolation); values with a quote or a newline use
 * double quotes with escapes instead.
 */
export function envFile(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((key) => {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) throw new Error(`invalid environment variable name ${JSON.stringify(key)}`);
      return `${key}=${quote(env[key]!)}\n`;
    })
    .join('');
}

function quote(value: string): string {
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}
