// Shell scripts run on a swarm's manager: plain sh and the docker CLI.
import { shQuote } from './ssh';
import { activateReleaseScript, MARK_PROBLEM, NEED_DOCKER, prepareEngineLines, prepareHostLines, uploadReleaseScript } from './scripts';
import { MARK_NODES, MARK_SERVICES, MARK_TASKS, STACK_LABEL } from './swarm-observe';
import { LABEL_APP, LABEL_PROJECT, projectNetworkName } from './target';

/** Services with these labels, their tasks and the nodes, each section one JSON array on one line: one round trip. */
export function swarmListScript(filters: string[]): string {
  const f = filters.map((x) => `--filter ${shQuote(`label=${x}`)}`).join(' ');
  return [
    NEED_DOCKER,
    `s=$(docker service ls -q ${f}) || exit 3`,
    `echo ${MARK_SERVICES}`,
    `[ -z "$s" ] || docker service inspect $s | tr -d '\\n' || exit 3; echo`,
    `echo ${MARK_TASKS}`,
    't=""',
    `[ -z "$s" ] || t=$(docker service ps -q --no-trunc $s 2>/dev/null) || t=""`,
    `[ -z "$t" ] || docker inspect --type task $t 2>/dev/null | tr -d '\\n'; echo`,
    `echo ${MARK_NODES}`,
    `docker node inspect $(docker node ls -q) | tr -d '\\n' || exit 3; echo`,
  ].join('\n');
}

export function swarmObserveScript(project?: string): string {
  return swarmListScript([project ? `${LABEL_PROJECT}=${project}` : LABEL_PROJECT]);
}

export function stackListScript(stack: string): string {
  return swarmListScript([`${STACK_LABEL}=${stack}`]);
}

/** Engine, that it is a swarm manager, where its socket is, the overlay network and the apps directories. */
export const MARK_NOTE = '@@steward-note';
export const NO_IPVS_NOTE = "the manager's kernel has no IPVS: Swarm's virtual IPs and routing mesh do not route here; use publish: host and endpoint_mode: dnsrr on this target";

export function swarmPrepareScript(project: string, dir: string, apps: string[]): string {
  const net = projectNetworkName(project);
  return [
    ...prepareEngineLines(),
    `m=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)`,
    `[ "$m" = "active true" ] || { echo "${MARK_PROBLEM} this host is not a swarm manager (swarm state: $m): run docker swarm init, or name a manager as the target's address"; exit 0; }`,
    ...prepareHostLines(project, dir, apps),
    // Attachable: a proxy outside the stacks (docker run, compose on a node) can join it.
    `d=$(docker network inspect --format '{{.Driver}}' ${shQuote(net)} 2>/dev/null) || d=""`,
    `[ -n "$d" ] || docker network create --driver overlay --attachable --label ${shQuote(`${LABEL_PROJECT}=${project}`)} ${shQuote(net)} >/dev/null 2>&1 || d=$(docker network inspect --format '{{.Driver}}' ${shQuote(net)} 2>/dev/null) || echo ${shQuote(`${MARK_PROBLEM} cannot create the overlay network ${net}`)}`,
    // Docker loads ip_vs when a swarm has its ingress network; absent, the kernel has none (the test environment's).
    `[ -e /proc/net/ip_vs ] || echo ${shQuote(`${MARK_NOTE} ${NO_IPVS_NOTE}`)}`,
    `[ -z "$d" ] || [ "$d" = overlay ] || echo ${shQuote(`${MARK_PROBLEM} network ${net} exists on the manager but is not an overlay network: remove it (docker network rm ${net})`)}`,
  ].join('\n');
}

/**
 * Removes the app's configs and secrets no service uses any more (Swarm
 * refuses to remove one in use; `stack deploy --prune` leaves them all,
 * docker/cli #203). Prints what it removed.
 */
export function pruneObjectsScript(project: string, app: string): string {
  const f = `--filter ${shQuote(`label=${LABEL_PROJECT}=${project}`)} --filter ${shQuote(`label=${LABEL_APP}=${app}`)}`;
  return [
    NEED_DOCKER,
    // One rm for all: it removes the unused ones, prints each, and refuses (on stderr) those in use.
    'for kind in config secret; do',
    `  n=$(docker $kind ls --format '{{.Name}}' ${f}) || continue`,
    '  [ -z "$n" ] || docker $kind rm $n 2>/dev/null | sed "s/^/removed $kind /"',
    'done',
    'true',
  ].join('\n');
}

/**
 * After a healthy rollout, in one round trip: the release (the archive on
 * stdin) stored and made current, and the app's configs and secrets no
 * service uses any more removed.
 */
export function storeReleaseScript(appDir: string, id: string, keep: number, project: string, app: string): string {
  return [uploadReleaseScript(appDir, id), activateReleaseScript(appDir, id, keep), pruneObjectsScript(project, app)].join('\n');
}

export function checkSwarmId(id: string): string {
  if (!/^[a-z0-9]{25}$/.test(id)) throw new Error(`invalid swarm object id ${JSON.stringify(id)}: expected 25 lower-case letters and digits`);
  return id;
}

export const MARK_REMAINING_SERVICES = '@@steward-remaining';

/** Removes services by id (leftovers), then prints the ids still there. */
export function removeServicesScript(ids: string[]): string {
  const list = ids.map((id) => shQuote(checkSwarmId(id))).join(' ');
  return [
    NEED_DOCKER,
    `for id in ${list}; do docker service rm "$id" >/dev/null 2>&1 || true; done`,
    `echo ${MARK_REMAINING_SERVICES}`,
    `for id in ${list}; do docker service inspect --format '{{.ID}}' "$id" 2>/dev/null || true; done`,
  ].join('\n');
}

/** The last lines of one task's log (the failing one), through the manager. */
export function taskLogsScript(taskId: string, lines: number): string {
  return `docker service logs --raw --tail ${Math.max(1, Math.floor(lines))} ${shQuote(checkSwarmId(taskId))} 2>&1`;
}

export function serviceLogsScript(stack: string, lines: number): string {
  return [
    NEED_DOCKER,
    `for s in $(docker service ls -q --filter ${shQuote(`label=${STACK_LABEL}=${stack}`)}); do`,
    '  echo "@@steward-logs $(docker service inspect --format "{{.Spec.Name}}" "$s")"',
    `  docker service logs --raw --tail ${Math.max(1, Math.floor(lines))} "$s" 2>&1`,
    'done',
  ].join('\n');
}

/** Stack gone: `docker stack rm` returns before its services and networks are; wait until they are. */
export function waitStackGoneScript(stack: string, seconds: number): string {
  const f = `--filter ${shQuote(`label=${STACK_LABEL}=${stack}`)}`;
  return [
    `i=0; while [ $i -lt ${Math.max(1, Math.floor(seconds))} ]; do`,
    `  [ -z "$(docker service ls -q ${f})$(docker network ls -q ${f})" ] && exit 0`,
    '  sleep 1; i=$((i + 1))',
    'done',
    `echo "stack ${stack} still has services or networks" >&2; exit 4`,
  ].join('\n');
}
