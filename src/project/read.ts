import { lstatSync, readdirSync, readFileSync, realpathSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The bytes of a user project that render and validation look at, read once. */
export interface ProjectFiles {
  root: string;
  texts: Map<string, string>; // project.yml, network.yml, services/*/service.yml|compose.yaml, secrets/*, .sops.yaml
  appFiles: Map<string, AppFolder>; // by app name
  serviceDirs: string[]; // names of folders under services/
}

export interface AppFolder {
  // relative to services/<app>/, posix separators
  files: Map<string, Buffer>;
  // symlinks whose target leaves the app folder: never read
  escaping: Set<string>;
}

const SKIP_IN_APP = new Set(['service.yml', 'compose.yaml']);

export function readProjectFiles(root: string): ProjectFiles {
  const texts = new Map<string, string>();
  const readText = (rel: string) => {
    const p = join(root, rel);
    if (existsSync(p) && lstatSync(p).isFile()) texts.set(rel, readFileSync(p, 'utf8'));
  };
  readText('project.yml');
  readText('network.yml');
  readText('.sops.yaml');

  const serviceDirs: string[] = [];
  const appFiles = new Map<string, AppFolder>();
  const servicesDir = join(root, 'services');
  if (existsSync(servicesDir)) {
    for (const name of readdirSync(servicesDir).sort()) {
      const dir = join(servicesDir, name);
      if (!lstatSync(dir).isDirectory()) continue;
      serviceDirs.push(name);
      readText(`services/${name}/service.yml`);
      readText(`services/${name}/compose.yaml`);
      appFiles.set(name, readAppFolder(dir));
    }
  }
  const secretsDir = join(root, 'secrets');
  if (existsSync(secretsDir)) {
    for (const f of readdirSync(secretsDir).sort()) {
      if (/\.sops\.(ya?ml|json|env)$/.test(f)) readText(`secrets/${f}`);
    }
  }
  return { root, texts, appFiles, serviceDirs };
}

function readAppFolder(dir: string): AppFolder {
  const files = new Map<string, Buffer>();
  const escaping = new Set<string>();
  const realDir = realpathSync(dir);
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const rel = relative(dir, p).split(sep).join('/');
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(p);
        } catch {
          escaping.add(rel); // dangling: treated as not readable
          continue;
        }
        if (real !== realDir && !real.startsWith(realDir + sep)) {
          escaping.add(rel);
          continue;
        }
        if (lstatSync(real).isFile()) files.set(rel, readFileSync(real));
      } else if (st.isDirectory()) walk(p);
      else if (st.isFile() && !(d === dir && SKIP_IN_APP.has(e))) files.set(rel, readFileSync(p));
    }
  };
  walk(dir);
  return { files, escaping };
}
