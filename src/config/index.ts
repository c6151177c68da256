// kafkit/config: loading, checking and showing the configuration (files, environment, flags).
export type { ClientOptions, SaslMechanism, SaslOptions } from './client.ts'
export { CONFIG_KEYS, type ConfigKey, type KeyKind } from './keys.ts'
export {
  loadConfig,
  type ConfigSetting,
  type ConsumerSettings,
  type KafkitConfig,
  type LoadConfigOptions,
  type ProducerSettings,
  type TopicNaming,
} from './load.ts'
export { formatConfig, hideSecrets, redactConfig, REDACTED } from './redact.ts'
export { DEFAULT_CONFIG_FILES, type Origin } from './sources.ts'
