import { BASE_PROJECT, type FileSpec } from '../../support/project-fixture';

/** Broken projects, each with the exact diagnostics a person must see. */
export interface BadCase {
  name: string;
  files: Record<string, FileSpec>;
  expect: string[];
}

const web = BASE_PROJECT['services/web/service.yml'];

export const CASES: BadCase[] = [
  { name: 'broken YAML', files: { 'project.yml': 'name: lab\ndomain: [lab.test\n' }, expect: [
      "project.yml:3:1  -  invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ] },
  { name: 'duplicate key', files: { 'services/web/service.yml': web + 'image: web:2\n' }, expect: [
      "services/web/service.yml:5:1  image  duplicate key: each key may appear once in a mapping; remove or rename one of them",
    ] },
  {
    name: 'alias bomb',
    files: {
      'network.yml':
        'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntargets: { core: { address: local } }\n',
    },
    expect: [
      "network.yml:1:1  -  too many YAML aliases (more than 100 expansions): write the values out instead of nesting anchors",
    ],
  },
  { name: 'missing project.yml', files: { 'project.yml': null }, expect: [
      "project.yml:0:0  -  missing file: every project needs a project.yml with at least `name` and `domain`",
    ] },
  { name: 'missing network.yml', files: { 'network.yml': null }, expect: [
      "network.yml:0:0  -  missing file: every project needs a network.yml with at least one target under `targets`",
    ] },
  { name: 'project without name', files: { 'project.yml': 'domain: lab.test\n' }, expect: [
      "project.yml:1:1  -  missing required key \"name\"",
    ] },
  { name: 'unknown key in project.yml', files: { 'project.yml': 'name: lab\ndomain: lab.test\nconverge:\n  prun: true\nconventions:\n  routing: { provider: caddy }\n' }, expect: [
      "project.yml:4:3  converge.prun  unknown key \"prun\"; allowed keys here: prune, self_heal, parallelism, health_timeout, lock_timeout",
    ] },
  { name: 'project name not a DNS label', files: { 'project.yml': 'name: Home_Lab\ndomain: lab.test\nconventions:\n  routing: { provider: caddy }\n' }, expect: [
      "project.yml:1:1  name  must be a DNS label: lowercase letters, digits and \"-\", 1 to 63 characters, not starting or ending with \"-\" (got \"Home_Lab\")",
    ] },
  { name: 'parallelism not an integer', files: { 'project.yml': 'name: lab\ndomain: lab.test\nconverge:\n  parallelism: four\nconventions:\n  routing: { provider: caddy }\n' }, expect: [
      "project.yml:4:3  converge.parallelism  must be an integer (got \"four\")",
    ] },
  { name: 'bad health_timeout', files: { 'project.yml': 'name: lab\ndomain: lab.test\nconverge:\n  health_timeout: 2 minutes\nconventions:\n  routing: { provider: caddy }\n' }, expect: [
      "project.yml:4:3  converge.health_timeout  must be a duration such as 500ms, 90s or 2m (a whole number of at most 9 digits) (got \"2 minutes\")",
    ] },
  { name: 'a duration too long to be one', files: { 'project.yml': 'name: lab\ndomain: lab.test\nconverge:\n  lock_timeout: 9999999999s\nconventions:\n  routing: { provider: caddy }\n' }, expect: [
      "project.yml:4:3  converge.lock_timeout  must be a duration such as 500ms, 90s or 2m (a whole number of at most 9 digits) (got \"9999999999s\")",
    ] },
  { name: 'unknown tls mode', files: { 'project.yml': 'name: lab\ndomain: lab.test\nconventions:\n  routing: { provider: caddy, tls: letsencrypt }\n' }, expect: [
      "project.yml:4:31  conventions.routing.tls  must be one of: internal, acme, off (got \"letsencrypt\")",
    ] },
  { name: 'no targets', files: { 'network.yml': 'edge: core\ntargets: {}\n' }, expect: [
      "network.yml:2:1  targets  must have at least 1 entry",
    ] },
  { name: 'target name not a DNS label', files: { 'network.yml': BASE_PROJECT['network.yml'] + '  Media_2: { address: 10.231.0.12 }\n' }, expect: [
      "network.yml:7:3  targets.Media_2  target name \"Media_2\" must be a DNS label: lowercase letters, digits and \"-\"",
    ] },
  { name: 'edge names an unknown target', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('edge: core', 'edge: gateway') }, expect: [
      "network.yml:3:1  edge  unknown target \"gateway\"; targets: core, media",
    ] },
  { name: 'gateway outside the subnet', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('gateway: 10.231.0.1', 'gateway: 10.9.0.1') }, expect: [
      "network.yml:2:1  gateway  gateway 10.9.0.1 is outside subnet 10.231.0.0/24",
    ] },
  { name: 'target without address', files: { 'network.yml': BASE_PROJECT['network.yml'] + '  nas: { user: deploy }\n' }, expect: [
      "network.yml:7:3  targets.nas  missing required key \"address\"",
    ] },
  { name: 'two local targets', files: { 'network.yml': BASE_PROJECT['network.yml'] + '  other: { address: local }\n' }, expect: [
      "network.yml:7:3  targets.other  only one target can be \"address: local\" (already: core)",
    ] },
  { name: 'unknown target', files: { 'services/web/service.yml': web.replace('target: core', 'target: nas') }, expect: [
      "services/web/service.yml:1:1  target  unknown target \"nas\"; targets in network.yml: core, media",
    ] },
  { name: 'unknown key in service.yml', files: { 'services/web/service.yml': web + 'restart: always\n' }, expect: [
      "services/web/service.yml:5:1  restart  unknown key \"restart\"; allowed keys here: target, state, image, command, env, secrets, volumes, files, ports, depends_on, route, health, metrics, compose, purge, replicas, placement, update",
    ] },
  { name: 'bad state', files: { 'services/web/service.yml': web + 'state: stopped\n' }, expect: [
      "services/web/service.yml:5:1  state  must be one of: present, absent (got \"stopped\")",
    ] },
  { name: 'missing image', files: { 'services/web/service.yml': 'target: core\n' }, expect: [
      "services/web/service.yml:1:1  -  missing required key \"image\" (or bring a compose.yaml beside service.yml to adopt an existing compose file)",
    ] },
  { name: 'app folder not a DNS label', files: { 'services/Web_App/service.yml': 'target: core\nimage: x:1\n' }, expect: [
      "services/Web_App/service.yml:1:1  -  app name \"Web_App\" (the folder name) must be a DNS label: lowercase letters, digits and \"-\"; rename the folder",
    ] },
  { name: 'app folder without service.yml', files: { 'services/cache/README.md': 'notes\n' }, expect: [
      "services/cache/:0:0  -  app folder has no service.yml: add one naming at least its `target`, or remove the folder",
    ] },
  { name: 'host port clash', files: { 'services/api/service.yml': 'target: core\nimage: api:1\nports:\n  - { container: 3000, host: 8080 }\n' }, expect: [
      "services/web/service.yml:3:27  ports[0].host  host port 8080/tcp on target core is already published by app \"api\"; pick another host port",
    ] },
  { name: 'hostname clash', files: { 'services/www/service.yml': 'target: core\nimage: www:1\nroute: { subdomain: web, port: 80 }\n' }, expect: [
      "services/www/service.yml:3:10  route.subdomain  hostname web.lab.test is already routed to app \"web\"; pick another subdomain",
    ] },
  { name: 'depends_on unknown app', files: { 'services/web/service.yml': web + 'depends_on: [redis]\n' }, expect: [
      "services/web/service.yml:5:14  depends_on[0]  unknown app \"redis\"; apps: db, web",
    ] },
  { name: 'dependency cycle', files: { 'services/web/service.yml': web + 'depends_on: [db]\n', 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'depends_on: [web]\n' }, expect: [
      "services/web/service.yml:5:14  depends_on[0]  dependency cycle: db -> web -> db; remove one of these depends_on entries",
    ] },
  { name: 'depends on itself', files: { 'services/web/service.yml': web + 'depends_on: [web]\n' }, expect: [
      "services/web/service.yml:5:14  depends_on[0]  an app cannot depend on itself",
    ] },
  { name: 'file source missing', files: { 'services/web/service.yml': web + 'files: [ { source: files/site.conf, path: /etc/site.conf } ]\n' }, expect: [
      "services/web/service.yml:5:12  files[0].source  file not found: services/web/files/site.conf",
    ] },
  { name: 'file source escapes with ..', files: { 'services/web/service.yml': web + 'files: [ { source: ../db/service.yml, path: /etc/x } ]\n' }, expect: [
      "services/web/service.yml:5:12  files[0].source  \"../db/service.yml\" leaves the app folder: files must live under services/web/",
    ] },
  { name: 'file source absolute', files: { 'services/web/service.yml': web + 'files: [ { source: /etc/passwd, path: /etc/x } ]\n' }, expect: [
      "services/web/service.yml:5:12  files[0].source  \"/etc/passwd\" is absolute: give a path relative to services/web/, e.g. files/app.conf",
    ] },
  { name: 'file symlink leaves the app folder', files: { 'services/web/files/key': { symlink: '/etc/hostname' }, 'services/web/service.yml': web + 'files: [ { source: files/key, path: /etc/key } ]\n' }, expect: [
      "services/web/service.yml:5:12  files[0].source  \"files/key\" is a symlink pointing outside services/web/: copy the file into the app folder instead",
    ] },
  { name: 'secret defined nowhere', files: { 'services/web/service.yml': web + 'secrets: [SMTP_PASSWORD]\n' }, expect: [
      "services/web/service.yml:5:11  secrets[0]  secret \"SMTP_PASSWORD\" is defined in no secrets file; add it with `steward secrets set secrets/<file>.sops.yaml SMTP_PASSWORD`",
    ] },
  { name: 'env name invalid', files: { 'services/web/service.yml': web + 'env: { "1BAD": x }\n' }, expect: [
      "services/web/service.yml:5:8  env.1BAD  invalid key name: use an environment variable name (letters, digits, \"_\", not starting with a digit)",
    ] },
  { name: 'volume with neither name nor host', files: { 'services/web/service.yml': web + 'volumes: [ { path: /data } ]\n' }, expect: [
      "services/web/service.yml:5:12  volumes[0]  a volume needs exactly one of \"name\" (a named volume) or \"host\" (a host path)",
    ] },
  { name: 'remote route without a published port', files: { 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'route: { subdomain: db, port: 5432 }\n' }, expect: [
      "services/db/service.yml:5:25  route.port  the edge (core) reaches this app on target media over the network: publish the port, e.g. ports: [{ container: 5432, host: 5432 }]",
    ] },
  { name: 'sso without the sso convention', files: { 'services/web/service.yml': web.replace('port: 80 }', 'port: 80, sso: true }') }, expect: [
      "services/web/service.yml:4:36  route.sso  sso: true needs `conventions.sso` in project.yml",
    ] },
  { name: 'adopted compose with image in service.yml', files: { 'services/kuma/service.yml': 'target: core\nimage: kuma:1\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n' }, expect: [
      "services/kuma/service.yml:2:1  image  \"image\" cannot be used beside compose.yaml (the adopted compose file defines the app); allowed here: target, state, route, depends_on, health, metrics, secrets, purge",
    ] },
  { name: 'bad subdomain', files: { 'services/web/service.yml': web.replace('subdomain: web', 'subdomain: Web.App') }, expect: [
      "services/web/service.yml:4:10  route.subdomain  must be a DNS label (lowercase letters, digits, \"-\") or \"@\" for the bare domain (got \"Web.App\")",
    ] },
  { name: 'depends on an absent app', files: { 'services/web/service.yml': web + 'depends_on: [db]\n', 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'state: absent\n' }, expect: [
      "services/web/service.yml:5:14  depends_on[0]  depends on \"db\", which is state: absent",
    ] },
  { name: 'port out of range', files: { 'services/web/service.yml': web.replace('host: 8080', 'host: 80800') }, expect: [
      "services/web/service.yml:3:27  ports[0].host  must be at most 65535 (got 80800)",
    ] },
  { name: 'host port taken by the edge proxy', files: { 'services/web/service.yml': web.replace('host: 8080', 'host: 443') }, expect: [
      "services/web/service.yml:3:27  ports[0].host  host port 443/tcp on target core is taken by the edge proxy; pick another",
    ] },
  { name: 'app name reserved for the edge proxy', files: { 'services/caddy/service.yml': 'target: core\nimage: caddy:2\n' }, expect: [
      "services/caddy/service.yml:1:1  -  the app name \"caddy\" is reserved for the edge proxy while conventions.routing is set: rename the folder",
    ] },
  { name: 'route without the routing convention', files: { 'project.yml': 'name: lab\ndomain: lab.test\n' }, expect: [
      "services/web/service.yml:4:1  route  a route needs a reverse proxy: add `conventions: { routing: { provider: caddy } }` to project.yml",
    ] },
  { name: 'several errors in several files at once', files: { 'services/web/service.yml': web.replace('target: core', 'target: nas') + 'depends_on: [ghost]\n', 'network.yml': BASE_PROJECT['network.yml'].replace('edge: core', 'edge: nowhere') }, expect: [
      "network.yml:3:1  edge  unknown target \"nowhere\"; targets: core, media",
      "services/web/service.yml:1:1  target  unknown target \"nas\"; targets in network.yml: core, media",
      "services/web/service.yml:5:14  depends_on[0]  unknown app \"ghost\"; apps: db, web",
    ] },
  // Values that reach an ssh argv, a Caddyfile, targets.json or an HTTP request line.
  { name: 'target address with a shell command', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('address: 10.231.0.11', 'address: "10.77.0.21; rm -rf /"') }, expect: [
      "network.yml:6:12  targets.media.address  must be \"local\", an IPv4 or IPv6 address or a DNS name (got \"10.77.0.21; rm -rf /\")",
    ] },
  { name: 'subnet prefix longer than 32', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('10.231.0.0/24', '10.231.0.0/33') }, expect: [
      "network.yml:1:1  subnet  must be a CIDR such as 10.10.0.0/24 or fd00:10::/64: an IP address, \"/\" and a prefix length up to 32 (IPv4) or 128 (IPv6) (got \"10.231.0.0/33\")",
    ] },
  { name: 'subnet octet above 255', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('10.231.0.0/24', '10.231.0.300/24') }, expect: [
      "network.yml:1:1  subnet  must be a CIDR such as 10.10.0.0/24 or fd00:10::/64: an IP address, \"/\" and a prefix length up to 32 (IPv4) or 128 (IPv6) (got \"10.231.0.300/24\")",
    ] },
  { name: 'gateway not an IP', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('gateway: 10.231.0.1', 'gateway: router') }, expect: [
      "network.yml:2:1  gateway  must be an IP address (got \"router\")",
    ] },
  { name: 'target dir with a command substitution', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('dir: /srv/steward', 'dir: "/srv/$(id)"') }, expect: [
      "network.yml:6:34  targets.media.dir  must be an absolute path of letters, digits and \"._-\" segments, no \".\" or \"..\" segment, e.g. /var/lib/steward (got \"/srv/$(id)\")",
    ] },
  { name: 'target dir climbing with ..', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('dir: /srv/steward', 'dir: /srv/../etc') }, expect: [
      "network.yml:6:34  targets.media.dir  must be an absolute path of letters, digits and \"._-\" segments, no \".\" or \"..\" segment, e.g. /var/lib/steward (got \"/srv/../etc\")",
    ] },
  { name: 'target dir with trailing junk', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('dir: /srv/steward', 'dir: "/srv/steward x"') }, expect: [
      "network.yml:6:34  targets.media.dir  must be an absolute path of letters, digits and \"._-\" segments, no \".\" or \"..\" segment, e.g. /var/lib/steward (got \"/srv/steward x\")",
    ] },
  { name: 'target user with a ;', files: { 'network.yml': BASE_PROJECT['network.yml'].replace('dir: /srv/steward', 'user: "deploy;id"') }, expect: [
      "network.yml:6:34  targets.media.user  must be a user name: lowercase letters, digits, \"_\" and \"-\", starting with a letter or \"_\", at most 32 characters (got \"deploy;id\")",
    ] },
  { name: 'sso url that is no URL', files: { 'project.yml': BASE_PROJECT['project.yml'] + '  sso: { provider: authelia, url: "https://auth exa.org" }\n' }, expect: [
      "project.yml:5:30  conventions.sso.url  is not a URL (got \"https://auth exa.org\")",
    ] },
  { name: 'sso url with braces in the host', files: { 'project.yml': BASE_PROJECT['project.yml'] + '  sso: { provider: authelia, url: "https://a{b}.org/" }\n' }, expect: [
      "project.yml:5:30  conventions.sso.url  must name a DNS host name or an IP address (got \"https://a{b}.org/\")",
    ] },
  { name: 'acme e-mail that would break out of the Caddyfile', files: { 'project.yml': BASE_PROJECT['project.yml'].replace('tls: internal', 'tls: acme, email: "a@b.org\\n}\\n:80 {"') }, expect: [
      "project.yml:4:42  conventions.routing.email  must be an e-mail address such as admin@example.org (got \"a@b.org\\n}\\n:80 {\")",
    ] },
  { name: 'image reference with a shell command', files: { 'services/web/service.yml': web.replace('image: web:1', 'image: "web:1; rm -rf /"') }, expect: [
      "services/web/service.yml:2:1  image  must be an image reference such as caddy:2, registry.example.org:5000/team/app:1.4 or app@sha256:<digest> (got \"web:1; rm -rf /\")",
    ] },
  { name: 'health path smuggling an HTTP header', files: { 'services/web/service.yml': web + 'health: { http: "/h HTTP/1.0\\r\\nX: y" }\n' }, expect: [
      "services/web/service.yml:5:11  health.http  must be a URL path starting with \"/\", without spaces, quotes or control characters (got \"/h HTTP/1.0\\r\\nX: y\")",
    ] },
  { name: 'port bind not an IP', files: { 'services/web/service.yml': web.replace('host: 8080', 'host: 8080, bind: "0.0.0.0 -p 1"') }, expect: [
      "services/web/service.yml:3:39  ports[0].bind  must be an IP address of the host (got \"0.0.0.0 -p 1\")",
    ] },
  // Adopted compose files.
  { name: 'adopted compose with image as a list', files: { 'services/kuma/service.yml': 'target: core\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: [kuma, "1"]\n' }, expect: [
      "services/kuma/compose.yaml:3:5  services.kuma.image  must be a string (got [\"kuma\",\"1\"])",
    ] },
  { name: 'adopted compose with a misspelt key', files: { 'services/kuma/service.yml': 'target: core\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    restrat: always\n' }, expect: [
      "services/kuma/compose.yaml:4:5  services.kuma.restrat  unknown key \"restrat\"; did you mean \"restart\"? (see the Compose Specification for the keys allowed here)",
    ] },
  { name: 'adopted compose port of no allowed form', files: { 'services/kuma/service.yml': 'target: core\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    ports: [[1]]\n' }, expect: [
      "services/kuma/compose.yaml:4:13  services.kuma.ports[0]  must be a number or a string or a mapping (key: value) (got [1])",
    ] },
  { name: 'adopted compose environment values are not quoted back', files: { 'services/kuma/service.yml': 'target: core\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    environment: { PASSWORD: [hunter2] }\n' }, expect: [
      "services/kuma/compose.yaml:4:5  services.kuma.environment  must be a mapping (key: value) or a list (got a value not shown here)",
    ] },
  { name: 'adopted compose ports that do not parse', files: { 'services/kuma/service.yml': 'target: core\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    ports: ["30o0:80", { target: 80, published: "70000" }, "${PORT}:80"]\n' }, expect: [
      "services/kuma/compose.yaml:4:13  services.kuma.ports[0]  port \"30o0:80\" has host port \"30o0\", not a port or range within 1-65535; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. \"3000:80\"",
      "services/kuma/compose.yaml:4:24  services.kuma.ports[1]  port {\"target\":80,\"published\":\"70000\"} has \"published\" \"70000\", not a port or range within 1-65535",
      "services/kuma/compose.yaml:4:60  services.kuma.ports[2]  port \"${PORT}:80\" uses variable interpolation, which steward does not resolve: write the port numbers",
    ] },
  { name: 'adopted route port not published', files: { 'services/kuma/service.yml': 'target: media\nroute: { subdomain: status, port: 3001 }\n', 'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    ports: ["3001", "127.0.0.1:3002:3001", "3003:3001/udp"]\n' }, expect: [
      "services/kuma/service.yml:2:29  route.port  container port 3001 is not published over TCP by services/kuma/compose.yaml; the edge (core) reaches adopted apps through a host port: add e.g. ports: [\"3001:3001\"] to the service listening on 3001",
    ] },
  { name: 'adopted host port clashes with a service.yml app', files: { 'services/wiki/service.yml': 'target: core\n', 'services/wiki/compose.yaml': 'services:\n  wiki:\n    image: wiki:1\n    ports:\n      - "9000:9000"\n      - "8080:80"\n' }, expect: [
      "services/wiki/compose.yaml:6:9  services.wiki.ports[1]  host port 8080/tcp on target core is already published by app \"web\"; pick another host port",
    ] },
  { name: 'adopted host port taken by the edge proxy', files: { 'services/wiki/service.yml': 'target: core\n', 'services/wiki/compose.yaml': 'services:\n  wiki:\n    image: wiki:1\n    ports: [{ target: 80, published: 443, host_ip: 0.0.0.0 }]\n' }, expect: [
      "services/wiki/compose.yaml:4:13  services.wiki.ports[0]  host port 443/tcp on target core is taken by the edge proxy; pick another",
    ] },
];
