import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adoptedPorts, parseShort } from '../../../src/project/adopted';

const svc = (ports: unknown[]) => ({ services: { app: { image: 'app:1', ports } } });

test('HOST:CONTAINER keeps its host port (it used to be swallowed as an IP)', () => {
  assert.deepEqual(parseShort('3001:80'), [{ container: 80, host: 3001, protocol: 'tcp', bind: undefined }]);
});

test('the Compose short syntax: container only, IP binds, protocols', () => {
  assert.deepEqual(parseShort('80'), [{ container: 80, protocol: 'tcp', bind: undefined }]);
  assert.deepEqual(parseShort('127.0.0.1:8080:80/udp'), [{ container: 80, host: 8080, protocol: 'udp', bind: '127.0.0.1' }]);
  assert.deepEqual(parseShort('127.0.0.1::80'), [{ container: 80, protocol: 'tcp', bind: '127.0.0.1' }]);
  assert.deepEqual(parseShort('9000:9000/sctp'), [{ container: 9000, host: 9000, protocol: 'sctp', bind: undefined }]);
});

test('IPv6 binds, bracketed or as Docker reads them bare', () => {
  assert.deepEqual(parseShort('[::1]:3000:80'), [{ container: 80, host: 3000, protocol: 'tcp', bind: '::1' }]);
  assert.deepEqual(parseShort('[fd00::2]::80'), [{ container: 80, protocol: 'tcp', bind: 'fd00::2' }]);
  assert.deepEqual(parseShort('::1:3000:80'), [{ container: 80, host: 3000, protocol: 'tcp', bind: '::1' }]);
});

test('ranges map port by port; a host range for one container port is the engine’s pick', () => {
  assert.deepEqual(parseShort('8000-8001:80-81'), [
    { container: 80, host: 8000, protocol: 'tcp', bind: undefined },
    { container: 81, host: 8001, protocol: 'tcp', bind: undefined },
  ]);
  assert.deepEqual(parseShort('9090-9091'), [
    { container: 9090, protocol: 'tcp', bind: undefined },
    { container: 9091, protocol: 'tcp', bind: undefined },
  ]);
  assert.deepEqual(parseShort('8000-8010:80'), [{ container: 80, protocol: 'tcp', bind: undefined }]);
});

test('malformed short ports are refused with the value', () => {
  assert.equal(parseShort('8000-8002:80-81'), 'port "8000-8002:80-81" maps ranges of different lengths; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"');
  assert.equal(parseShort('80/icmp'), 'port "80/icmp" has protocol "icmp" (tcp, udp or sctp); Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"');
  assert.equal(parseShort('localhost:3000:80'), 'port "localhost:3000:80" binds "localhost", which is no IP address; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"');
  assert.equal(parseShort('0:80'), 'port "0:80" has host port "0", not a port or range within 1-65535; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"');
  assert.equal(parseShort('3000:70000'), 'port "3000:70000" has container port "70000", not a port or range within 1-65535; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"');
});

test('the long syntax: target, published (number, string or range), protocol, host_ip', () => {
  const r = adoptedPorts(
    svc([
      { target: 80, published: 3001 },
      { target: 53, published: '5353', protocol: 'udp', host_ip: '10.0.0.5' },
      { target: 81, published: '8100-8101' },
      { target: 82 },
      8080,
    ]),
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.ports, [
    { container: 80, host: 3001, protocol: 'tcp', bind: undefined, key: ['services', 'app', 'ports', 0] },
    { container: 53, host: 5353, protocol: 'udp', bind: '10.0.0.5', key: ['services', 'app', 'ports', 1] },
    { container: 81, protocol: 'tcp', bind: undefined, key: ['services', 'app', 'ports', 2] },
    { container: 82, protocol: 'tcp', bind: undefined, key: ['services', 'app', 'ports', 3] },
    { container: 8080, protocol: 'tcp', bind: undefined, key: ['services', 'app', 'ports', 4] },
  ]);
});

test('long-syntax problems name the entry', () => {
  assert.deepEqual(adoptedPorts(svc([{ published: 80 }, { target: 80, host_ip: 'any' }])).problems, [
    { path: ['services', 'app', 'ports', 0], message: 'port {"published":80} needs "target": one container port within 1-65535' },
    { path: ['services', 'app', 'ports', 1], message: 'port {"target":80,"host_ip":"any"} has host_ip "any", which is no IP address' },
  ]);
});
