// Keeping secrets out of output: the config as it may be printed or logged, objects holding
// secrets that hide them when serialised, and the log paths pino must censor.
import { inspect } from 'node:util'
import type { KafkitConfig } from './types.ts'

export const REDACTED = '[redacted]'

/**
 * Makes `target` print with `fields` replaced by "[redacted]" (JSON.stringify, pino, console.log,
 * util.inspect) while the values stay readable by code. Spreading the object copies the real values
 * (as the wire client needs) without the masking, so only hand such copies to trusted code.
 */
export function hideSecrets<T extends object>(target: T, fields: readonly (keyof T & string)[]): T {
  const masked = () => {
    const copy: Record<string, unknown> = { ...(target as Record<string, unknown>) }
    for (const field of fields) if (copy[field] !== undefined) copy[field] = REDACTED
    return copy
  }
  Object.defineProperty(target, 'toJSON', { value: masked, enumerable: false })
  Object.defineProperty(target, inspect.custom, { value: masked, enumerable: false })
  return target
}

/** The configuration in the file's shape, every secret replaced by "[redacted]": safe to print or log. */
export function redactConfig(config: Pick<KafkitConfig, 'settings'>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const setting of config.settings) {
    if (setting.value === undefined) continue
    const parts = setting.path.split('.')
    let node = out
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
    node[parts.at(-1)!] = setting.secret ? REDACTED : setting.value
  }
  return out
}

/** One line per key that has a value: `consumer.concurrency = 8  (KAFKA_CONSUMER_CONCURRENCY (environment variable))`. */
export function formatConfig(config: Pick<KafkitConfig, 'settings'>): string {
  return config.settings
    .filter((s) => s.value !== undefined)
    .map(
      (s) =>
        `${s.path} = ${s.secret ? REDACTED : JSON.stringify(s.value)}  (${s.origin.kind === 'default' ? 'default' : s.source})`,
    )
    .join('\n')
}

/**
 * Paths pino censors in every log line, a second line of defence for objects logged by hand
 * (kafkit's own config objects already hide their secrets). No path with two wildcards: pino then
 * copies objects in a way that drops their toJSON, which would undo hideSecrets.
 */
export const SECRET_LOG_PATHS: readonly string[] = [
  'password',
  'token',
  'passphrase',
  'sasl.password',
  'sasl.token',
  'tls.key',
  'tls.passphrase',
  '*.password',
  '*.token',
  '*.passphrase',
  '*.sasl.password',
  '*.sasl.token',
  '*.tls.key',
  '*.tls.passphrase',
]
