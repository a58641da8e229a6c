#!/usr/bin/env bash
# The README's first command: install, build, start the test environment, and run
# the main job for real on examples/quickstart: a git remote, a workspace cloned
# from it, render, diff, plan, converge; then a GitOps change and a drift
# correction, each proved by requests through the edge proxy.
#
#   bash scripts/example.sh        (as root) everything above; leaves it all running
#   bash scripts/example.sh down   removes what it made: the example's apps, its
#                                  state and folders, and the test environment
#
# STEWARD_EXAMPLE_KEEP_TESTENV=1  down leaves the test environment up (when others use it)
# STEWARD_EXAMPLE_SKIP_NPM_CI=1   use the node_modules already there
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
EX=/var/lib/steward-example          # everything the example makes, so that `down` finds it
TESTENV_STATE=/run/steward-testenv/env.json
PROJECT=quickstart
DOMAIN=quickstart.home.arpa          # as in examples/quickstart/project.yml
HTTPS_PORT=8443                      # the edge proxy's https_port there

say() { printf '== %s\n' "$*"; }
die() { printf 'example: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root: the test environment creates network namespaces and starts dockerd"

testenv_field() { # a JS expression over the test environment's state `e`
  node -p "const e = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); $1" "$TESTENV_STATE"
}

# Only this project's containers, volumes and networks, on every engine of the test
# environment: other people's projects there are left alone.
remove_project() {
  [ -s "$TESTENV_STATE" ] || return 0
  local host
  for host in $(testenv_field '[e.localDockerHost, ...e.targets.map((t) => t.socket)].join(" ")'); do
    docker -H "$host" version >/dev/null 2>&1 || continue
    docker -H "$host" ps -aq --filter "label=steward.project=$PROJECT" | xargs -r docker -H "$host" rm -f >/dev/null
    docker -H "$host" volume ls -q --filter "label=steward.project=$PROJECT" | xargs -r docker -H "$host" volume rm >/dev/null
    docker -H "$host" network ls -q --filter "label=steward.project=$PROJECT" | xargs -r docker -H "$host" network rm >/dev/null
  done
}

down() {
  remove_project
  rm -rf --one-file-system "$EX"
  if [ "${STEWARD_EXAMPLE_KEEP_TESTENV:-}" = 1 ]; then
    say "removed the example; the test environment stays up (STEWARD_EXAMPLE_KEEP_TESTENV=1)"
  else
    "$root/scripts/testenv" down
    say "removed the example and the test environment"
  fi
}

case ${1:-} in
  down) down; exit 0 ;;
  '') ;;
  *) echo "usage: $0 [down]" >&2; exit 2 ;;
esac

# ------------------------------------------------------------------ installs
t_install=$SECONDS
if ! command -v git >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git >/dev/null
fi
if [ "${STEWARD_EXAMPLE_SKIP_NPM_CI:-}" = 1 ]; then
  say "npm ci skipped (STEWARD_EXAMPLE_SKIP_NPM_CI=1)"
elif [ -L node_modules ]; then
  # npm ci would empty the checkout that the link points at.
  say "npm ci skipped: node_modules is a link to another checkout's"
else
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build >/dev/null
# Keep as many SSH targets as are up already (others may be using them); one is enough here.
targets=${STEWARD_TESTENV_TARGETS:-$( [ -s "$TESTENV_STATE" ] && testenv_field 'e.targets.length' || echo 1)}
STEWARD_TESTENV_TARGETS=$targets "$root/scripts/testenv" up
say "installed, built, test environment up in $((SECONDS - t_install)) s"

# ------------------------------------------------------------------ the example
start=$(date +%s%N)
registry=$(testenv_field 'e.registry')
nas=$(testenv_field 'e.targets[0].address')
grep -rqF "image: $registry/" examples/quickstart/services || die "examples/quickstart does not use the test registry $registry"
grep -qF "address: $nas," examples/quickstart/network.yml || die "examples/quickstart/network.yml does not name the test target $nas"

remove_project
rm -rf --one-file-system "$EX"
mkdir -p "$EX/log"
# What a runner on the main server has: its engine, an SSH key the targets accept, their host keys.
cat > "$EX/env" <<EOF
export DOCKER_HOST=$(testenv_field 'e.localDockerHost')
export STEWARD_SSH_KEY=$(testenv_field 'e.sshKey')
export STEWARD_KNOWN_HOSTS=$(testenv_field 'e.knownHosts')
export STEWARD_STATE_DIR=$EX/state
export XDG_STATE_HOME=$EX/xdg
EOF
# shellcheck source=/dev/null
. "$EX/env"
export GIT_AUTHOR_NAME=you GIT_AUTHOR_EMAIL=you@example.invalid GIT_COMMITTER_NAME=you GIT_COMMITTER_EMAIL=you@example.invalid
trap 'rc=$?; [ $rc = 0 ] || echo "example: failed (exit $rc); logs in $EX/log; bash scripts/example.sh down removes everything" >&2' EXIT
steward() { node "$root/bin/steward.js" "$@"; }

# The user's checkout and the Forgejo repository it pushes to (a bare repository here).
you=$EX/you ws=$EX/workspace
git init -q --bare -b main "$EX/remote.git"
cp -r examples/quickstart "$you"
git -C "$you" init -q -b main
steward render --project "$you" >/dev/null
git -C "$you" add -A
git -C "$you" commit -qm "quickstart: hello on core, notes on nas"
git -C "$you" remote add origin "$EX/remote.git"
git -C "$you" push -q origin main
say "pushed examples/quickstart to $EX/remote.git; the runner's workspace is a clone: $ws"
git clone -q "$EX/remote.git" "$ws"

n=0
# plan, then converge exactly that plan; the plan lives outside the workspace, which stays clean.
plan_and_converge() {
  n=$((n + 1))
  local code=0
  steward plan --project "$ws" --out "$EX/plan-$n.json" >/dev/null 2>"$EX/log/plan-$n.log" || code=$?
  [ "$code" = 0 ] || [ "$code" = 2 ] || { cat "$EX/log/plan-$n.log" >&2; die "plan failed (exit $code)"; }
  node "$root/scripts/example.d/show.mjs" plan "$EX/plan-$n.json"
  steward converge --project "$ws" --plan "$EX/plan-$n.json" --out "$EX/run-$n.json" 2>"$EX/log/converge-$n.log" | sed 's/^/converge: /' ||
    { cat "$EX/log/converge-$n.log" >&2; die "converge failed"; }
}

live() { # app...
  local app
  for app in "$@"; do node "$root/scripts/example.d/show.mjs" live "https://$app.$DOMAIN:$HTTPS_PORT/" "$EX/caddy-root.crt"; done
}

say "steward render --check (the pushed rendered/ is current)"
steward render --check --project "$ws"
say "steward diff (first run: nothing converged yet)"
steward diff --project "$ws"
say "steward plan, then steward converge --plan"
plan_and_converge

# Caddy's own CA signed the certificates (tls: internal); trust it, and only it, for the checks.
caddy=$(docker ps -q --filter "label=steward.project=$PROJECT" --filter label=steward.app=caddy)
for _ in $(seq 50); do
  docker cp "$caddy:/data/caddy/pki/authorities/local/root.crt" "$EX/caddy-root.crt" >/dev/null 2>&1 && break
  sleep 0.2
done
[ -s "$EX/caddy-root.crt" ] || die "Caddy wrote no root certificate"
live hello notes

say "a GitOps change: notes web:1 -> web:2, committed and pushed"
sed -i 's#/steward-test/web:1$#/steward-test/web:2#' "$you/services/notes/service.yml"
steward render --project "$you" >/dev/null
git -C "$you" commit -qam "notes: web 2"
git -C "$you" push -q origin main
git -C "$ws" pull -q --ff-only
plan_and_converge
live notes

say "drift: the hello container stopped by hand"
docker stop -t 1 "$(docker ps -q --filter "label=steward.project=$PROJECT" --filter label=steward.app=hello)" >/dev/null
plan_and_converge
live hello

ms=$(( ($(date +%s%N) - start) / 1000000 ))
say "done in $((ms / 1000)).$((ms % 1000 / 100)) s after the installs"
cat <<EOF
Look around:   . $EX/env; node bin/steward.js status --project $ws
               (the converged commit: git -C $ws ls-remote origin refs/steward/converged)
Change it:     edit $you, node bin/steward.js render --project $you, commit, push;
               then plan and converge in $ws after a git pull, as above
Stop it all:   bash scripts/example.sh down
EOF
