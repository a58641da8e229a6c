import { version } from '../../package.json';

export const STEWARD_VERSION: string = version;
