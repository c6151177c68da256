// Turns raw values (strings from variables, YAML scalars from the file) into typed ones and checks
// them with each key's zod schema, then checks the keys that depend on each other. Every message
// names the key, where its value came from, and an example of a valid value; secrets are never shown.
import type { ConfigKey } from './keys.ts'
import { KEYS_BY_PATH } from './keys.ts'
import type { Origin, RawValue, RawValues } from './sources.ts'

export interface Setting {
  key: ConfigKey
  value: unknown
  origin: Origin
}

export type Settings = Map<string, Setting>

/** "KAFKA_CONSUMER_CONCURRENCY (environment variable)", "consumer.concurrency in ./kafkit.yaml", "consumer.concurrency (default)". */
export function describeOrigin(path: string, origin: Origin): string {
  if (origin.kind === 'env') return `${origin.name} (environment variable)`
  if (origin.kind === 'file') return `${path} in ${origin.file}`
  return `${path} (default)`
}

/** How to give a key a value, for "is required" messages. */
export function howToSet(key: ConfigKey): string {
  return `set ${key.env} or ${key.path} in the config file, e.g. ${key.example}`
}

export interface Validated {
  settings: Settings
  /** Keys given a value that failed validation: neither valid nor missing. */
  invalid: Set<string>
  issues: string[]
}

export function validateValues(raw: RawValues): Validated {
  const settings: Settings = new Map()
  const invalid = new Set<string>()
  const issues: string[] = []
  for (const [path, { value, origin }] of raw) {
    const key = KEYS_BY_PATH.get(path)!
    const coerced = coerce(key, value)
    const parsed = key.schema.safeParse(coerced)
    if (parsed.success) settings.set(path, { key, value: parsed.data, origin })
    else {
      invalid.add(path)
      issues.push(invalidValue(key, { value, origin }))
    }
  }
  return { settings, invalid, issues }
}

function invalidValue(key: ConfigKey, raw: RawValue): string {
  const got = key.secret ? 'a value that is not shown (secret)' : JSON.stringify(raw.value)
  return `${describeOrigin(key.path, raw.origin)} must be ${key.expect}, e.g. ${key.example} (got ${got})`
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** Best-effort conversion to the key's type; what cannot be converted is left for the schema to reject. */
export function coerce(key: ConfigKey, value: unknown): unknown {
  switch (key.kind) {
    case 'int':
      return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
    case 'bool': {
      if (typeof value !== 'string') return value
      const lower = value.trim().toLowerCase()
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : value
    }
    case 'enum':
      return typeof value === 'string' || typeof value === 'number' ? enumValue(key, String(value)) : value
    case 'list':
      if (typeof value === 'string')
        return value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      return Array.isArray(value) ? (value as unknown[]).map((v) => (typeof v === 'number' ? String(v) : v)) : value
    case 'string':
      return typeof value === 'number' ? String(value) : value
    case 'duration':
      return value
  }
}

function enumValue(key: ConfigKey, value: string): string {
  const alias = key.aliases?.[value.trim()]
  if (alias) return alias
  const options = (key.schema as unknown as { options?: readonly string[] }).options ?? []
  return options.find((o) => o.toLowerCase() === value.trim().toLowerCase()) ?? value
}

/** The value of a key after validation, or its default. */
export function valueOf<T>(settings: Settings, path: string): T | undefined {
  const setting = settings.get(path)
  if (setting) return setting.value as T
  return KEYS_BY_PATH.get(path)?.default as T | undefined
}

const SASL = new Set(['SASL_PLAINTEXT', 'SASL_SSL'])
const TLS = new Set(['SSL', 'SASL_SSL'])

/**
 * Rules between keys: what the security protocol requires or forbids, TLS pairs, acks and
 * idempotence. A rule that depends on an invalid value is skipped (that value is reported already).
 */
export function crossCheck({ settings, invalid }: Validated): string[] {
  const issues: string[] = []
  if (!invalid.has('client.securityProtocol')) issues.push(...securityChecks(settings, invalid))
  if (!invalid.has('producer.acks') && !invalid.has('producer.idempotent')) {
    const idempotent = valueOf<boolean>(settings, 'producer.idempotent')
    const acks = valueOf<string>(settings, 'producer.acks')
    if (idempotent && acks !== 'all') {
      const acksFrom = describeOrigin('producer.acks', settings.get('producer.acks')!.origin)
      issues.push(
        `${acksFrom} must be all while producer.idempotent is true (set KAFKA_PRODUCER_IDEMPOTENT=false to use acks ${acks}), e.g. all`,
      )
    }
  }
  if (!invalid.has('consumer.transactional')) issues.push(...transactionChecks(settings))
  const username = settings.has('registry.username') || invalid.has('registry.username')
  const password = settings.has('registry.password') || invalid.has('registry.password')
  if (username !== password) {
    const [given, lacking] = username ? ['username', 'password'] : ['password', 'username']
    const key = KEYS_BY_PATH.get(`registry.${lacking}`)!
    issues.push(`registry.${lacking} is required when registry.${given} is set: ${howToSet(key)}`)
  }
  return issues
}

// A transactional id or timeout for a consumer that is not transactional would be ignored: say so.
function transactionChecks(settings: Settings): string[] {
  if (valueOf<boolean>(settings, 'consumer.transactional') === true) return []
  return ['consumer.transactionalId', 'consumer.transactionTimeout']
    .filter((path) => settings.has(path))
    .map(
      (path) =>
        `${describeOrigin(path, settings.get(path)!.origin)} is set but consumer.transactional is not true: ${howToSet(KEYS_BY_PATH.get('consumer.transactional')!)}`,
    )
}

function securityChecks(settings: Settings, invalid: Set<string>): string[] {
  const issues: string[] = []
  const protocol = valueOf<string>(settings, 'client.securityProtocol')!
  const protocolSource = describeProtocol(settings, protocol)
  const missing = (path: string, because: string) => {
    const key = KEYS_BY_PATH.get(path)!
    issues.push(`${path} is required ${because}: ${howToSet(key)}`)
  }
  const present = (path: string) => settings.has(path) || invalid.has(path)

  // An invalid mechanism is reported already, and which credentials it would need is unknown.
  if (SASL.has(protocol) && !invalid.has('client.sasl.mechanism')) {
    const mechanism = valueOf<string>(settings, 'client.sasl.mechanism')
    if (!mechanism) missing('client.sasl.mechanism', `when ${protocolSource}`)
    else if (mechanism === 'OAUTHBEARER') {
      if (!present('client.sasl.token'))
        missing('client.sasl.token', `with the OAUTHBEARER mechanism (or pass a token function in code)`)
    } else {
      if (!present('client.sasl.username')) missing('client.sasl.username', `when ${protocolSource}`)
      if (!present('client.sasl.password')) missing('client.sasl.password', `when ${protocolSource}`)
    }
  } else if (!SASL.has(protocol)) {
    for (const path of ['client.sasl.mechanism', 'client.sasl.username', 'client.sasl.password', 'client.sasl.token']) {
      const setting = settings.get(path)
      if (setting) issues.push(notUsed(path, setting.origin, protocolSource, 'SASL_PLAINTEXT or SASL_SSL'))
    }
  }
  if (!TLS.has(protocol)) {
    for (const path of ['client.tls.caFile', 'client.tls.certFile', 'client.tls.keyFile', 'client.tls.keyPassword']) {
      const setting = settings.get(path)
      if (setting) issues.push(notUsed(path, setting.origin, protocolSource, 'SSL or SASL_SSL'))
    }
  }
  if (present('client.tls.certFile') && !present('client.tls.keyFile'))
    missing('client.tls.keyFile', 'with client.tls.certFile (mutual TLS needs both)')
  if (present('client.tls.keyFile') && !present('client.tls.certFile'))
    missing('client.tls.certFile', 'with client.tls.keyFile (mutual TLS needs both)')

  return issues
}

function describeProtocol(settings: Settings, protocol: string): string {
  const setting = settings.get('client.securityProtocol')
  return setting
    ? `${describeOrigin('client.securityProtocol', setting.origin)} is ${protocol}`
    : `client.securityProtocol is ${protocol} (default)`
}

function notUsed(path: string, origin: Origin, protocolSource: string, needs: string): string {
  return `${describeOrigin(path, origin)} is set but ${protocolSource}, so it would be ignored: set KAFKA_SECURITY_PROTOCOL (client.securityProtocol) to ${needs}, e.g. SASL_SSL`
}
