export {
  wireConnectionOptions,
  type ClientOptions,
  type SaslMechanism,
  type SaslOptions,
  type WireConnectionOptions,
} from './client.ts'
export { CONFIG_KEYS, type ConfigKey } from './keys.ts'
export {
  loadConfig,
  type ConfigSetting,
  type ConsumerSettings,
  type KafkitConfig,
  type LoadConfigOptions,
  type ProducerSettings,
  type TopicNaming,
} from './load.ts'
export { formatConfig, hideSecrets, redactConfig, REDACTED, SECRET_LOG_PATHS } from './redact.ts'
export { DEFAULT_CONFIG_FILES, type Origin } from './sources.ts'
