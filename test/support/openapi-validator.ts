// Checks HTTP requests and responses against a Swagger 2.0 document (Forgejo's
// REST API contract), so that a test double cannot drift from the real server.
import { readFileSync } from "node:fs";
import AjvModule, { type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { FORGEJO_OPENAPI_PATH } from "./contracts";

// ajv and ajv-formats are CommonJS packages; under ESM the constructor sits on .default.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule;


type Json = unknown;
interface SwaggerParam {
  name: string;
  in: "path" | "query" | "header" | "body" | "formData";
  required?: boolean;
  type?: string;
  format?: string;
  items?: Json;
  enum?: unknown[];
  collectionFormat?: string;
  schema?: Json;
}
interface SwaggerOperation {
  operationId: string;
  parameters?: SwaggerParam[];
  responses: Record<string, { $ref?: string; schema?: Json; description?: string }>;
  consumes?: string[];
}
interface SwaggerDoc {
  basePath: string;
  paths: Record<string, Record<string, SwaggerOperation | SwaggerParam[]>>;
  definitions: Record<string, Json>;
  responses: Record<string, { schema?: Json; description?: string }>;
  securityDefinitions?: Record<string, { type: string; name?: string; in?: string }>;
}

export interface Violation {
  phase: "request" | "response";
  method: string;
  path: string;
  operationId?: string;
  message: string;
}

export interface MatchedOperation {
  template: string;
  operationId: string;
  pathParams: Record<string, string>;
}

export interface RequestCheck {
  method: string;
  /** Path below the API base path, e.g. `/repos/o/r/statuses/abc`. */
  path: string;
  query: URLSearchParams;
  contentType?: string;
  /** Raw request body text ("" when none). */
  body: string;
}

export type RequestResult =
  | { ok: true; op: MatchedOperation; body: unknown; violations: Violation[] }
  | { ok: false; status: 404 | 405; violations: Violation[]; op?: MatchedOperation };

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch"]);

interface CompiledPath {
  template: string;
  segments: string[];
  literalCount: number;
}

export class OpenApiValidator {
  readonly doc: SwaggerDoc;
  private readonly ajv: InstanceType<typeof AjvModule>;
  private readonly paths: CompiledPath[];
  private readonly cache = new Map<string, ValidateFunction>();
  /** Query parameters every operation accepts, from the global security definitions. */
  private readonly authQueryParams: Set<string>;

  constructor(specPath: string = FORGEJO_OPENAPI_PATH) {
    this.doc = JSON.parse(readFileSync(specPath, "utf8")) as SwaggerDoc;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // Swagger's integer formats are not JSON Schema formats; check the range so a
    // float or an out-of-range id is still caught.
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
    this.ajv.addFormat("uint64", {
      type: "number",
      validate: (n: number) => Number.isSafeInteger(n) && n >= 0,
    });
    this.ajv.addSchema({ $id: "swagger", definitions: toJsonSchema(this.doc.definitions) }, "swagger");
    this.paths = Object.keys(this.doc.paths).map((template) => {
      const segments = template.split("/").filter(Boolean);
      return { template, segments, literalCount: segments.filter((s) => !s.startsWith("{")).length };
    });
    this.paths.sort((a, b) => b.literalCount - a.literalCount);
    this.authQueryParams = new Set(
      Object.values(this.doc.securityDefinitions ?? {})
        .filter((d) => d.in === "query" && d.name)
        .map((d) => d.name as string),
    );
  }

  /** Finds the path template for a concrete path: the one with most literal segments wins. */
  matchPath(p: string): { template: string; pathParams: Record<string, string> } | undefined {
    const parts = p.split("/").filter(Boolean);
    for (const cp of this.paths) {
      if (cp.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = cp.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith("{") && seg.endsWith("}")) {
          params[seg.slice(1, -1)] = decodeURIComponent(part);
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (ok) return { template: cp.template, pathParams: params };
    }
    return undefined;
  }

  operation(template: string, method: string): SwaggerOperation | undefined {
    const item = this.doc.paths[template];
    const op = item?.[method.toLowerCase()];
    return op && !Array.isArray(op) ? (op as SwaggerOperation) : undefined;
  }

  checkRequest(req: RequestCheck): RequestResult {
    const base = { method: req.method, path: req.path };
    const violations: Violation[] = [];
    const v = (message: string, operationId?: string) =>
      violations.push({ phase: "request", ...base, operationId, message });

    const matched = this.matchPath(req.path);
    if (!matched) {
      v(`unknown path: no operation in the spec matches ${req.method} ${req.path}`);
      return { ok: false, status: 404, violations };
    }
    const op = this.operation(matched.template, req.method);
    if (!op) {
      const allowed = Object.keys(this.doc.paths[matched.template] ?? {})
        .filter((m) => HTTP_METHODS.has(m))
        .map((m) => m.toUpperCase());
      v(`method ${req.method} not allowed on ${matched.template} (spec allows ${allowed.join(", ")})`);
      return { ok: false, status: 405, violations };
    }
    const opId = op.operationId;
    const params = [...this.pathLevelParams(matched.template), ...(op.parameters ?? [])];

    for (const p of params.filter((x) => x.in === "path")) {
      const raw = matched.pathParams[p.name];
      if (raw === undefined) {
        v(`path parameter ${p.name} missing`, opId);
        continue;
      }
      const err = this.checkSimpleParam(p, [raw]);
      if (err) v(`path parameter ${p.name}: ${err}`, opId);
    }

    const declaredQuery = new Set(params.filter((x) => x.in === "query").map((x) => x.name));
    for (const p of params.filter((x) => x.in === "query")) {
      const values = req.query.getAll(p.name);
      if (values.length === 0) {
        if (p.required) v(`required query parameter ${p.name} missing`, opId);
        continue;
      }
      const err = this.checkSimpleParam(p, values);
      if (err) v(`query parameter ${p.name}: ${err}`, opId);
    }
    for (const name of new Set(req.query.keys())) {
      if (!declaredQuery.has(name) && !this.authQueryParams.has(name)) {
        v(`query parameter ${name} is not declared for ${opId} (${req.method} ${matched.template})`, opId);
      }
    }

    const bodyParam = params.find((x) => x.in === "body");
    let body: unknown = undefined;
    if (req.body.length > 0) {
      if (!bodyParam) {
        v(`${opId} takes no request body, got ${req.body.length} bytes`, opId);
      } else {
        const ct = (req.contentType ?? "").split(";")[0]!.trim().toLowerCase();
        if (ct !== "application/json") v(`request body content-type is "${ct}", spec expects application/json`, opId);
        try {
          body = JSON.parse(req.body);
        } catch {
          v(`request body is not valid JSON`, opId);
        }
        if (body !== undefined) {
          for (const e of this.validate(bodyParam.schema, body)) v(`request body ${e}`, opId);
        }
      }
    } else if (bodyParam?.required) {
      v(`request body required by ${opId} is missing`, opId);
    }

    const op2 = { template: matched.template, operationId: opId, pathParams: matched.pathParams };
    return { ok: true, op: op2, body, violations };
  }

  /** Checks a response the double is about to send. `implicit` statuses are accepted undeclared. */
  checkResponse(args: {
    method: string;
    path: string;
    template: string;
    status: number;
    body: unknown;
    implicitStatuses?: number[];
  }): Violation[] {
    const violations: Violation[] = [];
    const op = this.operation(args.template, args.method);
    if (!op) return violations;
    const v = (message: string) =>
      violations.push({ phase: "response", method: args.method, path: args.path, operationId: op.operationId, message });
    const declared = op.responses[String(args.status)] ?? op.responses["default"];
    if (!declared) {
      if (!args.implicitStatuses?.includes(args.status)) {
        v(`status ${args.status} is not declared for ${op.operationId} (declared: ${Object.keys(op.responses).join(", ")})`);
      }
      return violations;
    }
    const resolved = declared.$ref ? this.resolveResponse(declared.$ref) : declared;
    if (!resolved) {
      v(`unresolvable response ref ${declared.$ref}`);
      return violations;
    }
    if (!resolved.schema) {
      if (args.body !== undefined && args.body !== "") v(`status ${args.status} declares no body, but one was sent`);
      return violations;
    }
    if (args.body === undefined) {
      v(`status ${args.status} declares a body, none was sent`);
      return violations;
    }
    for (const e of this.validate(resolved.schema, args.body)) v(`response body ${e}`);
    return violations;
  }

  /** Validates a value against a Swagger schema fragment; returns readable error lines. */
  validate(schema: unknown, value: unknown): string[] {
    const fn = this.compile(schema);
    if (fn(value)) return [];
    return (fn.errors ?? []).map((e) => `${e.instancePath ? `${e.instancePath} ` : ""}${e.message ?? "is invalid"}${
      e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""
    }`);
  }

  private resolveResponse(ref: string): { schema?: Json } | undefined {
    const m = /^#\/responses\/(.+)$/.exec(ref);
    return m ? this.doc.responses[m[1]!] : undefined;
  }

  private pathLevelParams(template: string): SwaggerParam[] {
    const p = this.doc.paths[template]?.["parameters"];
    return Array.isArray(p) ? p : [];
  }

  private compile(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema ?? {});
    let fn = this.cache.get(key);
    if (!fn) {
      fn = this.ajv.compile(toJsonSchema(schema ?? {}) as object);
      this.cache.set(key, fn);
    }
    return fn;
  }

  private checkSimpleParam(p: SwaggerParam, values: string[]): string | undefined {
    const schema: Record<string, unknown> = { type: p.type };
    if (p.format) schema.format = p.format;
    if (p.enum) schema.enum = p.enum;
    let value: unknown;
    if (p.type === "array") {
      schema.items = p.items;
      const parts = p.collectionFormat === "multi" ? values : values.flatMap((x) => x.split(","));
      const itemType = (p.items as { type?: string } | undefined)?.type ?? "string";
      value = parts.map((x) => coerce(x, itemType));
    } else {
      if (values.length > 1) return `given ${values.length} times, spec allows one value`;
      value = coerce(values[0]!, p.type ?? "string");
    }
    const errs = this.validate(schema, value);
    return errs.length ? `${JSON.stringify(values.length === 1 ? values[0] : values)} ${errs.join("; ")}` : undefined;
  }
}

function coerce(raw: string, type: string): unknown {
  if (type === "integer") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (type === "number") return raw.trim() !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

/**
 * Swagger 2.0 schemas are a JSON Schema draft-4 subset with extras; ajv needs
 * the refs pointed at the registered definitions and the `file` type dropped.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(node as Record<string, unknown>)) {
    if (k.startsWith("x-") || k === "discriminator" || k === "example") continue;
    if (k === "$ref" && typeof val === "string") {
      out[k] = val.startsWith("#/definitions/") ? `swagger${val}` : val;
    } else if (k === "type" && val === "file") {
      continue;
    } else if (k === "properties" && val && typeof val === "object") {
      // property names are data, not keywords: keep them all.
      out[k] = Object.fromEntries(Object.entries(val).map(([pk, pv]) => [pk, toJsonSchema(pv)]));
    } else if (k === "definitions" && val && typeof val === "object") {
      out[k] = Object.fromEntries(Object.entries(val).map(([dk, dv]) => [dk, toJsonSchema(dv)]));
    } else {
      out[k] = toJsonSchema(val);
    }
  }
  return out;
}
