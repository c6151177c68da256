// loadConfig: defaults < config file < environment variables, validated at once, mapped onto the
// options of kafkit's client, producer and consumers. Every mistake found is reported together.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { inspect } from 'node:util'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { ConfigError } from '../errors.ts'
import type { SchemaRegistryOptions } from '../registry/client.ts'
import type { Duration } from '../util/duration.ts'
import type { ClientOptions, SaslMechanism } from './client.ts'
import { CONFIG_KEYS } from './keys.ts'
import { hideSecrets, redactConfig } from './redact.ts'
import {
  chooseConfigFile,
  environmentValues,
  flattenDocument,
  readConfigFile,
  type Origin,
  type RawValues,
} from './sources.ts'
import type { ConfigSetting, ConsumerSettings, KafkitConfig } from './types.ts'
import { crossCheck, describeOrigin, validateValues, valueOf, type Settings } from './validate.ts'

export type { ConfigSetting, ConsumerSettings, KafkitConfig, ProducerSettings, TopicNaming } from './types.ts'

export interface LoadConfigOptions {
  /** Command-line arguments, for `--config <path>`. Default: `process.argv.slice(2)`. */
  argv?: readonly string[]
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Where relative paths and the default config files are looked up. Default: `process.cwd()`. */
  cwd?: string
  /** The program's own defaults, over kafkit's, in the file's shape: `{ app: { port: 8081 } }`. */
  defaults?: Record<string, unknown>
}

/** Loads and validates the configuration; throws one ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): KafkitConfig {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const issues: string[] = []
  const raw: RawValues = new Map()
  const merge = (values: RawValues) => values.forEach((v, k) => raw.set(k, v))

  if (options.defaults) {
    const defaults = flattenDocument(options.defaults, { kind: 'default' }, 'the program defaults')
    if (defaults.issues.length > 0) throw new ConfigError(`invalid program defaults: ${defaults.issues.join('; ')}`)
    merge(defaults.values)
  }
  const choice = chooseConfigFile(options.argv ?? process.argv.slice(2), env, cwd)
  if (choice) {
    const { document, issue } = readConfigFile(choice)
    if (issue) issues.push(issue)
    const fromFile = flattenDocument(document, { kind: 'file', file: choice.display }, choice.display)
    issues.push(...fromFile.issues)
    merge(fromFile.values)
  }
  const fromEnv = environmentValues(env)
  issues.push(...fromEnv.issues)
  merge(fromEnv.values)

  const validated = validateValues(raw)
  const { settings } = validated
  issues.push(...validated.issues, ...crossCheck(validated))
  const tls = issues.length === 0 ? readTlsFiles(settings, cwd, issues) : undefined
  if (issues.length > 0) {
    throw new ConfigError(`invalid kafkit configuration:\n  - ${issues.join('\n  - ')}`, issues.map(asIssue))
  }
  return build(settings, tls, choice?.display)
}

function asIssue(message: string) {
  return { path: /^[\w.]+/.exec(message)?.[0] ?? '', message }
}

function build(settings: Settings, tls: TlsOptions | undefined, file: string | undefined): KafkitConfig {
  const get = <T>(path: string) => valueOf<T>(settings, path)
  const config: KafkitConfig = {
    client: clientOptions(settings, tls),
    producer: {
      acks: get('producer.acks')!,
      idempotent: get('producer.idempotent')!,
      compression: get('producer.compression')!,
      linger: get('producer.linger')!,
      deliveryTimeout: get('producer.deliveryTimeout')!,
      ...defined('retries', get<number>('producer.retries')),
    },
    consumer: {
      ...defined('group', get<string>('consumer.group')),
      concurrency: get('consumer.concurrency')!,
      retry: { maxAttempts: get('consumer.retry.maxAttempts')! },
      ...defined('retryTopics', get<Duration[]>('consumer.retryTopics')),
      fetchMinBytes: get('consumer.fetchMinBytes')!,
      fetchMaxBytes: get('consumer.fetchMaxBytes')!,
      autoOffsetReset: get('consumer.autoOffsetReset')!,
      ordering: get('consumer.ordering')!,
      decode: get('consumer.decode')!,
      handlerTimeout: get('consumer.handlerTimeout')!,
      shutdownTimeout: get('consumer.shutdownTimeout')!,
      ...defined('startTimeout', get<Duration>('consumer.startTimeout')),
      rebalanceProtocol: get('consumer.rebalanceProtocol')!,
      transactional: transactions(get<boolean>('consumer.transactional')!, {
        ...defined('id', get<string>('consumer.transactionalId')),
        ...defined('timeout', get<Duration>('consumer.transactionTimeout')),
      }),
      isolation: get('consumer.isolation')!,
    },
    topics: {
      ...defined('dlq', get<string>('topics.dlq')),
      ...defined('retry', retryTemplate(get<string>('topics.retryPrefix'))),
    },
    registry: registryOptions(settings),
    log: { level: get('log.level')!, format: get('log.format')! },
    app: { host: get('app.host')!, port: get('app.port')! },
    tools: { producerTopic: get('producer.topic'), consumerTopic: get('consumer.topic') },
    file,
    settings: CONFIG_KEYS.map((key) => {
      const setting = settings.get(key.path)
      const origin: Origin = setting?.origin ?? { kind: 'default' }
      const entry: ConfigSetting = {
        path: key.path,
        env: key.env,
        value: setting ? setting.value : key.default,
        origin,
        source: describeOrigin(key.path, origin),
        secret: key.secret === true,
      }
      return key.secret ? hideSecrets(entry, ['value']) : entry
    }),
  }
  // Logging or printing the whole config (JSON.stringify, pino, console.log) shows it redacted.
  Object.defineProperty(config, 'toJSON', { value: () => redactConfig(config), enumerable: false })
  Object.defineProperty(config, inspect.custom, { value: () => redactConfig(config), enumerable: false })
  return config
}

/** `{prefix}.{group}.{delay}`, or the prefix itself when it already places `{delay}`. */
function retryTemplate(prefix: string | undefined): string | undefined {
  if (prefix === undefined) return undefined
  return prefix.includes('{delay}') ? prefix : `${prefix}.{group}.{delay}`
}

function clientOptions(settings: Settings, tls: TlsOptions | undefined): ClientOptions {
  const get = <T>(path: string) => valueOf<T>(settings, path)
  const protocol = get<string>('client.securityProtocol')!
  const client: ClientOptions = { brokers: get<string[]>('client.brokers')! }
  const clientId = get<string>('client.clientId')
  if (clientId) client.clientId = clientId
  if (protocol.startsWith('SASL_')) {
    const sasl = {
      mechanism: get<SaslMechanism>('client.sasl.mechanism')!,
      ...defined('username', get<string>('client.sasl.username')),
      ...defined('password', get<string>('client.sasl.password')),
      ...defined('token', get<string>('client.sasl.token')),
    }
    client.sasl = hideSecrets(sasl, ['password', 'token'])
  }
  if (tls) {
    client.tls = tls
    const serverName = get<string>('client.tls.serverName')!
    client.tlsServerName = serverName === 'auto' ? true : serverName === 'off' ? false : serverName
  }
  const connect = get<Duration>('client.connectTimeout')
  if (connect !== undefined) client.connectTimeout = connect
  const request = get<Duration>('client.requestTimeout')
  if (request !== undefined) client.requestTimeout = request
  return client
}

function registryOptions(settings: Settings): SchemaRegistryOptions | undefined {
  const get = <T>(path: string) => valueOf<T>(settings, path)
  const url = get<string>('registry.url')
  if (url === undefined) return undefined
  const options: SchemaRegistryOptions = {
    url,
    autoRegister: get<boolean>('registry.autoRegister')!,
    requestTimeout: get<Duration>('registry.requestTimeout')!,
    ...defined('username', get<string>('registry.username')),
    ...defined('password', get<string>('registry.password')),
  }
  return hideSecrets(options, ['password'])
}

/** TLS options with the PEM files read now, so a missing file fails at start, not at first connect. */
function readTlsFiles(settings: Settings, cwd: string, issues: string[]): TlsOptions | undefined {
  const protocol = valueOf<string>(settings, 'client.securityProtocol')
  if (protocol !== 'SSL' && protocol !== 'SASL_SSL') return undefined
  const tls: TlsOptions = { rejectUnauthorized: valueOf<boolean>(settings, 'client.tls.rejectUnauthorized')! }
  const read = (path: string): string | undefined => {
    const setting = settings.get(path)
    if (!setting) return undefined
    try {
      return readFileSync(resolve(cwd, setting.value as string), 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      issues.push(
        `${describeOrigin(path, setting.origin)}: cannot read ${String(setting.value)} (${code}), e.g. ${setting.key.example}`,
      )
      return undefined
    }
  }
  const ca = read('client.tls.caFile')
  // Node would take any text as a CA and fail each handshake later with a certificate error.
  const caSetting = settings.get('client.tls.caFile')
  if (ca !== undefined && caSetting && !ca.includes('-----BEGIN CERTIFICATE-----')) {
    issues.push(
      `${describeOrigin('client.tls.caFile', caSetting.origin)}: ${String(caSetting.value)} holds no PEM certificate (-----BEGIN CERTIFICATE-----), e.g. ${caSetting.key.example}`,
    )
  }
  const cert = read('client.tls.certFile')
  const key = read('client.tls.keyFile')
  const passphrase = valueOf<string>(settings, 'client.tls.keyPassword')
  if (ca !== undefined) tls.ca = ca
  if (cert !== undefined) tls.cert = cert
  if (key !== undefined) tls.key = key
  if (passphrase !== undefined) tls.passphrase = passphrase
  return hideSecrets(tls, ['key', 'passphrase'])
}

function defined<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V }
}

/** `true`, or the transactional id and timeout when either is set (both need `transactional: true`). */
function transactions(on: boolean, given: { id?: string; timeout?: Duration }): ConsumerSettings['transactional'] {
  return on && Object.keys(given).length > 0 ? given : on
}
