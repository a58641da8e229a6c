/** rendered/manifest.json: what render produced, read by diff, plan and converge. */
export interface Manifest {
  schema: 1;
  project: string;
  domain: string;
  edge?: string;
  targets: Record<string, { address: string; user: string; port: number; dir: string; engine?: 'swarm' }>;
  apps: ManifestApp[];
}

export interface ManifestApp {
  name: string;
  kind: 'service' | 'adopted' | 'edge';
  target: string;
  state: 'present' | 'absent';
  hash?: string; // absent apps have none
  compose?: string; // project-relative path of the rendered compose file
  files: { from: string; to: string; sha256: string }[]; // from: project-relative; to: relative to the app dir on the target
  secrets: string[];
  dependsOn: string[];
  image?: string;
  route?: { host: string; port: number };
  health?: { http?: string; port?: number };
  purge?: boolean;
  /** Live dirs (Target.syncFiles): not in the hash; a change is a sync-files step, not a new release. */
  live?: { dir: string; files: { from: string; to: string; sha256: string }[]; reload?: 'HUP' }[];
}
