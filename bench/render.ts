// bench/render: validate + render a synthetic project of N apps over 20 targets.
// Prints JSON: per size, wall time (median of runs) and peak RSS of a fresh process.
// Usage: node --import tsx bench/render.ts [sizes...]   (default 100 1000 5000)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../src/project/load';
import { renderProject } from '../src/render/render';
import { writeRendered } from '../src/render/write';

const TARGETS = 20;

export function makeProject(dir: string, apps: number): void {
  const w = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w('project.yml', 'name: bench\ndomain: bench.test\nconventions:\n  routing: { provider: caddy, tls: internal }\n  monitoring: { provider: prometheus }\n');
  const targets = Array.from({ length: TARGETS }, (_, i) => `  t${i}: { address: ${i === 0 ? 'local' : `10.231.78.${10 + i}`} }`).join('\n');
  w('network.yml', `subnet: 10.231.78.0/24\ngateway: 10.231.78.1\nedge: t0\ntargets:\n${targets}\n`);
  w('secrets/main.sops.yaml', 'API_KEY: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\nsops:\n    version: 3.9.0\n');
  for (let i = 0; i < apps; i++) {
    const t = i % TARGETS;
    const dep = i >= TARGETS ? `depends_on: [app${i - TARGETS}]\n` : '';
    w(`services/app${i}/files/app.conf`, `id=${i}\n`);
    w(
      `services/app${i}/service.yml`,
      `target: t${t}\nimage: registry.invalid/app:${i}\nenv: { TZ: UTC, ID: "${i}" }\nsecrets: [API_KEY]\n` +
        `volumes: [ { name: data, path: /data } ]\nfiles: [ { source: files/app.conf, path: /etc/app.conf } ]\n` +
        `ports: [ { container: 8080, host: ${10000 + Math.floor(i / TARGETS)} } ]\nroute: { subdomain: app${i}, port: 8080 }\n` +
        `health: { http: /health, port: 8080 }\nmetrics: { path: /metrics, port: 8080 }\n${dep}`,
    );
  }
}

type Figures = { validateRenderMs: number; firstWriteMs: number; upToDateMs: number; files: number };

// Three figures, because this disk makes writing a thousand new files cost more
// than validating and rendering them: the pure work, a first write into an empty
// rendered/, and the everyday run where rendered/ is already up to date.
function measureOnce(dir: string): Figures {
  rmSync(join(dir, 'rendered'), { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const out = renderProject(loadProject(dir));
  const t1 = process.hrtime.bigint();
  writeRendered(dir, out);
  const t2 = process.hrtime.bigint();
  writeRendered(dir, renderProject(loadProject(dir)));
  const t3 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  return { validateRenderMs: ms(t0, t1), firstWriteMs: ms(t1, t2), upToDateMs: ms(t2, t3), files: out.files.size };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  // One size in a fresh process, so peak RSS belongs to this size alone.
  const runs = [0, 1, 2].map(() => measureOnce(process.argv[3]));
  const pick = (k: keyof Figures) => Math.round(median(runs.map((r) => r[k])));
  process.stdout.write(
    JSON.stringify({ validateRenderMs: pick('validateRenderMs'), firstWriteMs: pick('firstWriteMs'), upToDateMs: pick('upToDateMs'), files: runs[0].files, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
  );
} else if (process.argv[1] === new URL(import.meta.url).pathname) {
  const sizes = process.argv.slice(2).map(Number).filter(Boolean);
  const results = [];
  for (const apps of sizes.length ? sizes : [100, 1000, 5000]) {
    const dir = mkdtempSync(join(tmpdir(), 'steward-bench-render-'));
    try {
      makeProject(dir, apps);
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', dir], { encoding: 'utf8' });
      const r = JSON.parse(out);
      results.push({ apps, targets: TARGETS, renderedFiles: r.files, validateRenderMs: r.validateRenderMs, msPerApp: +(r.validateRenderMs / apps).toFixed(3), firstWriteMs: r.firstWriteMs, upToDateRunMs: r.upToDateMs, peakRssMb: r.peakRssMb });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(JSON.stringify({ bench: 'render', note: 'validateRenderMs: read+validate+render in memory; firstWriteMs: writing every file into an empty rendered/; upToDateRunMs: a whole run (read+validate+render+compare) when rendered/ is current. Median of 3 runs, fresh process per size.', results }, null, 2));
}
