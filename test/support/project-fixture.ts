import { mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scratchDir } from './cleanup';

/** A value of null deletes the file from the base; { symlink } makes a link. */
export type FileSpec = string | null | { symlink: string };

// Shaped like a SOPS file: key names in clear, values encrypted. Only the names are read here.
export const FAKE_SOPS = `DB_PASSWORD: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
API_KEY: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
sops:
    age:
        - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq
          enc: x
    lastmodified: "2026-01-01T00:00:00Z"
    mac: ENC[AES256_GCM,data:AAAA,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
    version: 3.9.0
`;

export const BASE_PROJECT: Record<string, string> = {
  'project.yml': `name: lab
domain: lab.test
conventions:
  routing: { provider: caddy, tls: internal }
`,
  'network.yml': `subnet: 10.231.0.0/24
gateway: 10.231.0.1
edge: core
targets:
  core: { address: local }
  media: { address: 10.231.0.11, dir: /srv/steward }
`,
  'services/web/service.yml': `target: core
image: web:1
ports: [ { container: 80, host: 8080 } ]
route: { subdomain: web, port: 80 }
`,
  'services/db/service.yml': `target: media
image: db:1
secrets: [DB_PASSWORD]
volumes: [ { name: data, path: /var/lib/db } ]
`,
  'secrets/main.sops.yaml': FAKE_SOPS,
};

export function writeProject(overlay: Record<string, FileSpec> = {}, base: Record<string, string> = BASE_PROJECT): { dir: string; cleanup: () => void } {
  const dir = scratchDir('steward-project-');
  const files: Record<string, FileSpec> = { ...base, ...overlay };
  for (const [rel, spec] of Object.entries(files)) {
    if (spec === null) continue;
    const abs = join(dir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof spec === 'string') writeFileSync(abs, spec);
    else symlinkSync(spec.symlink, abs);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
