import type { Diagnostic } from '../project/diagnostics';
import type { Project } from '../project/model';
import { keyName, type KeyPath, type YamlSource } from '../project/yaml-source';
import type { Manifest } from '../render/manifest';
import type { RunRecord } from '../converge/run-record';
import { buildStatus, type TargetObservation } from '../status/status';
import { hostnameOf } from './upstream';

/**
 * The status page lives in the edge app's own dir on the edge target, beside
 * `releases/` and never inside one, so a new page recreates nothing. syncFiles
 * renames files into it in place, so the dir Caddy mounts stays the same one.
 */
export const DASHBOARD_DIR = 'site';
export const DASHBOARD_ROOT = '/srv/steward-site';
export const DASHBOARD_FILE = 'index.html';

/** The host the page is served at, when the project has one. */
export function dashboardHost(p: Project): string | undefined {
  const d = p.conventions.dashboard;
  return d && p.conventions.routing && p.network.edge ? hostnameOf(p, d.subdomain) : undefined;
}

/** How a browser reaches a routed host: the scheme of `tls`, and the port when it is not the scheme's own. */
export function publicUrl(p: Project, host: string): string {
  const r = p.conventions.routing!;
  const [scheme, port, standard] = r.tls === 'off' ? ['http', r.httpPort, 80] : ['https', r.httpsPort, 443];
  return `${scheme}://${host}${port === standard ? '' : `:${port}`}/`;
}

/** The page needs the edge proxy, and a host of its own. */
export function checkDashboard(p: Project, raw: unknown, sources: Map<string, YamlSource>, diags: Diagnostic[]): void {
  const at = (file: string, path: KeyPath, message: string) => diags.push({ file, ...(sources.get(file)?.locate(path) ?? { line: 1, column: 1 }), key: keyName(path), message });
  if (raw && typeof raw === 'object' && !p.conventions.routing) {
    at('project.yml', ['conventions', 'dashboard'], 'conventions.dashboard needs conventions.routing: the edge proxy serves the status page');
    return;
  }
  const host = dashboardHost(p);
  if (!host) return;
  const taken = p.apps.find((a) => a.state === 'present' && a.route && hostnameOf(p, a.route.subdomain) === host);
  if (!taken) return;
  const move = `set conventions.dashboard.subdomain to a free one, or turn the page off with \`dashboard: false\``;
  if (taken.sourceFile === 'project.yml') at('project.yml', ['conventions', 'dashboard', 'subdomain'], `${host} is taken by Steward's ${taken.name}: ${move}`);
  else at(taken.sourceFile, ['route', 'subdomain'], `${host} is where the status page is served (conventions.dashboard): pick another subdomain, or ${move}`);
}

/** The last commit that changed an app's rendered files. */
export interface AppChange {
  sha: string;
  subject: string;
  /** Commit time, ISO 8601. */
  at: string;
}

export interface DashboardInput {
  manifest: Manifest;
  record: RunRecord;
  /** What the run observed on each target before it applied anything; a target left out reads unknown. */
  observed: Record<string, TargetObservation>;
  /** By app name. */
  changes: Record<string, AppChange>;
  /** By host: the URL a browser opens. */
  urls: Record<string, string>;
}

export type PageHealth = 'healthy' | 'degraded' | 'stopped' | 'missing' | 'failed' | 'unknown';

export interface PageApp {
  app: string;
  url?: string;
  health: PageHealth;
  note?: string;
  image?: string;
  hash?: string;
  change?: AppChange;
  drift: { drift: string; corrected: boolean }[];
}

export interface PageTarget {
  name: string;
  address: string;
  error?: string;
  apps: PageApp[];
}

const APPLIED = new Set(['deploy', 'update', 'reload-proxy']);

/**
 * Each present app as it stands after the run: what the plan observed, then
 * what this run's steps did to it (an applied step waited for health).
 */
export function dashboardTargets(input: DashboardInput): PageTarget[] {
  const { manifest, record } = input;
  const status = buildStatus(manifest, input.observed, null);
  return Object.keys(manifest.targets)
    .sort()
    .map((name) => {
      const t = status.targets.find((x) => x.name === name);
      const apps = manifest.apps
        .filter((a) => a.target === name && a.state === 'present')
        .map((a): PageApp => {
          const row = status.rows.find((r) => r.target === name && r.app === a.name);
          const step = record.steps.find((s) => s.target === name && s.app === a.name && APPLIED.has(s.action) && s.result !== 'skipped');
          const observedHealth: PageHealth = !row || row.health === 'unknown' ? 'unknown' : row.health === 'running' ? 'healthy' : row.health === 'degraded' ? 'degraded' : row.health === 'stopped' ? 'stopped' : 'missing';
          const page: PageApp = {
            app: a.name,
            url: a.route ? input.urls[a.route.host] : undefined,
            health: observedHealth,
            image: row?.running?.image,
            hash: row?.running?.hash,
            change: input.changes[a.name],
            drift: record.drift.items.filter((d) => d.target === name && d.app === a.name).map((d) => ({ drift: d.drift, corrected: d.corrected })),
          };
          if (step?.result === 'success') Object.assign(page, { health: 'healthy', image: a.image ?? page.image, hash: a.hash });
          else if (step?.result === 'rolled-back') Object.assign(page, { health: 'degraded', note: 'the new release failed: the previous one serves' });
          else if (step?.result === 'failed') Object.assign(page, { health: 'failed', note: firstLine(step.message) });
          return page;
        });
      return { name, address: manifest.targets[name].address, ...(t && !t.reachable ? { error: t.error } : {}), apps };
    });
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in element text and in a quoted attribute. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** UTC, to the second: the page is read by people in any zone and must not depend on the runner's. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// Colours carry no meaning alone: every state is also written out.
const CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d9dde3;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--unk:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:72rem;margin:0 auto;padding:1rem}
main{padding-top:0}
h1{margin:0 0 .5rem;font-size:1.6rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
h2 small{color:var(--muted);font-weight:normal;font-size:.9rem}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
a{color:inherit}
.run{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none;color:var(--muted)}
.run strong{color:var(--fg)}
.apps{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.75rem;margin:0;padding:0;list-style:none}
.app{background:var(--card);border:1px solid var(--line);border-left:.35rem solid var(--unk);border-radius:.5rem;padding:.75rem}
.app.healthy{border-left-color:var(--ok)}.app.degraded,.app.stopped,.app.missing{border-left-color:var(--warn)}.app.failed{border-left-color:var(--bad)}
.app h3{margin:0;font-size:1.1rem;display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}
.health{font-size:.85rem;font-weight:600;padding:0 .5rem;border-radius:1rem;border:1px solid currentColor}
.health.healthy,.result.success{color:var(--ok)}.health.degraded,.health.stopped,.health.missing{color:var(--warn)}.health.failed,.result.failure{color:var(--bad)}.health.unknown{color:var(--unk)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .75rem;margin:.5rem 0 0;font-size:.92rem}
dt{color:var(--muted)}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.note{margin:.5rem 0 0;font-size:.9rem;color:var(--muted)}
.drift li,.errors li{margin:.25rem 0}
.corrected{color:var(--ok)}.uncorrected{color:var(--bad)}
.unreachable{color:var(--bad)}
footer{color:var(--muted);font-size:.85rem}
`.trim();

function appCard(a: PageApp): string {
  const name = a.url ? `<a href="${esc(a.url)}">${esc(a.app)}</a>` : esc(a.app);
  const rows: string[] = [];
  rows.push(`<dt>version</dt><dd>${a.image ? `<code>${esc(a.image)}</code>` : '-'}${a.hash ? ` <code class="hash">${esc(a.hash.slice(0, 8))}</code>` : ''}</dd>`);
  rows.push(`<dt>changed</dt><dd>${a.change ? `<code>${esc(a.change.sha.slice(0, 7))}</code> ${esc(a.change.subject)}, <time datetime="${esc(a.change.at)}">${esc(formatTime(a.change.at))}</time>` : 'not in git history'}</dd>`);
  const drift = a.drift.length
    ? a.drift.map((d) => `${esc(d.drift)} <span class="${d.corrected ? 'corrected">corrected' : 'uncorrected">not corrected'}</span>`).join('<br>')
    : 'none';
  rows.push(`<dt>drift</dt><dd class="drift">${drift}</dd>`);
  return [
    `<li class="app ${a.health}" data-app="${esc(a.app)}" data-health="${a.health}">`,
    `<h3><span class="name">${name}</span> <span class="health ${a.health}">${a.health}</span></h3>`,
    `<dl>${rows.join('')}</dl>`,
    ...(a.note ? [`<p class="note">${esc(a.note)}</p>`] : []),
    '</li>',
  ].join('\n');
}

/**
 * The whole page, one self-contained HTML file: inline CSS, no script, no
 * outside resource, so it works offline and behind any proxy. Pure; the
 * caller masks secrets before it leaves the process.
 */
export function renderDashboard(input: DashboardInput): string {
  const { record } = input;
  const targets = dashboardTargets(input);
  const found = record.drift.items;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${esc(record.project)} · Steward</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${esc(record.project)}</h1>`,
    `<ul class="run" id="run" data-result="${esc(record.result)}">`,
    `<li>last run: <strong class="result ${esc(record.result)}">${esc(record.result)}</strong></li>`,
    `<li>${esc(record.summary)}</li>`,
    `<li>took <strong>${esc(formatDuration(record.durationMs))}</strong></li>`,
    `<li>at <time datetime="${esc(record.finishedAt)}">${esc(formatTime(record.finishedAt))}</time> (${esc(record.trigger)})</li>`,
    `<li>commit <code>${esc(record.commit.slice(0, 12))}</code></li>`,
    '</ul>',
    '</header>',
    '<main>',
  ];
  for (const t of targets) {
    out.push(`<section class="target" id="target-${esc(t.name)}" data-target="${esc(t.name)}">`, `<h2>${esc(t.name)} <small>${esc(t.address)}</small></h2>`);
    if (t.error) out.push(`<p class="unreachable">not reached: ${esc(firstLine(t.error))}</p>`);
    out.push(t.apps.length ? `<ul class="apps">\n${t.apps.map(appCard).join('\n')}\n</ul>` : '<p class="note">no apps</p>', '</section>');
  }
  out.push('<section id="drift">', `<h2>Drift in the last run <small>${found.length} found, ${found.filter((d) => d.corrected).length} corrected</small></h2>`);
  if (found.length) {
    out.push('<ul class="drift">');
    for (const d of found) {
      const where = `${d.target}/${d.app || d.container || '?'}${d.container && d.app ? ` (${d.container})` : ''}`;
      out.push(`<li data-app="${esc(d.app)}" data-corrected="${d.corrected}"><strong>${esc(where)}</strong>: ${esc(d.drift)} <span class="${d.corrected ? 'corrected">corrected' : 'uncorrected">not corrected'}</span></li>`);
    }
    out.push('</ul>');
  } else out.push('<p class="note">none: the targets were as git says</p>');
  out.push('</section>');
  if (record.errors.length) {
    out.push('<section id="errors">', '<h2>Errors</h2>', '<ul class="errors">');
    for (const e of record.errors) out.push(`<li><strong>${esc(e.stage)}${e.target ? ` ${esc(e.target)}${e.app ? `/${esc(e.app)}` : ''}` : ''}</strong>: ${esc(firstLine(e.message))}</li>`);
    out.push('</ul>', '</section>');
  }
  out.push('</main>', `<footer>Written by Steward after run ${esc(record.runId)}; it changes with the next run.</footer>`, '</body>', '</html>');
  return out.join('\n') + '\n';
}
