import { test } from 'node:test';
import assert from 'node:assert/strict';
import networkSchema from '../../../schemas/network.schema.json';
import projectSchema from '../../../schemas/project.schema.json';
import serviceSchema from '../../../schemas/service.schema.json';
import { DIR_PATTERN, EMAIL_PATTERN, HTTP_PATH_PATTERN, IMAGE_PATTERN, USER_PATTERN } from '../../../src/project/patterns';
import { cidrContains, hostPort, isTargetAddress, parseCidr, urlProblem } from '../../../src/project/values';

test('the schemas hold the very patterns the messages explain', () => {
  const target = networkSchema.properties.targets.additionalProperties.properties;
  assert.equal(target.dir.pattern, DIR_PATTERN);
  assert.equal(target.user.pattern, USER_PATTERN);
  const routing = projectSchema.properties.conventions.properties.routing.properties;
  assert.equal(routing.email.pattern, EMAIL_PATTERN);
  assert.equal(routing.image.pattern, IMAGE_PATTERN);
  assert.equal(serviceSchema.properties.image.pattern, IMAGE_PATTERN);
  assert.equal(serviceSchema.properties.health.properties.http.pattern, HTTP_PATH_PATTERN);
  assert.equal(serviceSchema.properties.metrics.properties.path.pattern, HTTP_PATH_PATTERN);
});

const matches = (pattern: string, s: string) => new RegExp(pattern, 'u').test(s);

test('image references: what registries take, nothing a shell would read', () => {
  for (const ok of ['caddy:2', 'web', '10.231.77.1:5311/web:broken', 'louislam/uptime-kuma:1.23.15', 'ghcr.io/a/b-c_d.e:v1.0', `app@sha256:${'a'.repeat(64)}`]) assert.ok(matches(IMAGE_PATTERN, ok), ok);
  for (const bad of ['web:1; rm -rf /', 'Web:1', 'web:$(id)', 'web:1 ', '-web', 'a//b', 'web:', '']) assert.ok(!matches(IMAGE_PATTERN, bad), bad);
});

test('dirs, HTTP paths and e-mails', () => {
  for (const ok of ['/var/lib/steward', '/srv/steward/', '/opt/.steward', '/a-b_c.d']) assert.ok(matches(DIR_PATTERN, ok), ok);
  for (const bad of ['/', 'srv', '/srv/../etc', '/srv/./x', '/srv/..', '/srv//x', '/srv/$HOME', '/srv/`id`', "/srv/'x'", '/srv/a b', '/srv/x\n']) assert.ok(!matches(DIR_PATTERN, bad), JSON.stringify(bad));
  for (const ok of ['/', '/healthz', '/api/health?full=1&x=2', '/metrics']) assert.ok(matches(HTTP_PATH_PATTERN, ok), ok);
  for (const bad of ['healthz', '/a b', '/a\r\nHost: x', '/a"b', "/a'b", '/a$b', '/a;b']) assert.ok(!matches(HTTP_PATH_PATTERN, bad), JSON.stringify(bad));
  for (const ok of ['ops@lab.test', 'a.b+c@example.org']) assert.ok(matches(EMAIL_PATTERN, ok), ok);
  for (const bad of ['ops', 'ops@', 'a b@c.d', 'a@b.org\n}', 'a@{b}.org']) assert.ok(!matches(EMAIL_PATTERN, bad), JSON.stringify(bad));
});

test('target addresses: local, IPv4, IPv6, DNS names', () => {
  for (const ok of ['local', '10.231.77.11', 'fd00::11', '::1', 'nas', 'nas.home.example.org', 'Host-1.lan']) assert.ok(isTargetAddress(ok), ok);
  for (const bad of ['10.77.0.21; rm -rf /', '10.0.0.256', '10.0.0.256x y', 'a..b', '-x.lan', 'x_y.lan', '[fd00::1]', 'host:22', 'user@host', '', `${'a'.repeat(64)}.lan`]) assert.ok(!isTargetAddress(bad), bad);
  assert.equal(hostPort('fd00::11', 80), '[fd00::11]:80');
  assert.equal(hostPort('10.0.0.1', 80), '10.0.0.1:80');
  assert.equal(hostPort('nas.lan', 80), 'nas.lan:80');
});

test('CIDRs and membership, IPv4 and IPv6', () => {
  for (const bad of ['10.77.0.0/33', '10.77.0.0', '10.77.0.300/24', 'fd00::/129', 'x/8', '10.77.0.0/24/1']) assert.equal(parseCidr(bad), undefined, bad);
  const v4 = parseCidr('10.77.0.0/24')!;
  assert.ok(cidrContains(v4, '10.77.0.1'));
  assert.ok(!cidrContains(v4, '10.77.1.1'));
  assert.ok(!cidrContains(v4, 'fd00::1'));
  assert.ok(cidrContains(parseCidr('0.0.0.0/0')!, '192.168.1.1'));
  const v6 = parseCidr('fd00:10::/64')!;
  assert.ok(cidrContains(v6, 'fd00:10::1'));
  assert.ok(cidrContains(v6, 'fd00:10:0:0:ffff::1'));
  assert.ok(!cidrContains(v6, 'fd00:11::1'));
  assert.ok(cidrContains(parseCidr('::ffff:10.0.0.0/104')!, '::ffff:10.1.2.3'));
});

test('URLs: parsed, http(s), a real host, no credentials', () => {
  assert.equal(urlProblem('https://auth.home.example.org'), undefined);
  assert.equal(urlProblem('http://10.0.0.5:9091/x'), undefined);
  assert.equal(urlProblem('http://[fd00::5]:9091'), undefined);
  assert.equal(urlProblem('https://auth exa.org'), 'is not a URL');
  assert.equal(urlProblem('ftp://auth.example.org'), 'must start with https:// or http://');
  assert.equal(urlProblem('https://u:p@auth.example.org'), 'must not carry a user name or password');
  assert.equal(urlProblem('https://a{b}.org'), 'must name a DNS host name or an IP address');
});
