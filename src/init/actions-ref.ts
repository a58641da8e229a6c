import { STEWARD_VERSION } from '../version';

/**
 * How a user project's workflows reference the toolkit: `owner/repo@ref`
 * (resolved by the runner against the instance's DEFAULT_ACTIONS_URL) or a
 * full `https://host/owner/repo@ref` (a mirror on one's own Forgejo).
 */
export interface ActionsRef {
  /** What precedes `/actions/<name>@ref` in `uses:`. */
  readonly repo: string;
  readonly version: string;
  /** Base URL of the toolkit's JSON Schemas at that version, for the yaml-language-server modelines. */
  /** Where editors fetch the JSON Schemas; undefined when init cannot know the host. */
  readonly schemaBase?: string;
}

export const TOOLKIT_VERSION = `v${STEWARD_VERSION}`;
export const DEFAULT_ACTIONS_REPO = 'steward/steward';

/**
 * The short `owner/repo` form resolves against the runner's DEFAULT_ACTIONS_URL,
 * an instance setting init cannot see; `--schemas-host` (or a full URL in
 * `--actions`) says where the mirrored toolkit is, for the editor modelines.
 */

const NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';
const SHORT_RE = new RegExp(`^(${NAME}/${NAME})$`);
// No path before owner/repo: the runner takes everything after the host as owner/repo[/path].
const URL_RE = new RegExp(`^(https?://[A-Za-z0-9.-]+(?::[0-9]+)?/${NAME}/${NAME})/?$`);
const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export function parseActionsRef(value: string | undefined, schemasHost?: string): ActionsRef {
  const text = (value ?? '').trim() || DEFAULT_ACTIONS_REPO;
  const at = text.lastIndexOf('@');
  const repoPart = at > 0 ? text.slice(0, at) : text;
  const ref = at > 0 ? text.slice(at + 1) : TOOLKIT_VERSION;
  const short = SHORT_RE.exec(repoPart);
  const url = URL_RE.exec(repoPart);
  if (!short && !url) {
    throw new Error(`--actions "${text}": expected owner/repo[@ref] or https://host/owner/repo[@ref], e.g. ${DEFAULT_ACTIONS_REPO}@${TOOLKIT_VERSION}`);
  }
  if (!REF_RE.test(ref) || ref.includes('..')) throw new Error(`--actions "${text}": "${ref}" is not a git tag, branch or commit`);
  const repo = short ? short[1]! : url![1]!;
  const home = short ? (schemasHost ? `${schemasHost.replace(/\/+$/, '')}/${repo}` : undefined) : repo;
  return { repo, version: ref, schemaBase: home && `${home}/raw/${refKind(ref)}/${ref}/schemas` };
}

/** Forgejo's raw file URLs name the kind of ref: /raw/tag/v1, /raw/branch/main, /raw/commit/<sha>. */
function refKind(ref: string): 'commit' | 'tag' | 'branch' {
  if (/^[0-9a-f]{40}$/.test(ref)) return 'commit';
  if (/^v?[0-9]+(\.[0-9]+)*([-+].*)?$/.test(ref)) return 'tag';
  return 'branch';
}
