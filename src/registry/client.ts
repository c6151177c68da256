// kafkit's face of a Confluent-compatible schema registry: Confluent's REST client underneath, every
// call bounded (a per-request timeout, a few retries with backoff, then a KafkitError that names the
// registry and the cause), and answers cached so that the record path rarely leaves the process.
import type { SchemaRegistryClient as ConfluentClient } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js'
import { ConfigError, ErrorCodes, formatIssues, KafkitError, type ValidationIssue } from '../errors.ts'
import { NO_JITTER, backoffDelay } from '../util/backoff.ts'
import { renamed } from '../util/deprecated.ts'
import { durationMs, type Duration } from '../util/duration.ts'
import { incompatible, rejected, SchemaRegistryError, unavailable, unknownSchema } from './errors.ts'
import { loadLibrary, type Library } from './library.ts'

export type SchemaType = 'JSON' | 'AVRO' | 'PROTOBUF'

/** A schema as the registry stores it: its type and its text. */
export interface RegistrySchema {
  schemaType: SchemaType
  schema: string
}

export interface SchemaRegistryOptions {
  /** Confluent-compatible base URL, e.g. `https://psrc-xxxx.europe-west3.gcp.confluent.cloud`, or Apicurio's `…/apis/ccompat/v7`. */
  url: string
  /** Basic auth (Confluent Cloud: the schema registry API key and secret). */
  username?: string | undefined
  password?: string | undefined
  /** One HTTP request's bound. Default 5 s. */
  requestTimeout?: Duration
  /** Attempts after the first when the registry does not answer (connection, timeout, 5xx, 429). Default 3. */
  retries?: number
  /** First backoff between attempts, doubled each time up to `retryBackoffMax`. Default 200 ms. */
  retryBackoff?: Duration
  /** Longest backoff between attempts. Default 2 s. */
  retryBackoffMax?: Duration
  /** @deprecated Use `requestTimeout` (removed in 1.0). */
  requestTimeoutMs?: number
  /** @deprecated Use `retryBackoff` (removed in 1.0). */
  retryBackoffMs?: number
  /** @deprecated Use `retryBackoffMax` (removed in 1.0). */
  retryBackoffMaxMs?: number
  /**
   * Whether producers register a catalog schema the registry does not have yet (default true, handy in
   * development). With false they only look schemas up, and `kafkit schema push` registers them (CI).
   */
  autoRegister?: boolean
  /** The subject of an event version's schemas. Default `{topic}-{type}.v{major}` (see `defaultSubject`). */
  subject?: SubjectStrategy
}

export interface SubjectInput {
  topic: string
  type: string
  major: number
}

export type SubjectStrategy = (event: SubjectInput) => string

/**
 * One subject per topic, event type and major version: minor versions are registered under it (and
 * must pass its compatibility check); a new major is a new subject, since it is allowed to break.
 * Confluent's TopicRecordNameStrategy shape, with `{type}.v{major}` as the record name.
 */
export const defaultSubject: SubjectStrategy = ({ topic, type, major }) => `${topic}-${type}.v${major}`

/** The defaults of `SchemaRegistryOptions` (durations in ms). */
export const REGISTRY_DEFAULTS = {
  requestTimeout: 5000,
  retries: 3,
  retryBackoff: 200,
  retryBackoffMax: 2000,
  autoRegister: true,
} as const

interface Settings {
  url: string
  username: string | undefined
  password: string | undefined
  requestTimeoutMs: number
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  autoRegister: boolean
  subject: SubjectStrategy
}

/** Confluent's REST client and serdes, as the encoder and decoder use them. */
export interface Confluent {
  client: ConfluentClient
  library: Library
}

let confluentOf: (registry: SchemaRegistry) => Promise<Confluent>

/**
 * The Confluent client and serdes of `registry` (loaded on first use). Kept off the class, whose
 * surface is the registry's operations, not the optional library it happens to use.
 */
export function confluent(registry: SchemaRegistry): Promise<Confluent> {
  return confluentOf(registry)
}

export class SchemaRegistry {
  readonly url: string
  readonly autoRegister: boolean
  readonly subjectOf: SubjectStrategy
  readonly #o: Settings
  #client: Promise<Confluent> | undefined
  /** `subject\0schema` → id, and id → schema: both immutable in a registry, so never expired. */
  readonly #ids = new Map<string, number>()
  readonly #schemas = new Map<number, RegistrySchema>()

  constructor(options: SchemaRegistryOptions) {
    this.#o = resolve(options)
    this.url = this.#o.url
    this.autoRegister = this.#o.autoRegister
    this.subjectOf = this.#o.subject
  }

  static {
    confluentOf = (registry) => registry.#library()
  }

  /** The Confluent client and serdes (loaded on first use). */
  #library(): Promise<Confluent> {
    return (this.#client ??= this.#connect().catch((err: unknown) => {
      this.#client = undefined
      throw err
    }))
  }

  async #connect(): Promise<Confluent> {
    const library = await loadLibrary()
    const { username, password } = this.#o
    const client = new library.SchemaRegistryClient({
      baseURLs: [this.#o.url],
      // Retries are kafkit's (below), so that every failure ends in the same bounded, named error.
      maxRetries: 0,
      createAxiosDefaults: { timeout: this.#o.requestTimeoutMs },
      ...(username !== undefined && password !== undefined
        ? { basicAuthCredentials: { credentialsSource: 'USER_INFO' as const, userInfo: `${username}:${password}` } }
        : {}),
    })
    return { client, library }
  }

  /** Registers the schema under the subject (idempotent: the same schema keeps its id). */
  async register(subject: string, schema: RegistrySchema): Promise<number> {
    const key = `${subject}\0${schema.schema}`
    const known = this.#ids.get(key)
    if (known !== undefined) return known
    const id = await this.call(`registering a schema under ${subject}`, (c) => c.register(subject, schema), { subject })
    this.#remember(key, id, schema)
    return id
  }

  /** The id of a schema already registered under the subject; SCHEMA_UNKNOWN if it is not. */
  async lookup(subject: string, schema: RegistrySchema): Promise<number> {
    const key = `${subject}\0${schema.schema}`
    const known = this.#ids.get(key)
    if (known !== undefined) return known
    const id = await this.call(`looking up a schema under ${subject}`, (c) => c.getId(subject, schema), { subject })
    this.#remember(key, id, schema)
    return id
  }

  /** Registers or looks up, as `autoRegister` says. */
  idFor(subject: string, schema: RegistrySchema): Promise<number> {
    return this.autoRegister ? this.register(subject, schema) : this.lookup(subject, schema)
  }

  /** The schema with this id (the writer's schema of a record). */
  async schemaById(id: number): Promise<RegistrySchema> {
    const known = this.#schemas.get(id)
    if (known) return known
    const info = await this.call(`schema id ${id}`, (c) => c.getBySubjectAndId('', id), { schemaId: id })
    const schema: RegistrySchema = { schemaType: (info.schemaType ?? 'AVRO') as SchemaType, schema: info.schema }
    this.#schemas.set(id, schema)
    return schema
  }

  /** Whether the registry would accept the schema as the subject's next version (true for a new subject). */
  async isCompatible(subject: string, schema: RegistrySchema): Promise<boolean> {
    try {
      return await this.call(`a compatibility check under ${subject}`, (c) =>
        c.testSubjectCompatibility(subject, schema),
      )
    } catch (err) {
      if (KafkitError.is(err) && err.code === ErrorCodes.SCHEMA_UNKNOWN) return true
      throw err
    }
  }

  /** The subject's versions, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<number[]> {
    try {
      return await this.call(`the versions of ${subject}`, (c) => c.getAllVersions(subject))
    } catch (err) {
      if (KafkitError.is(err) && err.code === ErrorCodes.SCHEMA_UNKNOWN) return []
      throw err
    }
  }

  /** One version of a subject, with its id. */
  async schemaAt(subject: string, version: number): Promise<RegistrySchema & { id: number; version: number }> {
    const meta = await this.call(`version ${version} of ${subject}`, (c) => c.getSchemaMetadata(subject, version))
    return {
      id: meta.id ?? -1,
      version: meta.version ?? version,
      schemaType: (meta.schemaType ?? 'AVRO') as SchemaType,
      schema: meta.schema ?? '',
    }
  }

  async subjects(): Promise<string[]> {
    return this.call('the list of subjects', (c) => c.getAllSubjects())
  }

  /** Deletes a subject (soft, then permanently): for tests and clean-ups. */
  async deleteSubject(subject: string): Promise<void> {
    await this.call(`deleting ${subject}`, (c) => c.deleteSubject(subject, false))
    await this.call(`deleting ${subject}`, (c) => c.deleteSubject(subject, true)).catch(() => undefined)
  }

  #remember(key: string, id: number, schema: RegistrySchema) {
    // Bounded: a catalog has tens of schemas; anything beyond is a misuse, not a reason to grow.
    if (this.#ids.size < 10_000) this.#ids.set(key, id)
    if (!this.#schemas.has(id) && this.#schemas.size < 10_000) this.#schemas.set(id, schema)
  }

  /** One registry call: bounded attempts, each with a deadline; failures become SchemaRegistryErrors. */
  async call<T>(
    what: string,
    fn: (client: ConfluentClient) => Promise<T>,
    details: Record<string, unknown> = {},
  ): Promise<T> {
    const { client, library } = await this.#library()
    const attempts = this.#o.retries + 1
    for (let attempt = 1; ; attempt++) {
      try {
        // The client's own timeout covers the request; this one also covers its internal locks.
        return await withDeadline(fn(client), this.#o.requestTimeoutMs + 1000)
      } catch (err) {
        const error = classify(err, what, this.#o.url, attempt, library, details)
        if (!(error instanceof SchemaRegistryError) || !error.retryable || attempt >= attempts) throw error
        const backoff = {
          initialBackoffMs: this.#o.retryBackoffMs,
          maxBackoffMs: this.#o.retryBackoffMaxMs,
          multiplier: 2,
        }
        await sleep(backoffDelay(backoff, attempt, NO_JITTER))
      }
    }
  }

  close(): void {
    void this.#client?.then(({ client }) => client.close()).catch(() => undefined)
  }
}

function resolve(given: SchemaRegistryOptions): Settings {
  const options = renamed(
    given,
    { requestTimeoutMs: 'requestTimeout', retryBackoffMs: 'retryBackoff', retryBackoffMaxMs: 'retryBackoffMax' },
    'schema registry',
  )
  const issues: ValidationIssue[] = []
  const ms = (value: Duration | undefined, fallback: number, path: string) => durationMs(value, fallback, path, issues)
  const timing = {
    requestTimeoutMs: ms(options.requestTimeout, REGISTRY_DEFAULTS.requestTimeout, 'requestTimeout'),
    retryBackoffMs: ms(options.retryBackoff, REGISTRY_DEFAULTS.retryBackoff, 'retryBackoff'),
    retryBackoffMaxMs: ms(options.retryBackoffMax, REGISTRY_DEFAULTS.retryBackoffMax, 'retryBackoffMax'),
  }
  if (issues.length > 0) throw new ConfigError(`invalid schema registry options: ${formatIssues(issues)}`, issues)
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new ConfigError(
      `the schema registry URL "${options.url}" is not a URL (e.g. http://127.0.0.1:18081/apis/ccompat/v7)`,
    )
  }
  if (url.username || url.password) {
    throw new ConfigError(
      'put the schema registry credentials in SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD, not in its URL',
    )
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new ConfigError('the schema registry needs both a username and a password, or neither')
  }
  return {
    url: options.url.replace(/\/+$/, ''),
    username: options.username,
    password: options.password,
    ...timing,
    retries: options.retries ?? REGISTRY_DEFAULTS.retries,
    autoRegister: options.autoRegister ?? REGISTRY_DEFAULTS.autoRegister,
    subject: options.subject ?? defaultSubject,
  }
}

/** The request did not get an answer: refused, reset, timed out (axios's errors, or our deadline). */
function noAnswer(err: unknown): boolean {
  return (
    err instanceof DeadlineError ||
    (typeof err === 'object' && err !== null && (err as { isAxiosError?: unknown }).isAxiosError === true)
  )
}

/**
 * HTTP answers keep their meaning; a call without an answer is the registry being unavailable.
 * Anything else (a serde's own failure, such as a value that does not fit its schema) is returned
 * as it is, for the caller to name.
 */
function classify(
  err: unknown,
  what: string,
  url: string,
  attempt: number,
  library: Library,
  details: Record<string, unknown>,
): unknown {
  if (err instanceof SchemaRegistryError) return err
  if (err instanceof library.RestError) {
    const status = err.status
    const code = err.errorCode
    // 40401 subject, 40402 version, 40403 schema not found.
    if (status === 404 && code >= 40400 && code < 40500)
      return unknownSchema(what, err, { ...details, errorCode: code })
    if (status === 409) return incompatible(typeof details['subject'] === 'string' ? details['subject'] : what, err)
    if (status === 408 || status === 429 || status >= 500) return unavailable(what, url, attempt, err)
    return rejected(what, url, status, err)
  }
  return noAnswer(err) ? unavailable(what, url, attempt, err) : err
}

class DeadlineError extends Error {}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export { SchemaRegistryError }
