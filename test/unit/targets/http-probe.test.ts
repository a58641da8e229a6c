import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unixSocketPath, type ContainerInspect } from '../../../src/targets/engine-api';
import { probeAddress, probeDirect, probeResult, probeUrl, statusOf } from '../../../src/targets/http-probe';
import { containerFromInspect } from '../../../src/targets/observe-parse';

function inspect(o: { id: string; cp: string; svc: string; running?: boolean; ips?: string[]; health?: string }): ContainerInspect {
  return {
    Id: o.id,
    Name: `/${o.cp}-${o.svc}-1`,
    Image: 'sha256:abc',
    Config: { Image: 'web:1', Labels: { 'com.docker.compose.project': o.cp, 'com.docker.compose.service': o.svc, 'steward.project': 'p', 'steward.app': 'web', 'steward.hash': 'h1' } },
    State: { Status: o.running === false ? 'exited' : 'running', Running: o.running !== false, ExitCode: 0, ...(o.health ? { Health: { Status: o.health } } : {}) },
    NetworkSettings: { Networks: Object.fromEntries((o.ips ?? []).map((ip, i) => [`n${i}`, { IPAddress: ip }])) },
  };
}

test('probeAddress: the app service first, running only, host network as 127.0.0.1', () => {
  const sidecar = inspect({ id: 's', cp: 'p-web', svc: 'redis', ips: ['10.0.0.3'] });
  const own = inspect({ id: 'w', cp: 'p-web', svc: 'web', ips: ['', '10.0.0.2'] });
  const stopped = inspect({ id: 'x', cp: 'p-web', svc: 'web', running: false, ips: ['10.0.0.9'] });
  const stranger = inspect({ id: 'y', cp: 'other', svc: 'web', ips: ['10.0.0.8'] });
  assert.equal(probeAddress([stopped, sidecar, own, stranger], 'p-web', 'web'), '10.0.0.2');
  assert.equal(probeAddress([stopped, sidecar], 'p-web', 'web'), '10.0.0.3');
  assert.equal(probeAddress([inspect({ id: 'h', cp: 'p-web', svc: 'web' })], 'p-web', 'web'), '127.0.0.1');
  assert.equal(probeAddress([stopped, stranger], 'p-web', 'web'), undefined);
});

test('probeUrl strips what a shell or a request line would misread; 2xx/3xx pass', () => {
  assert.equal(probeUrl('10.0.0.2', 8080, 'health check;rm'), 'http://10.0.0.2:8080/healthcheckrm');
  assert.equal(probeUrl('fd00::2', 80, '/h?x=1'), 'http://[fd00::2]:80/h?x=1');
  assert.deepEqual(probeResult('u', 204), { code: 0, url: 'u' });
  assert.deepEqual(probeResult('u', 302), { code: 0, url: 'u' });
  assert.deepEqual(probeResult('u', 503), { code: 503, url: 'u', detail: 'HTTP 503' });
  assert.deepEqual(probeResult('u', undefined, 'ECONNREFUSED'), { code: -1, url: 'u', detail: 'ECONNREFUSED' });
  assert.equal(statusOf('HTTP/1.0 200 OK\r'), 200);
  assert.equal(statusOf('HTTP/2 404'), 404);
  assert.equal(statusOf('SSH-2.0-OpenSSH'), undefined);
});

test('unixSocketPath reads unix:// hosts only', () => {
  assert.equal(unixSocketPath('unix:///var/run/docker.sock'), '/var/run/docker.sock');
  assert.equal(unixSocketPath('tcp://10.0.0.1:2375'), undefined);
  assert.equal(unixSocketPath('ssh://root@h'), undefined);
  assert.equal(unixSocketPath(''), undefined);
});

test('containerFromInspect reads what the CLI inspect format reads', () => {
  const c = containerFromInspect(inspect({ id: 'w', cp: 'p-web', svc: 'web', health: 'healthy' }));
  assert.equal(c.name, 'p-web-web-1');
  assert.equal(c.state, 'running');
  assert.equal(c.health, 'healthy');
  assert.equal(c.hash, 'h1');
  assert.equal(c.service, 'web');
  assert.deepEqual(c.imageDigests, []);
});

test('probeDirect: status, failure and refusal against a loopback server', async () => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.equal((await probeDirect(probeUrl('127.0.0.1', port, '/health'), 2000)).code, 0);
    assert.equal((await probeDirect(probeUrl('127.0.0.1', port, '/down'), 2000)).detail, 'HTTP 503');
  } finally {
    await new Promise((r) => server.close(r));
  }
  const refused = await probeDirect(probeUrl('127.0.0.1', port, '/health'), 2000);
  assert.equal(refused.code, -1);
  assert.equal(refused.detail, 'ECONNREFUSED');
});
