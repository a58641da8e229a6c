/** The secrets engine's public surface; everything else in src/secrets is internal. */
export {
  changedSopsKeys,
  createSopsFile,
  decryptSops,
  listSopsKeys,
  removeSopsKey,
  rotateSopsDataKey,
  secretEnvValues,
  setSopsValue,
  SopsError,
  sopsFormatFromPath,
  type CreateOptions,
  type DecryptedSopsFile,
  type DecryptOptions,
  type EditOptions,
  type EncryptionRules,
  type SopsFileOptions,
  type SopsFormat,
  type SopsKeyChange,
} from './sops';
export { ageKeySourceFromEnv, parseAgeIdentities, recipientOf, type AgeKeySource } from './age-keys';
export { creationRuleFor, parseSopsConfig, pathRelativeToConfig, sopsConfigCandidates, type SopsCreationRule } from './sops-config';
export { Redactor, MIN_REDACTED_LENGTH } from './redact';
export { deriveSecretHashKey, secretValuesHash } from './secret-hash';
