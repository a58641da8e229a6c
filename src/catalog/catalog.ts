// Steward's built-in catalog of self-hosted apps, for `steward app add`. Images
// are the names the projects publish, pinned to a release tag: an upgrade is a
// reviewed change of the tag in service.yml, never a moved `latest`.

export interface CatalogSecret {
  /** The environment variable the app reads, and the key in the secrets file. */
  readonly name: string;
  readonly what: string;
}

export interface CatalogEntry {
  readonly key: string;
  readonly description: string;
  /** gethomepage's icon name (the dashboard-icons set), for conventions.homepage. */
  readonly icon?: string;
  readonly image: string;
  /** The container port of the web interface; the route's port. */
  readonly port?: number;
  /** Default route subdomain; none: the app has no web interface to route. */
  readonly subdomain?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly secrets?: readonly CatalogSecret[];
  readonly volumes?: readonly { readonly name: string; readonly path: string }[];
  /** Host ports the app needs published besides its route (DNS, sync protocols, SSH). */
  readonly ports?: readonly { readonly container: number; readonly host: number; readonly protocol?: 'udp' }[];
  readonly health?: { readonly http: string; readonly port: number };
  readonly metrics?: { readonly path: string; readonly port: number };
  /** Merged into the compose service: healthchecks of apps without HTTP. */
  readonly compose?: Readonly<Record<string, unknown>>;
  /** Said after adding: companions to add, first-run steps. */
  readonly notes?: readonly string[];
}

/** `{host}` in an env value becomes the app's route host (`<subdomain>.<domain>`). */
export const HOST_PLACEHOLDER = '{host}';

const TZ = { TZ: 'Etc/UTC' };

const pgHealth = (user: string) => ({ healthcheck: { test: ['CMD-SHELL', `pg_isready -U ${user}`], interval: '10s', retries: 10 } });

export const CATALOG: readonly CatalogEntry[] = [
  {
    key: 'adguardhome',
    description: 'network-wide DNS ad blocker',
    icon: 'adguard-home.png',
    image: 'adguard/adguardhome:v0.107.55',
    port: 3000,
    subdomain: 'adguard',
    volumes: [{ name: 'work', path: '/opt/adguardhome/work' }, { name: 'conf', path: '/opt/adguardhome/conf' }],
    ports: [{ container: 53, host: 53 }, { container: 53, host: 53, protocol: 'udp' }],
    health: { http: '/', port: 3000 },
    notes: ['In the first-run wizard keep the web interface on port 3000 (the route and the health check use it).'],
  },
  {
    key: 'audiobookshelf',
    description: 'audiobook and podcast server',
    icon: 'audiobookshelf.png',
    image: 'ghcr.io/advplyr/audiobookshelf:2.17.2',
    port: 80,
    subdomain: 'audiobooks',
    env: TZ,
    volumes: [{ name: 'config', path: '/config' }, { name: 'metadata', path: '/metadata' }, { name: 'audiobooks', path: '/audiobooks' }, { name: 'podcasts', path: '/podcasts' }],
    health: { http: '/healthcheck', port: 80 },
  },
  {
    key: 'forgejo',
    description: 'git forge (the one Steward runs on)',
    icon: 'forgejo.png',
    image: 'codeberg.org/forgejo/forgejo:9.0.3',
    port: 3000,
    subdomain: 'git',
    env: { USER_UID: '1000', USER_GID: '1000', FORGEJO__server__ROOT_URL: `https://${HOST_PLACEHOLDER}/`, FORGEJO__server__SSH_PORT: '2222', FORGEJO__metrics__ENABLED: 'true' },
    volumes: [{ name: 'data', path: '/data' }],
    ports: [{ container: 22, host: 2222 }],
    health: { http: '/api/healthz', port: 3000 },
    metrics: { path: '/metrics', port: 3000 },
  },
  {
    key: 'freshrss',
    description: 'RSS and Atom feed reader',
    icon: 'freshrss.png',
    image: 'freshrss/freshrss:1.24.3',
    port: 80,
    subdomain: 'rss',
    env: { ...TZ, CRON_MIN: '*/20' },
    volumes: [{ name: 'data', path: '/var/www/FreshRSS/data' }, { name: 'extensions', path: '/var/www/FreshRSS/extensions' }],
    health: { http: '/i/', port: 80 },
  },
  {
    key: 'grafana',
    description: 'dashboards for metrics and logs',
    icon: 'grafana.png',
    image: 'grafana/grafana:11.3.1',
    port: 3000,
    subdomain: 'grafana',
    env: { GF_SERVER_ROOT_URL: `https://${HOST_PLACEHOLDER}` },
    secrets: [{ name: 'GF_SECURITY_ADMIN_PASSWORD', what: 'password of Grafana\'s admin user' }],
    volumes: [{ name: 'data', path: '/var/lib/grafana' }],
    health: { http: '/api/health', port: 3000 },
    metrics: { path: '/metrics', port: 3000 },
  },
  {
    key: 'home-assistant',
    description: 'home automation',
    icon: 'home-assistant.png',
    image: 'ghcr.io/home-assistant/home-assistant:2024.11.3',
    port: 8123,
    subdomain: 'home',
    env: TZ,
    volumes: [{ name: 'config', path: '/config' }],
    health: { http: '/manifest.json', port: 8123 },
    notes: ['Behind the proxy Home Assistant needs `http: { use_x_forwarded_for: true, trusted_proxies: [<the edge network>] }` in configuration.yaml.'],
  },
  {
    key: 'homepage',
    description: 'start page for your services',
    icon: 'homepage.png',
    image: 'ghcr.io/gethomepage/homepage:v0.9.13',
    port: 3000,
    subdomain: 'start',
    volumes: [{ name: 'config', path: '/app/config' }],
    health: { http: '/', port: 3000 },
  },
  {
    key: 'immich',
    description: 'photo and video backup (server)',
    icon: 'immich.png',
    image: 'ghcr.io/immich-app/immich-server:v1.120.2',
    port: 2283,
    subdomain: 'photos',
    env: { ...TZ, DB_HOSTNAME: 'immich-postgres', DB_USERNAME: 'immich', DB_DATABASE_NAME: 'immich', REDIS_HOSTNAME: 'immich-redis' },
    secrets: [{ name: 'DB_PASSWORD', what: 'password of the immich database user (the same value as immich-postgres\'s POSTGRES_PASSWORD)' }],
    volumes: [{ name: 'upload', path: '/usr/src/app/upload' }],
    health: { http: '/api/server/ping', port: 2283 },
    notes: [
      'immich needs its database and cache, on the same target:',
      '  steward app add immich-postgres --target <T>',
      '  steward app add immich-redis --from redis --target <T>',
      'then add `depends_on: [immich-postgres, immich-redis]` to its service.yml.',
    ],
  },
  {
    key: 'immich-postgres',
    description: 'PostgreSQL with the vector extension immich needs',
    icon: 'postgres.png',
    image: 'tensorchord/pgvecto-rs:pg14-v0.2.0',
    env: { POSTGRES_USER: 'immich', POSTGRES_DB: 'immich', POSTGRES_INITDB_ARGS: '--data-checksums' },
    secrets: [{ name: 'POSTGRES_PASSWORD', what: 'password of the immich database user' }],
    volumes: [{ name: 'data', path: '/var/lib/postgresql/data' }],
    compose: pgHealth('immich'),
  },
  {
    key: 'jellyfin',
    description: 'media server for films, series and music',
    icon: 'jellyfin.png',
    image: 'jellyfin/jellyfin:10.10.3',
    port: 8096,
    subdomain: 'jellyfin',
    env: { ...TZ, JELLYFIN_PublishedServerUrl: `https://${HOST_PLACEHOLDER}` },
    volumes: [{ name: 'config', path: '/config' }, { name: 'cache', path: '/cache' }, { name: 'media', path: '/media' }],
    health: { http: '/health', port: 8096 },
    metrics: { path: '/metrics', port: 8096 },
    notes: ['To serve an existing media folder, replace the `media` volume by `{ host: /srv/media, path: /media, readonly: true }`.'],
  },
  {
    key: 'mealie',
    description: 'recipe manager and meal planner',
    icon: 'mealie.png',
    image: 'ghcr.io/mealie-recipes/mealie:v2.3.0',
    port: 9000,
    subdomain: 'recipes',
    env: { ...TZ, BASE_URL: `https://${HOST_PLACEHOLDER}`, ALLOW_SIGNUP: 'false' },
    volumes: [{ name: 'data', path: '/app/data' }],
    health: { http: '/api/app/about', port: 9000 },
  },
  {
    key: 'navidrome',
    description: 'music streaming server (Subsonic API)',
    icon: 'navidrome.png',
    image: 'deluan/navidrome:0.53.3',
    port: 4533,
    subdomain: 'music',
    env: { ND_PROMETHEUS_ENABLED: 'true' },
    volumes: [{ name: 'data', path: '/data' }, { name: 'music', path: '/music' }],
    health: { http: '/ping', port: 4533 },
    metrics: { path: '/metrics', port: 4533 },
  },
  {
    key: 'nextcloud',
    description: 'files, calendar and contacts',
    icon: 'nextcloud.png',
    image: 'nextcloud:29.0.9-apache',
    port: 80,
    subdomain: 'cloud',
    env: { NEXTCLOUD_ADMIN_USER: 'admin', NEXTCLOUD_TRUSTED_DOMAINS: HOST_PLACEHOLDER, OVERWRITEPROTOCOL: 'https' },
    secrets: [{ name: 'NEXTCLOUD_ADMIN_PASSWORD', what: 'password of the admin user created on the first start' }],
    volumes: [{ name: 'html', path: '/var/www/html' }],
    health: { http: '/status.php', port: 80 },
    notes: ['With no database settings Nextcloud uses SQLite; for PostgreSQL add `postgres` and set POSTGRES_HOST, POSTGRES_DB, POSTGRES_USER and the POSTGRES_PASSWORD secret.'],
  },
  {
    key: 'paperless-ngx',
    description: 'document archive with OCR',
    icon: 'paperless-ngx.png',
    image: 'ghcr.io/paperless-ngx/paperless-ngx:2.13.5',
    port: 8000,
    subdomain: 'paperless',
    env: { PAPERLESS_URL: `https://${HOST_PLACEHOLDER}`, PAPERLESS_REDIS: 'redis://paperless-redis:6379', PAPERLESS_ADMIN_USER: 'admin', PAPERLESS_TIME_ZONE: 'Etc/UTC' },
    secrets: [
      { name: 'PAPERLESS_SECRET_KEY', what: 'Django secret key: a long random string' },
      { name: 'PAPERLESS_ADMIN_PASSWORD', what: 'password of the admin user created on the first start' },
    ],
    volumes: [{ name: 'data', path: '/usr/src/paperless/data' }, { name: 'media', path: '/usr/src/paperless/media' }, { name: 'consume', path: '/usr/src/paperless/consume' }],
    health: { http: '/', port: 8000 },
    notes: [
      'paperless-ngx needs a Redis on the same target:',
      '  steward app add paperless-redis --from redis --target <T>',
      'then add `depends_on: [paperless-redis]` to its service.yml.',
    ],
  },
  {
    key: 'postgres',
    description: 'PostgreSQL database',
    icon: 'postgres.png',
    image: 'postgres:16.6',
    env: { POSTGRES_USER: 'app', POSTGRES_DB: 'app' },
    secrets: [{ name: 'POSTGRES_PASSWORD', what: 'password of the database user' }],
    volumes: [{ name: 'data', path: '/var/lib/postgresql/data' }],
    compose: pgHealth('app'),
    notes: ['Other apps of the project reach it as <NAME>:5432.'],
  },
  {
    key: 'prometheus',
    description: 'metrics database and alerting',
    icon: 'prometheus.png',
    image: 'prom/prometheus:v2.55.1',
    port: 9090,
    subdomain: 'prometheus',
    volumes: [{ name: 'data', path: '/prometheus' }],
    health: { http: '/-/healthy', port: 9090 },
    metrics: { path: '/metrics', port: 9090 },
    notes: ['The image\'s own prometheus.yml scrapes Prometheus alone; mount yours with `files:` (rendered/conventions/prometheus/targets.json lists the apps with metrics).'],
  },
  {
    key: 'redis',
    description: 'in-memory cache (companion of immich and paperless-ngx)',
    icon: 'redis.png',
    image: 'redis:7.4.1-alpine',
    volumes: [{ name: 'data', path: '/data' }],
    compose: { healthcheck: { test: ['CMD', 'redis-cli', 'ping'], interval: '10s', retries: 10 } },
  },
  {
    key: 'syncthing',
    description: 'continuous file synchronisation',
    icon: 'syncthing.png',
    image: 'syncthing/syncthing:1.28.1',
    port: 8384,
    subdomain: 'sync',
    volumes: [{ name: 'data', path: '/var/syncthing' }],
    ports: [{ container: 22000, host: 22000 }, { container: 22000, host: 22000, protocol: 'udp' }, { container: 21027, host: 21027, protocol: 'udp' }],
    health: { http: '/rest/noauth/health', port: 8384 },
  },
  {
    key: 'uptime-kuma',
    description: 'uptime monitoring and status pages',
    icon: 'uptime-kuma.png',
    image: 'louislam/uptime-kuma:1.23.15',
    port: 3001,
    subdomain: 'status',
    volumes: [{ name: 'data', path: '/app/data' }],
    health: { http: '/', port: 3001 },
  },
  {
    key: 'vaultwarden',
    description: 'password manager (Bitwarden compatible)',
    icon: 'vaultwarden.png',
    image: 'vaultwarden/server:1.32.5',
    port: 80,
    subdomain: 'vault',
    env: { DOMAIN: `https://${HOST_PLACEHOLDER}`, SIGNUPS_ALLOWED: 'false' },
    secrets: [{ name: 'ADMIN_TOKEN', what: 'token of the /admin page (an argon2 PHC string from `vaultwarden hash`, or a long random string)' }],
    volumes: [{ name: 'data', path: '/data' }],
    health: { http: '/alive', port: 80 },
  },
];

export function catalogEntry(key: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.key === key);
}
