export type TargetErrorKind =
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'auth'
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'dns'
  | 'engine'
  | 'missing'
  | 'command';

/** Every failure to reach or drive a target: names the target and the cause. */
export class TargetError extends Error {
  constructor(
    readonly target: string,
    readonly kind: TargetErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(`target ${target}: ${message}`);
    this.name = 'TargetError';
  }
}

const SSH_CAUSES: { kind: TargetErrorKind; pattern: RegExp; say: string }[] = [
  { kind: 'host-key-changed', pattern: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i,
    say: 'host key changed: the host is not the one in known_hosts (reinstalled, or someone in between); fix known_hosts only if you know why' },
  { kind: 'host-key-unknown', pattern: /No (ED25519|RSA|ECDSA|DSA)? ?host key is known|Host key verification failed/i,
    say: 'host key unknown: add the host to the known_hosts file Steward uses' },
  { kind: 'auth', pattern: /Permission denied|Too many authentication failures|no such identity|Load key .*: (invalid format|error in libcrypto)/i,
    say: 'SSH authentication failed: the key was refused or is unusable' },
  { kind: 'refused', pattern: /Connection refused/i, say: 'connection refused: no SSH server listening' },
  { kind: 'timeout', pattern: /timed out|Connection timeout|Timeout, server .* not responding/i, say: 'connection timed out' },
  { kind: 'unreachable', pattern: /No route to host|Network is unreachable|Host is down/i, say: 'host unreachable' },
  { kind: 'dns', pattern: /Could not resolve hostname|Name or service not known/i, say: 'host name does not resolve' },
  { kind: 'engine', pattern: /Cannot connect to the Docker daemon|Is the docker daemon running|docker.sock: connect/i,
    say: 'the Docker engine on the host does not answer' },
];

/**
 * The unknown-host-key error: where known_hosts comes from (STEWARD_KNOWN_HOSTS
 * for the CLI, the `known-hosts` input for the actions) and the line to run.
 */
export function hostKeyUnknownMessage(host: string, port: number, source: string): string {
  const arg = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/.test(host) ? host : `'${host.replace(/'/g, `'\\''`)}'`;
  return `host key unknown: ${host} is not in the known_hosts given by ${source}; add the line(s) that \`ssh-keyscan -p ${port} ${host.startsWith('-') ? '-- ' : ''}${arg}\` prints (after checking the key out of band) to ${source}`;
}

/** Recognises why an SSH or Docker CLI call failed from its stderr; undefined when the command itself failed. */
export function classifyFailure(stderr: string): { kind: TargetErrorKind; say: string } | undefined {
  for (const cause of SSH_CAUSES) if (cause.pattern.test(stderr)) return { kind: cause.kind, say: cause.say };
  return undefined;
}

/** Replaces secret values in text that may reach a log, an error or a report. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  const values = [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join('***');
  return out;
}
