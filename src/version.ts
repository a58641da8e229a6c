import { version } from '../package.json';

/** Steward's version, from package.json: printed by `steward version`, named in its own commits. */
export const STEWARD_VERSION: string = version;
