export {
  wireConnectionOptions,
  type ClientOptions,
  type SaslMechanism,
  type SaslOptions,
  type WireConnectionOptions,
} from './client.ts'
