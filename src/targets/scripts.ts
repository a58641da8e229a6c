// Shell scripts run on a target's host (over one ssh call, or `sh -c` locally).
// Plain POSIX sh and the docker CLI, so any host with Docker can run them.
import { checkLiveDir, checkLivePath, LIVE_SIGNALS, type LiveSignal } from './live';
import { checkReleaseId } from './release';
import { shQuote } from './ssh';
import { composeProjectName, LABEL_APP, LABEL_PROJECT, projectNetworkName } from './target';

export const MARK_CONTAINERS = '@@steward-containers';
export const MARK_IMAGES = '@@steward-images';
export const MARK_HTTP = '@@steward-http';
export const MARK_PROBLEM = '@@steward-problem';
export const MARK_ENGINE = '@@steward-engine';
export const MARK_SOCKET = '@@steward-socket';

/** One JSON object per container, prefixed by its image ID (which the script reuses for the digests). */
const INSPECT_FORMAT =
  '{{.Image}} {"id":{{json .Id}},"name":{{json .Name}},"image":{{json .Config.Image}},"imageId":{{json .Image}},' +
  '"labels":{{json .Config.Labels}},"state":{{json .State}}}';

/** Every host script starts with it: a clear message where the docker CLI is missing. */
export const NEED_DOCKER = `command -v docker >/dev/null 2>&1 || { echo "the docker CLI is not installed on the host" >&2; exit 127; }`;

/** Containers matching the filters, inspected, then (for observe) the digests of their images: one round trip. */
function inspectContainers(filters: string[], withImages = true): string {
  const f = filters.map((x) => `--filter ${shQuote(x)}`).join(' ');
  return [
    NEED_DOCKER,
    `ids=$(docker ps -aq --no-trunc ${f}) || exit 3`,
    `echo ${MARK_CONTAINERS}`,
    `out=""`,
    `[ -z "$ids" ] || out=$(docker inspect --format ${shQuote(INSPECT_FORMAT)} $ids) || exit 3`,
    `[ -z "$out" ] || printf '%s\\n' "$out"`,
    `echo ${MARK_IMAGES}`,
    ...(withImages ? [`[ -z "$out" ] || docker image inspect --format '{{json .Id}} {{json .RepoDigests}}' $(printf '%s\\n' "$out" | cut -d' ' -f1 | sort -u) 2>/dev/null || true`] : []),
  ].join('\n');
}

export const MARK_RELEASES = '@@steward-releases';
export const MARK_LIVE = '@@steward-live';
export const MARK_SYNCED = '@@steward-synced';
export const MARK_RELOADED = '@@steward-reloaded';

/**
 * The containers, then (with the apps dir) per app its current release: the
 * release.json written at upload and digests of what is on disk now (the files,
 * secrets.env, compose.yaml), computed on the host: content never leaves it.
 * Still one round trip.
 */
export function observeScript(project?: string, appsDir?: string): string {
  const containers = inspectContainers([project ? `label=${LABEL_PROJECT}=${project}` : `label=${LABEL_PROJECT}`]);
  if (!project || !appsDir) return containers;
  return [
    containers,
    `echo ${MARK_RELEASES}`,
    `for c in ${shQuote(`${appsDir.replace(/\/+$/, '')}/${project}`)}/*/current; do`,
    '  [ -f "$c/release.json" ] || continue',
    '  a=${c%/current}; a=${a##*/}',
    `  f=$( (cd "$c" && find files -type f -exec sha256sum {} + 2>/dev/null) | LC_ALL=C sort | sha256sum | cut -d' ' -f1)`,
    `  e=$(sha256sum < "$c/secrets.env" 2>/dev/null | cut -d' ' -f1)`,
    `  k=$(sha256sum < "$c/compose.yaml" 2>/dev/null | cut -d' ' -f1)`,
    `  printf '%s %s %s %s ' "$a" "\${f:--}" "\${e:--}" "\${k:--}"`,
    `  tr -d '\\n' < "$c/release.json"; echo`,
    'done',
    // Live dirs (syncFiles): every other dir in an app dir. Digests only, like the releases'.
    `echo ${MARK_LIVE}`,
    `for d in ${shQuote(`${appsDir.replace(/\/+$/, '')}/${project}`)}/*/*/; do`,
    '  [ -d "$d" ] || continue',
    '  d=${d%/}; n=${d##*/}; a=${d%/*}; a=${a##*/}',
    '  case "$n" in releases|files|current) continue ;; esac',
    `  g=$( (cd "$d" && find . -type f -exec sha256sum {} + 2>/dev/null) | LC_ALL=C sort | sha256sum | cut -d' ' -f1)`,
    `  printf '%s %s %s\\n' "$a" "$n" "$g"`,
    'done',
  ].join('\n');
}

/**
 * Makes `<appDir>/<dir>/` hold exactly these files (the tar on stdin): others
 * go, each changed one is renamed over the old, so a reader sees the old file
 * or the new one, never half of one. Unchanged files are not touched (file
 * watchers see nothing). Prints a MARK_SYNCED line per change. With
 * `reload`, a change is followed by that signal to the app's running
 * containers (an app that re-reads its config only when told), in the same
 * call, and a MARK_RELOADED line with their ids.
 */
export function syncFilesScript(appDir: string, dir: string, paths: string[], reload?: { project: string; app: string; signal: LiveSignal }): string {
  const d = checkLiveDir(dir);
  if (reload && !LIVE_SIGNALS.includes(reload.signal)) throw new Error(`invalid reload signal ${JSON.stringify(reload.signal)}: one of ${LIVE_SIGNALS.join(', ')}`);
  const wanted = paths.map((p) => shQuote(checkLivePath(p)));
  const base = appDir.replace(/\/+$/, '');
  return [
    'set -eu',
    // The files are read by a container's own (often non-root) user.
    'umask 022',
    `D=${shQuote(`${base}/${d}`)}`,
    // Staged beside the dir, on the same filesystem, so that mv is a rename.
    `S=${shQuote(`${base}/.sync-${d}`)}`,
    'mkdir -p "$D"',
    `chmod 711 ${shQuote(base)}`,
    'chmod 755 "$D"',
    'rm -rf "$S"',
    'mkdir "$S"',
    'tar -xf - -C "$S"',
    'cd "$D"',
    'find . ! -type d | while IFS= read -r f; do',
    '  f=${f#./}',
    '  case "$f" in',
    ...(wanted.length ? [`    ${wanted.join('|')}) ;;`] : []),
    `    *) rm -f "./$f"; echo "${MARK_SYNCED} removed $f"; : > "$S/.changed" ;;`,
    '  esac',
    'done',
    'find . -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true',
    ...(wanted.length
      ? [
          `for f in ${wanted.join(' ')}; do`,
          '  cmp -s "$S/$f" "./$f" && continue',
          '  mkdir -p "$(dirname "./$f")"',
          '  mv -f "$S/$f" "./$f"',
          `  echo "${MARK_SYNCED} wrote $f"`,
          '  : > "$S/.changed"',
          'done',
        ]
      : []),
    ...(reload ? ['c=0', '[ ! -e "$S/.changed" ] || c=1'] : []),
    'rm -rf "$S"',
    ...(reload
      ? [
          'if [ "$c" = 1 ]; then',
          `  ${NEED_DOCKER}`,
          `  ids=$(docker ps -q --no-trunc --filter ${shQuote(`label=${LABEL_PROJECT}=${reload.project}`)} --filter ${shQuote(`label=${LABEL_APP}=${reload.app}`)} --filter status=running)`,
          `  [ -z "$ids" ] || docker kill --signal ${reload.signal} $ids >/dev/null`,
          `  echo ${MARK_RELOADED} $ids`,
          'fi',
        ]
      : []),
  ].join('\n');
}

/**
 * The app's containers plus, when asked, the HTTP check run on the target host
 * against the container's own address: the runner usually cannot reach a
 * target's container networks, the host always can, and no port needs to be
 * published nor any tool to exist inside the image.
 */
export function healthScript(project: string, app: string, http?: { path: string; port: number }): string {
  const cp = composeProjectName(project, app);
  // Every container carrying the app's labels, compose-owned or not, so that apply
  // sees hand-made strays in the same round trip. Polls run often: no image
  // digests, and one inspect picks the container to check and its address.
  const lines = [inspectContainers([`label=${LABEL_PROJECT}=${project}`, `label=steward.app=${app}`], false)];
  if (http) {
    const path = http.path.startsWith('/') ? http.path : `/${http.path}`;
    lines.push(
      `pick=""`,
      `[ -z "$ids" ] || pick=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' $ids | awk -v cp=${shQuote(cp)} -v svc=${shQuote(app)} '$1 == cp && $3 == "true" { a = ($4 != "" ? $4 : "127.0.0.1"); if ($2 == svc && own == "") own = a; if (any == "") any = a } END { print (own != "" ? own : any) }')`,
      `if [ -z "$pick" ]; then echo "${MARK_HTTP} none"; exit 0; fi`,
      `ip=$pick`,
      // The path keeps only URL characters, none the shell gives a meaning to inside double quotes.
      `url="http://$ip:${checkPort(http.port)}${path.replace(/[^A-Za-z0-9/._~?&=%+-]/g, '')}"`,
      'if command -v curl >/dev/null 2>&1; then curl -fsS -m 5 -o /dev/null "$url" 2>/dev/null; rc=$?',
      'elif command -v wget >/dev/null 2>&1; then wget -q -T 5 -O /dev/null "$url" 2>/dev/null; rc=$?',
      'elif command -v busybox >/dev/null 2>&1; then busybox wget -q -T 5 -O /dev/null "$url" 2>/dev/null; rc=$?',
      'else rc=127; fi',
      `echo "${MARK_HTTP} $rc $url"`,
    );
  }
  return lines.join('\n');
}

/**
 * Unpacks the tar on stdin into a new release dir, beside the others; nothing
 * that runs reads it until activateReleaseScript points `current` at it.
 * Half-written releases of a killed run (they hold secrets) go first.
 */
export function uploadReleaseScript(appDir: string, id: string): string {
  checkReleaseId(id);
  return [
    'set -eu',
    // Secrets land with 0600 from the first byte.
    'umask 077',
    `D=${shQuote(appDir)}`,
    `I=${shQuote(id)}`,
    'mkdir -p "$D/releases"',
    'chmod 711 "$D" "$D/releases"',
    'rm -rf "$D"/releases/.incoming-*',
    'T="$D/releases/.incoming-$I"',
    'mkdir "$T"',
    'tar -xf - -C "$T"',
    // Mounted config files must be readable by a container's non-root user.
    'if [ -d "$T/files" ]; then chmod -R a+rX "$T/files"; fi',
    'chmod 600 "$T/compose.yaml" "$T/secrets.env" "$T/release.json"',
    'chmod 711 "$T"',
    'mv "$T" "$D/releases/$I"',
  ].join('\n');
}

/**
 * Points `current` at the release (a symlink renamed over the old one: never
 * a moment without one), drops the layout from before releases, and keeps the
 * newest `keep` releases, current always among them.
 */
export function activateReleaseScript(appDir: string, id: string, keep: number): string {
  checkReleaseId(id);
  const n = Math.max(1, Math.floor(keep));
  return [
    'set -eu',
    `cd ${shQuote(appDir)}`,
    `I=${shQuote(id)}`,
    '[ -d "releases/$I" ] || { echo "release $I is missing" >&2; exit 3; }',
    'rm -f .current.new',
    'ln -s "releases/$I" .current.new',
    // GNU mv -T renames over the link itself; elsewhere a short gap is the best there is.
    'mv -T .current.new current 2>/dev/null || { rm -f current; mv .current.new current; }',
    'rm -rf files compose.yaml compose.previous.yaml secrets.env .incoming',
    'n=0',
    'for r in $(ls -1 releases | LC_ALL=C sort -r); do',
    '  [ "$r" = "$I" ] && continue',
    '  n=$((n + 1))',
    `  [ "$n" -lt ${n} ] || rm -rf "releases/$r"`,
    'done',
  ].join('\n');
}

/**
 * Prints the current release's release.json, compose.yaml and secrets.env,
 * each after a `<marker> <name>` line (marker: random per call, so no content
 * can fake one); exit 44 when there is none. For rollback: read into memory.
 */
export function readReleaseScript(appDir: string, marker: string): string {
  if (!/^@@steward-part-[0-9a-f]{16}$/.test(marker)) throw new Error(`invalid marker ${JSON.stringify(marker)}`);
  const part = (name: string) => `echo "${marker} ${name}"; cat "$C/${name}"; echo`;
  return [
    `C=${shQuote(appDir)}/current`,
    '[ -f "$C/release.json" ] && [ -f "$C/compose.yaml" ] && [ -f "$C/secrets.env" ] || exit 44',
    'set -e',
    part('release.json'),
    part('compose.yaml'),
    part('secrets.env'),
  ].join('\n');
}

/** The start of a prepare: the CLI is there, the engine answers (its version), a problem line and exit otherwise. */
export const prepareEngineLines = (): string[] => [
  `command -v docker >/dev/null 2>&1 || { echo "${MARK_PROBLEM} the docker CLI is not installed on the host"; exit 0; }`,
  `v=$(docker version --format '{{.Server.Version}}' 2>&1) || { echo "${MARK_PROBLEM} the Docker engine does not answer: $v" | head -n 1; exit 0; }`,
  `echo "${MARK_ENGINE} $v"`,
];

/** Where the host's docker CLI finds its engine (Steward forwards that socket over the SSH connection), and the apps directories. */
export function prepareHostLines(project: string, dir: string, apps: string[]): string[] {
  const dirs = [`${dir}/${project}`, ...apps.map((a) => `${dir}/${project}/${a}`)].map(shQuote).join(' ');
  return [
    `h=\${DOCKER_HOST:-}; [ -n "$h" ] || h=$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null) || h=""`,
    `echo "${MARK_SOCKET} $h"`,
    `mkdir -p ${dirs} 2>/dev/null && chmod 711 ${dirs} 2>/dev/null || echo ${shQuote(`${MARK_PROBLEM} cannot create the apps directory ${dir}/${project} (permissions?)`)}`,
  ];
}

export function prepareScript(project: string, dir: string, apps: string[]): string {
  const net = projectNetworkName(project);
  return [
    ...prepareEngineLines(),
    ...prepareHostLines(project, dir, apps),
    `docker network inspect ${shQuote(net)} >/dev/null 2>&1 || docker network create --label ${shQuote(`${LABEL_PROJECT}=${project}`)} ${shQuote(net)} >/dev/null 2>&1 || docker network inspect ${shQuote(net)} >/dev/null 2>&1 || echo ${shQuote(`${MARK_PROBLEM} cannot create the network ${net}`)}`,
  ].join('\n');
}

export function logsScript(project: string, app: string, lines: number): string {
  const cp = composeProjectName(project, app);
  return [
    NEED_DOCKER,
    `for id in $(docker ps -aq --filter ${shQuote(`label=com.docker.compose.project=${cp}`)}); do`,
    `  echo "@@steward-logs $(docker inspect --format '{{.Name}}' "$id")"`,
    `  docker logs --tail ${lineCount(lines)} "$id" 2>&1`,
    'done',
  ].join('\n');
}

export function containerLogsScript(id: string, lines: number): string {
  return `docker logs --tail ${lineCount(lines)} ${shQuote(checkContainerId(id))} 2>&1`;
}

export function removeDirScript(appDir: string): string {
  return `rm -rf ${shQuote(appDir)}`;
}

/**
 * Removes the app's Steward-labelled containers that compose does not own
 * (`keep`): someone ran them by hand, and compose would neither replace nor
 * remove them. Only containers carrying this app's labels are touched.
 */
export function pruneStraysScript(project: string, app: string, keep: string[]): string {
  return [
    NEED_DOCKER,
    `keep=${shQuote(keep.map(checkContainerId).join(' '))}`,
    `for id in $(docker ps -aq --no-trunc --filter ${shQuote(`label=${LABEL_PROJECT}=${project}`)} --filter ${shQuote(`label=steward.app=${app}`)}); do`,
    '  owned=""',
    '  for k in $keep; do case "$id" in "$k"*) owned=1 ;; esac; done',
    '  [ -n "$owned" ] || { docker rm -f "$id" >/dev/null && echo "removed $id"; }',
    'done',
  ].join('\n');
}

export const MARK_REMAINING = '@@steward-remaining';

/**
 * Removes containers by id (never by name or label: a leftover may carry the
 * labels of a real app), then prints the ids of those still there.
 */
export function removeContainersScript(ids: string[]): string {
  const list = ids.map((id) => shQuote(checkContainerId(id))).join(' ');
  return [
    NEED_DOCKER,
    `for id in ${list}; do docker rm -f "$id" >/dev/null 2>&1 || true; done`,
    `echo ${MARK_REMAINING}`,
    `for id in ${list}; do docker inspect --format '{{.Id}}' "$id" 2>/dev/null || true; done`,
  ].join('\n');
}

export function checkContainerId(id: string): string {
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`invalid container id ${JSON.stringify(id)}: expected 12 to 64 hex digits`);
  return id;
}

function lineCount(lines: number): number {
  return Number.isFinite(lines) ? Math.max(1, Math.floor(lines)) : 50;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${JSON.stringify(port)}: expected 1 to 65535`);
  return port;
}
