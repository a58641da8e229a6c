import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { sharedNetworkName } from '../../src/render/labels';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTarget } from '../../src/targets';
import type { TargetFactory } from '../../src/targets/target';
import type { Testenv } from './testenv';

/** network.yml for the test environment: `core` is the local engine, t1.. the SSH targets. */
export function testenvNetwork(env: Testenv, extra = ''): string {
  const lines = ['edge: core', 'targets:', `  core: { address: local, dir: ${env.localDir} }`];
  for (const t of env.targets) lines.push(`  ${t.name}: { address: ${t.address}, port: ${t.port}, user: ${t.user}, dir: ${t.dir} }`);
  return lines.join('\n') + '\n' + extra;
}

export function testenvTargetFactory(env: Testenv, opts: { commandTimeoutMs?: number; connectTimeoutMs?: number } = {}): TargetFactory {
  return (spec, runtime = {}) =>
    createTarget(spec, {
      // A swarm's stack deploy runs with Debian's CLI (20.10), what a runner on bookworm has.
      ...(spec.engine === 'swarm' && existsSync('/usr/bin/docker') ? { dockerCli: '/usr/bin/docker' } : {}),
      localDockerHost: env.localDockerHost,
      key: env.sshKey,
      knownHosts: env.knownHosts,
      commandTimeoutMs: opts.commandTimeoutMs ?? 30_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      healthPollMs: 200,
      runtimeDir: runtime.runtimeDir,
    });
}

export function serviceYml(target: string, image: string, extra = ''): string {
  return `target: ${target}\nimage: ${image}\nhealth: { http: /health, port: 80 }\n${extra}`;
}

/**
 * Removes the project's shared network from every testenv engine: removing the
 * apps leaves it (Steward keeps it for the next deploy), and a test must leave
 * nothing behind on engines other test files and engineers share.
 */
export async function removeProjectNetworks(env: Testenv, project: string): Promise<void> {
  const hosts = [env.localDockerHost, ...env.targets.map((t) => t.socket)];
  await Promise.all(hosts.map((h) => promisify(execFile)('docker', ['-H', h, 'network', 'rm', sharedNetworkName(project)]).catch(() => undefined)));
}

/**
 * By label, not through the project: it works whatever state a failed step
 * left the git project in. The local engine and every SSH target.
 */
export function wipeProject(env: Testenv, project: string): void {
  for (const host of [env.localDockerHost, ...env.targets.map((t) => t.socket)]) {
    const docker = (...args: string[]) => execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const label = `label=steward.project=${project}`;
    const containers = docker('ps', '-aq', '--filter', label).split('\n').filter(Boolean);
    if (containers.length) docker('rm', '-f', '-v', ...containers);
    const volumes = docker('volume', 'ls', '-q', '--filter', label).split('\n').filter(Boolean);
    if (volumes.length) docker('volume', 'rm', '-f', ...volumes);
    try {
      docker('network', 'rm', `steward-${project}`);
    } catch {
      /* never created on this engine */
    }
  }
  for (const dir of [env.localDir, ...env.targets.map((t) => t.dir)]) rmSync(join(dir, project), { recursive: true, force: true });
}
