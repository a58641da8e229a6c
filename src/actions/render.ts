import * as core from '@actions/core';
import { resolve } from 'node:path';
import { ProjectError } from '../project/diagnostics';
import { runRender } from '../render/run-render';

// Thin: inputs -> core -> outputs.
try {
  const dir = resolve(process.env.GITHUB_WORKSPACE ?? '.', core.getInput('project-path') || '.');
  const check = core.getBooleanInput('check');
  core.info(`${check ? 'Checking' : 'Rendering'} ${dir}`);
  const r = runRender(dir, { check });
  for (const f of r.written) core.info(`  ${check ? 'stale' : 'wrote'}    ${f}`);
  for (const f of r.deleted) core.info(`  ${check ? 'extra' : 'deleted'}  ${f}`);
  core.setOutput('changed', String(r.changed));
  core.setOutput('manifest', r.manifestPath);
  if (check && r.changed) core.setFailed('rendered/ is stale: run `steward render` and commit the result.');
  else core.info(`${r.apps} apps, rendered/ ${r.changed ? 'changed' : 'unchanged'}`);
} catch (e) {
  if (e instanceof ProjectError) {
    for (const d of e.diagnostics) core.error(`${d.key || '-'}  ${d.message}`, { file: d.file, startLine: d.line || undefined, startColumn: d.column || undefined });
  }
  core.setFailed((e as Error).message);
}
