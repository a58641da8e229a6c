// Short views for scripts/example.sh, with nothing but Node (a fresh Debian may have no curl):
//
//   node show.mjs plan PLAN_JSON              the summary line and one line per step
//   node show.mjs live URL CA_FILE [SECONDS]  GET URL through the edge proxy on loopback,
//                                             trusting only CA_FILE; retried until 200
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const [command, ...args] = process.argv.slice(2);

function planLines(plan) {
  const s = plan.summary;
  const out = [`plan: ${s.deploy} to deploy, ${s.update} to update, ${s.remove} to remove, ${s.drifted} drifted`];
  for (const step of plan.steps) {
    if (step.action === 'prepare') continue;
    const why = step.drift ?? step.reasons.map((r) => r.why + (r.commit ? ` in ${r.commit}` : '')).join('; ');
    out.push(`  ${step.action.padEnd(12)} ${`${step.target}/${step.app}`.padEnd(14)} ${why}`);
  }
  return out;
}

/** One GET to 127.0.0.1 with the URL's host name as SNI and Host: the edge proxy is published on loopback. */
function get(url, ca) {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: url.port || 443, path: url.pathname, servername: url.hostname, headers: { host: url.host }, ca, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.end();
  });
}

async function live(rawUrl, caFile, seconds) {
  const url = new URL(rawUrl);
  const ca = readFileSync(caFile, 'utf8');
  const end = Date.now() + seconds * 1000;
  let r;
  // Caddy loads a new config, and a healed app comes back, a moment after converge returns.
  while ((r = await get(url, ca)).status !== 200 && Date.now() < end) await new Promise((res) => setTimeout(res, 250));
  const first = r.body.split('\n')[0];
  console.log(`live: ${rawUrl} -> ${r.status || r.error} ${JSON.stringify(first)}`);
  return r.status === 200 ? 0 : 1;
}

if (command === 'plan' && args.length === 1) {
  for (const line of planLines(JSON.parse(readFileSync(args[0], 'utf8')))) console.log(line);
} else if (command === 'live' && (args.length === 2 || args.length === 3)) {
  process.exitCode = await live(args[0], args[1], Number(args[2] ?? 20));
} else {
  console.error('usage: show.mjs plan PLAN_JSON | live URL CA_FILE [SECONDS]');
  process.exitCode = 2;
}
