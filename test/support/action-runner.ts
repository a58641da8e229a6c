// Runs actions and workflow steps the way forgejo-runner does in host mode
// (its act fork: step.go, run_context.go withGithubEnv, action.go), so the
// end-to-end tests exercise the same env, files and command protocol.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import type { EventContext } from "./events";

export interface JobContext {
  workspace: string;
  event: EventContext;
  /** owner/name */
  repository: string;
  serverUrl: string;
  token?: string;
  /** forgejo-runner exports the job token as GITHUB_TOKEN/FORGEJO_TOKEN to every step; false leaves it out. */
  tokenEnv?: boolean;
  actor?: string;
  runId?: string;
  runNumber?: string;
  job?: string;
  workflow?: string;
  /** env from GITHUB_ENV of earlier steps, workflow and job `env:` */
  env?: Record<string, string>;
  /** PATH entries added through GITHUB_PATH by earlier steps */
  extraPath?: string[];
}

export interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The environment the step ran with. */
  env: Record<string, string>;
  /** Variables the step exported through GITHUB_ENV. */
  exportedEnv: Record<string, string>;
  addedPath: string[];
  state: Record<string, string>;
  masks: string[];
}

/** forgejo-runner's rule: upper-case, then every char outside [A-Z0-9-] becomes "_". */
export function inputEnvName(name: string): string {
  return `INPUT_${name.toUpperCase().replace(/[^A-Z0-9-]/g, "_")}`;
}

export function runnerEnv(ctx: JobContext, actPath: string, step: { id: string; actionPath?: string }): Record<string, string> {
  const e = ctx.event;
  const [owner] = ctx.repository.split("/");
  const refName = e.ref.replace(/^refs\/(heads|tags)\//, "");
  const env: Record<string, string> = { CI: "true", ACT: "true" };
  const set = (k: string, v: string) => {
    env[`FORGEJO_${k}`] = v;
    env[`GITHUB_${k}`] = v;
  };
  set("WORKFLOW", ctx.workflow ?? "converge");
  set("RUN_ATTEMPT", "1");
  set("RUN_ID", ctx.runId ?? "1");
  set("RUN_NUMBER", ctx.runNumber ?? "1");
  set("ACTION", step.id);
  set("ACTION_PATH", step.actionPath ?? "");
  set("ACTION_REPOSITORY", "");
  set("ACTION_REF", "");
  set("ACTIONS", "true");
  set("ACTOR", ctx.actor ?? "alice");
  set("REPOSITORY", ctx.repository);
  set("EVENT_NAME", e.eventName);
  set("EVENT_PATH", path.join(actPath, "workflow", "event.json"));
  set("WORKSPACE", ctx.workspace);
  set("SHA", e.sha);
  set("REF", e.ref);
  set("REF_NAME", e.eventName === "pull_request" ? `${e.payload.number}/merge` : refName);
  set("REF_TYPE", e.ref.startsWith("refs/tags/") ? "tag" : "branch");
  if (ctx.tokenEnv !== false) set("TOKEN", ctx.token ?? "");
  set("JOB", ctx.job ?? "converge");
  set("REPOSITORY_OWNER", owner ?? "");
  set("RETENTION_DAYS", "0");
  set("BASE_REF", e.baseRef ?? "");
  set("HEAD_REF", e.headRef ?? "");
  set("SERVER_URL", ctx.serverUrl);
  set("API_URL", `${ctx.serverUrl}/api/v1`);
  env.RUNNER_PERFLOG = "/dev/null";
  env.RUNNER_TRACKING_ID = "";
  return env;
}

/** Parses GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE: `k=v` lines and `k<<DELIM` heredocs. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const eq = line.indexOf("=");
    if (heredoc && (eq < 0 || line.indexOf("<<") < eq)) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`file command for ${name}: delimiter ${delim} never closed`);
      out[name!] = value.join("\n");
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`malformed file command line: ${line}`);
    }
  }
  return out;
}

function unescapeCommand(v: string): string {
  return v.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
}

/** Workflow commands on stdout the runner acts upon: masks and the legacy set-output. */
export function parseStdoutCommands(stdout: string): { masks: string[]; outputs: Record<string, string> } {
  const masks: string[] = [];
  const outputs: Record<string, string> = {};
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === "add-mask") masks.push(unescapeCommand(m[3]!));
    if (m[1] === "set-output") {
      const name = /name=([^,]+)/.exec(m[2] ?? "")?.[1];
      if (name) outputs[name] = unescapeCommand(m[3]!);
    }
  }
  return { masks, outputs };
}

function hostEnv(): Record<string, string> {
  // host mode inherits the runner's environment; drop what would leak from the test's own CI
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|FORGEJO_|INPUT_|RUNNER_|STATE_|ACTIONS_)/.test(k)),
  ) as Record<string, string>;
}

interface ActionYaml {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value?: string }>;
  runs: { using: string; main?: string; env?: Record<string, string>; steps?: WorkflowStep[] };
}

export function readActionYaml(actionDir: string): ActionYaml {
  const file = ["action.yml", "action.yaml"].map((f) => path.join(actionDir, f)).find(existsSync);
  if (!file) throw new Error(`no action.yml in ${actionDir}`);
  return YAML.parse(readFileSync(file, "utf8")) as ActionYaml;
}

/** Runs one node action: `node <main>` with the env and command files the runner prepares. */
export async function runNodeAction(
  ctx: JobContext,
  opts: { actionDir: string; main?: string; inputs?: Record<string, string>; stepEnv?: Record<string, string>; id?: string; timeoutMs?: number },
): Promise<StepRun> {
  let main = opts.main;
  const withEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.inputs ?? {})) withEnv[inputEnvName(k)] = v;
  let runsEnv: Record<string, string> = {};
  if (!main) {
    const action = readActionYaml(opts.actionDir);
    if (!/^node\d+$/.test(action.runs.using)) throw new Error(`${opts.actionDir}: runs.using ${action.runs.using} is not a node action`);
    main = path.resolve(opts.actionDir, action.runs.main ?? "index.js");
    for (const [k, def] of Object.entries(action.inputs ?? {})) {
      const key = inputEnvName(k);
      if (!(key in withEnv)) withEnv[key] = def.default === undefined ? "" : String(def.default);
    }
    runsEnv = action.runs.env ?? {};
  }
  const act = prepareActDir(ctx);
  const id = opts.id ?? "0";
  const env: Record<string, string> = {
    ...hostEnv(),
    ...ctx.env,
    ...runnerEnv(ctx, act.root, { id, actionPath: opts.actionDir }),
    RUNNER_OS: "Linux",
    RUNNER_ARCH: process.arch === "arm64" ? "ARM64" : "X64",
    RUNNER_TEMP: act.tmp,
    RUNNER_TOOL_CACHE: path.join(act.root, "toolcache"),
    ...act.fileEnv,
    ...opts.stepEnv,
    ...withEnv,
    ...runsEnv,
  };
  if (ctx.extraPath?.length) env.PATH = [...ctx.extraPath, env.PATH ?? ""].join(path.delimiter);
  try {
    const r = await exec(process.execPath, [main], { cwd: ctx.workspace, env, timeoutMs: opts.timeoutMs });
    return collect(r, env, act.files);
  } finally {
    act.remove();
  }
}

/** Runs a `run:` step as the runner's default bash shell does. */
export async function runScript(ctx: JobContext, script: string, opts: { stepEnv?: Record<string, string>; id?: string; workingDirectory?: string } = {}): Promise<StepRun> {
  const act = prepareActDir(ctx);
  try {
    return await runScriptIn(act, ctx, script, opts);
  } finally {
    act.remove();
  }
}

async function runScriptIn(act: ActDir, ctx: JobContext, script: string, opts: { stepEnv?: Record<string, string>; id?: string; workingDirectory?: string }): Promise<StepRun> {
  const scriptFile = path.join(act.root, "workflow", `${opts.id ?? "0"}.sh`);
  writeFileSync(scriptFile, script);
  const env: Record<string, string> = {
    ...hostEnv(),
    ...ctx.env,
    ...runnerEnv(ctx, act.root, { id: opts.id ?? "0" }),
    RUNNER_OS: "Linux",
    RUNNER_TEMP: act.tmp,
    ...act.fileEnv,
    ...opts.stepEnv,
  };
  if (ctx.extraPath?.length) env.PATH = [...ctx.extraPath, env.PATH ?? ""].join(path.delimiter);
  const cwd = opts.workingDirectory ? path.resolve(ctx.workspace, opts.workingDirectory) : ctx.workspace;
  const r = await exec("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", scriptFile], { cwd, env });
  return collect(r, env, act.files);
}

type ActDir = ReturnType<typeof prepareActDir>;

/** The runner's per-step directory (event, command files, RUNNER_TEMP); remove() once the step's files are read. */
function prepareActDir(ctx: JobContext) {
  const root = mkdtempSync(path.join(os.tmpdir(), "steward-act-"));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    return { ...fillActDir(ctx, root), remove };
  } catch (e) {
    remove();
    throw e;
  }
}

function fillActDir(ctx: JobContext, root: string) {
  mkdirSync(path.join(root, "workflow"));
  const tmp = path.join(root, "tmp");
  mkdirSync(tmp);
  writeFileSync(path.join(root, "workflow", "event.json"), JSON.stringify(ctx.event.payload));
  const files = {
    OUTPUT: path.join(root, "workflow", "outputcmd.txt"),
    STATE: path.join(root, "workflow", "statecmd.txt"),
    PATH: path.join(root, "workflow", "pathcmd.txt"),
    ENV: path.join(root, "workflow", "envs.txt"),
    STEP_SUMMARY: path.join(root, "workflow", "SUMMARY.md"),
  };
  const fileEnv: Record<string, string> = {};
  for (const [k, f] of Object.entries(files)) {
    writeFileSync(f, "");
    fileEnv[`GITHUB_${k}`] = f;
    fileEnv[`FORGEJO_${k}`] = f;
  }
  return { root, tmp, files, fileEnv };
}

function collect(r: { code: number; stdout: string; stderr: string }, env: Record<string, string>, files: Record<string, string>): StepRun {
  const cmds = parseStdoutCommands(r.stdout);
  return {
    ...r,
    env,
    outputs: { ...cmds.outputs, ...parseFileCommands(readFileSync(files.OUTPUT!, "utf8")) },
    exportedEnv: parseFileCommands(readFileSync(files.ENV!, "utf8")),
    state: parseFileCommands(readFileSync(files.STATE!, "utf8")),
    addedPath: readFileSync(files.PATH!, "utf8").split(/\r?\n/).filter(Boolean),
    summary: readFileSync(files.STEP_SUMMARY!, "utf8"),
    masks: cmds.masks,
  };
}

function exec(cmd: string, args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = o.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), o.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

// ---- workflows -------------------------------------------------------------

export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string | boolean;
  "continue-on-error"?: boolean;
  "working-directory"?: string;
}

export interface StepResult {
  id: string;
  name: string;
  outcome: "success" | "failure" | "skipped";
  conclusion: "success" | "failure" | "skipped";
  outputs: Record<string, string>;
  run?: StepRun;
}

export interface WorkflowRunOptions extends Omit<JobContext, "env" | "extraPath"> {
  workflowFile: string;
  /** Job id; default the first job. */
  jobId?: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Maps a `uses:` value to an action directory; default resolves `./x` against the workspace. */
  resolveAction?: (uses: string) => string;
  /** Extra env for every step (e.g. PATH to a steward binary). */
  env?: Record<string, string>;
}

export interface WorkflowRun {
  success: boolean;
  steps: StepResult[];
  summary: string;
  masks: string[];
}

/** Runs one job's steps sequentially, honouring `if:`, `with:`, `env:` and step outputs. */
export async function runWorkflow(o: WorkflowRunOptions): Promise<WorkflowRun> {
  const wf = YAML.parse(readFileSync(o.workflowFile, "utf8")) as { env?: Record<string, unknown>; jobs: Record<string, { env?: Record<string, unknown>; steps: WorkflowStep[] }> };
  const jobId = o.jobId ?? Object.keys(wf.jobs)[0]!;
  const job = wf.jobs[jobId];
  if (!job) throw new Error(`no job ${jobId} in ${o.workflowFile}`);
  const resolve = o.resolveAction ?? ((uses: string) => path.resolve(o.workspace, uses));
  const ctx: JobContext = { ...o, job: jobId, env: { ...o.env }, extraPath: [] };
  const exprCtx = baseExprContext(o, ctx);
  for (const [k, v] of Object.entries({ ...wf.env, ...job.env })) ctx.env![k] = interpolate(String(v), exprCtx());
  const res = await runSteps(job.steps, ctx, exprCtx, resolve, o.secrets ?? {});
  return res;
}

type Ctx = Record<string, unknown>;

function baseExprContext(o: WorkflowRunOptions, ctx: JobContext): () => Ctx {
  const e = o.event;
  return () => ({
    github: {
      event_name: e.eventName,
      event: e.payload,
      ref: e.ref,
      sha: e.sha,
      ref_name: e.ref.replace(/^refs\/(heads|tags)\//, ""),
      base_ref: e.baseRef ?? "",
      head_ref: e.headRef ?? "",
      repository: o.repository,
      repository_owner: o.repository.split("/")[0],
      server_url: o.serverUrl,
      api_url: `${o.serverUrl}/api/v1`,
      workspace: o.workspace,
      run_id: o.runId ?? "1",
      run_number: o.runNumber ?? "1",
      actor: o.actor ?? "alice",
      job: ctx.job,
      token: o.token ?? "",
    },
    env: { ...ctx.env },
    inputs: e.eventName === "workflow_dispatch" ? (e.payload.inputs as Ctx) : {},
    secrets: { GITHUB_TOKEN: o.token ?? "", FORGEJO_TOKEN: o.token ?? "", ...o.secrets },
    vars: { ...o.vars },
    runner: { os: "Linux", temp: os.tmpdir() },
  });
}

async function runSteps(
  steps: WorkflowStep[],
  ctx: JobContext,
  base: () => Ctx,
  resolve: (uses: string) => string,
  secrets: Record<string, string>,
  scope: { inputs?: Ctx } = {},
): Promise<WorkflowRun> {
  const results: StepResult[] = [];
  const stepsCtx: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const masks = [...Object.values(secrets).filter(Boolean)];
  let summary = "";
  let failed = false;
  for (const [i, step] of steps.entries()) {
    const id = step.id ?? String(i);
    const exprCtx = (): Ctx => ({ ...base(), ...(scope.inputs ? { inputs: scope.inputs } : {}), steps: stepsCtx, env: { ...ctx.env }, job: { status: failed ? "failure" : "success" } });
    const cond = step.if === undefined ? "success()" : String(step.if);
    const run = evalCondition(cond, exprCtx(), failed);
    const name = step.name ?? step.uses ?? step.run?.split("\n")[0] ?? id;
    if (!run) {
      const r: StepResult = { id, name, outcome: "skipped", conclusion: "skipped", outputs: {} };
      results.push(r);
      stepsCtx[id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
      continue;
    }
    const c = exprCtx();
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), c)]));
    const withValues = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), c)]));
    let sr: StepRun | undefined;
    let outputs: Record<string, string> = {};
    let ok: boolean;
    if (step.run !== undefined) {
      sr = await runScript(ctx, interpolate(step.run, c), { stepEnv, id, workingDirectory: step["working-directory"] });
      ok = sr.code === 0;
      outputs = sr.outputs;
    } else if (step.uses) {
      const dir = resolve(step.uses);
      const action = readActionYaml(dir);
      if (action.runs.using === "composite") {
        const inputs: Ctx = {};
        for (const [k, def] of Object.entries(action.inputs ?? {})) inputs[k] = withValues[k] ?? (def.default === undefined ? "" : interpolate(String(def.default), c));
        for (const [k, v] of Object.entries(withValues)) inputs[k] ??= v;
        const inner = await runSteps(action.runs.steps ?? [], { ...ctx, env: { ...ctx.env, ...stepEnv } }, () => ({ ...base(), github: { ...(base().github as Ctx), action_path: dir } }), resolve, secrets, { inputs });
        ok = inner.success;
        summary += inner.summary;
        masks.push(...inner.masks);
        const innerSteps = Object.fromEntries(inner.steps.map((s) => [s.id, { outputs: s.outputs, outcome: s.outcome, conclusion: s.conclusion }]));
        for (const [k, def] of Object.entries(action.outputs ?? {})) outputs[k] = interpolate(String(def.value ?? ""), { ...base(), inputs, steps: innerSteps });
        results.push(...inner.steps.map((s) => ({ ...s, id: `${id}/${s.id}` })));
      } else {
        // The runner evaluates expressions in input defaults (e.g. `${{ github.token }}`).
        const defaults: Record<string, string> = {};
        for (const [k, def] of Object.entries(action.inputs ?? {})) if (def.default !== undefined) defaults[k] = interpolate(String(def.default), c);
        sr = await runNodeAction(ctx, { actionDir: dir, inputs: { ...defaults, ...withValues }, stepEnv, id });
        ok = sr.code === 0;
        outputs = sr.outputs;
      }
    } else {
      throw new Error(`step ${id} has neither run nor uses`);
    }
    if (sr) {
      Object.assign(ctx.env!, sr.exportedEnv);
      ctx.extraPath!.unshift(...sr.addedPath.reverse());
      summary += sr.summary;
      masks.push(...sr.masks);
    }
    const outcome = ok ? "success" : "failure";
    const conclusion = ok || step["continue-on-error"] ? "success" : "failure";
    if (conclusion === "failure") failed = true;
    stepsCtx[id] = { outputs, outcome, conclusion };
    results.push({ id, name, outcome, conclusion, outputs, run: sr });
  }
  return { success: !failed, steps: results, summary, masks };
}

// ---- expressions -----------------------------------------------------------

export function interpolate(text: string, ctx: Ctx): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toText(evaluate(expr, ctx)));
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** `if:` semantics: without a status function, the step runs only while the job succeeds. */
export function evalCondition(cond: string, ctx: Ctx, jobFailed: boolean): boolean {
  const expr = cond.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/.test(expr);
  const value = truthy(evaluate(expr, ctx, jobFailed));
  return hasStatus ? value : !jobFailed && value;
}

function truthy(v: unknown): boolean {
  return !(v === false || v === 0 || v === "" || v === null || v === undefined || Number.isNaN(v));
}

export function evaluate(src: string, ctx: Ctx, jobFailed = false): unknown {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const expect = (t: string) => {
    if (next() !== t) throw new Error(`expression "${src}": expected ${t}`);
  };
  const or = (): unknown => {
    let l = and();
    while (peek() === "||") {
      next();
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  };
  const and = (): unknown => {
    let l = unary();
    while (peek() === "&&") {
      next();
      const r = unary();
      l = truthy(l) ? r : l;
    }
    return l;
  };
  const unary = (): unknown => {
    if (peek() === "!") {
      next();
      return !truthy(unary());
    }
    return cmp();
  };
  const cmp = (): unknown => {
    const l = primary();
    const op = peek();
    if (op && ["==", "!=", "<", ">", "<=", ">="].includes(op)) {
      next();
      const r = primary();
      return compare(op, l, r);
    }
    return l;
  };
  const primary = (): unknown => {
    const t = next();
    if (t === undefined) throw new Error(`expression "${src}" ends too early`);
    if (t === "(") {
      const v = or();
      expect(")");
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(t)) return Number(t);
    if (t === "true" || t === "false") return t === "true";
    if (t === "null") return null;
    if (peek() === "(") {
      next();
      const args: unknown[] = [];
      while (peek() !== ")") {
        args.push(or());
        if (peek() === ",") next();
      }
      expect(")");
      return call(t, args, jobFailed);
    }
    let v: unknown = ctx[t];
    for (;;) {
      if (peek() === ".") {
        next();
        const key = next()!;
        v = v && typeof v === "object" ? (v as Ctx)[key] : undefined;
      } else if (peek() === "[") {
        next();
        const key = or();
        expect("]");
        v = v && typeof v === "object" ? (v as Ctx)[String(key)] : undefined;
      } else break;
    }
    return v ?? null;
  };
  const v = or();
  if (p < toks.length) throw new Error(`expression "${src}": unexpected ${toks[p]}`);
  return v;
}

function tokenize(src: string): string[] {
  const re = /\s*(?:('(?:[^']|'')*')|(\|\||&&|==|!=|<=|>=|[!()<>.,[\]])|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_-]*))/y;
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) break;
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    pos = re.lastIndex;
  }
  if (src.slice(pos).trim()) throw new Error(`expression "${src}": cannot read "${src.slice(pos)}"`);
  return out;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const norm = (x: unknown) => (typeof x === "string" ? x.toLowerCase() : x);
  let l: unknown = norm(a);
  let r: unknown = norm(b);
  if (typeof l !== typeof r) {
    l = Number(l ?? 0);
    r = Number(r ?? 0);
  }
  switch (op) {
    case "==": return l === r;
    case "!=": return l !== r;
    case "<": return (l as number) < (r as number);
    case ">": return (l as number) > (r as number);
    case "<=": return (l as number) <= (r as number);
    default: return (l as number) >= (r as number);
  }
}

function call(name: string, args: unknown[], jobFailed: boolean): unknown {
  const s = (x: unknown) => toText(x).toLowerCase();
  switch (name) {
    case "success": return !jobFailed;
    case "failure": return jobFailed;
    case "always": return true;
    case "cancelled": return false;
    case "contains": return Array.isArray(args[0]) ? args[0].some((x) => s(x) === s(args[1])) : s(args[0]).includes(s(args[1]));
    case "startsWith": return s(args[0]).startsWith(s(args[1]));
    case "endsWith": return s(args[0]).endsWith(s(args[1]));
    case "format": return toText(args[0]).replace(/\{(\d+)\}/g, (_, i: string) => toText(args[Number(i) + 1]));
    case "toJSON": return JSON.stringify(args[0], null, 2);
    case "fromJSON": return JSON.parse(toText(args[0]));
    case "join": return Array.isArray(args[0]) ? args[0].map(toText).join(args[1] === undefined ? "," : toText(args[1])) : toText(args[0]);
    default: throw new Error(`expression function ${name}() is not supported by the test runner`);
  }
}
