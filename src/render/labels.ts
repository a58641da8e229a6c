export const LABEL_PROJECT = 'steward.project';
export const LABEL_APP = 'steward.app';
export const LABEL_TARGET = 'steward.target';
export const LABEL_HASH = 'steward.hash';
// Filled in by converge with a keyed hash of the secret values, so a rotated
// secret redeploys the app while git and the plan never see the value.
export const LABEL_SECRETS = 'steward.secrets-hash';
export const SECRETS_PLACEHOLDER = 'set-at-converge';
export const SECRETS_NONE = 'none';

export function composeProjectName(project: string, app: string): string {
  return `${project}-${app}`;
}

export function sharedNetworkName(project: string): string {
  return `steward-${project}`;
}
