// The producer: typed publish (sync, batch, async with a delivery report) and a raw-bytes path, on
// the @platformatic/kafka producer with idempotence, acks=all, retries inside the wire client and a
// per-send deadline. Structured as prepare → enqueue → settle, so that a tracing span can wrap it.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { TopicPartitioner } from '../catalog/partitioners.ts'
import { settlesWithin } from '../cluster/deadline.ts'
import { ClusterView } from '../cluster/view.ts'
import { clientTimeouts, wireConnectionOptions } from '../config/client.ts'
import { resolveCodec } from '../envelope/registry.ts'
import { ConfigError, type KafkitError, PublishError, ErrorCodes, errorMessage } from '../errors.ts'
import { defaultLogger, withFields, type Logger } from '../logging/logger.ts'
import { ProducerTelemetry, type SendTrace } from '../observability/producer.ts'
import { producerHealth, type ProducerHealth } from '../observability/health.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { RegistryEncoder } from '../registry/encoder.ts'
import type { RegistryCodecName } from '../registry/names.ts'
import { DeadLetters } from './dead-letter-route.ts'
import { DeprecationNotices } from './deprecation.ts'
import { FlushTracker } from './flush.ts'
import { bufferFullError, closedError, isPermanentRecordFailure, recordTooLargeError } from './failures.ts'
import {
  jitteredBackoff,
  resolveProducerOptions,
  wireAcks,
  wireCompression,
  type ProducerOptions,
  type ResolvedProducerOptions,
} from './options.ts'
import { HeaderBytes, prepareEvent, type Prepared, type PrepareSettings, type RejectedEvent } from './prepare.ts'
import { BATCH_OVERHEAD, OutgoingRecord, type RecordHeaders, type Sink } from './record.ts'
import { Sender } from './sender.ts'
import type { ProducerTransport, TransportView, TransportWire } from './transport.ts'
import { Wire } from './wire.ts'
import { DeliveryListeners } from './listeners.ts'
import { deprecated, renamed } from '../util/deprecated.ts'
import { parseDuration } from '../util/duration.ts'
import { batchSink, newBatch, promiseSink } from './sinks.ts'
import type {
  DeliveryCallback,
  DeliveryListener,
  ProducerEvents,
  PublishOptions,
  PublishResult,
  RawRecord,
  RecordMetadata,
  SendRecordsOptions,
} from './types.ts'

export interface PublishItem<E extends AnyEvent = AnyEvent> {
  event: E
  payload: InputOf<E>
  options?: PublishOptions
}

/** Checks each item's payload against its own event's schema input type. */
export type CheckedItems<T extends readonly PublishItem[]> = {
  [K in keyof T]: T[K] extends { event: infer E extends AnyEvent } ? PublishItem<E> : never
}

export class Producer {
  readonly service: string
  readonly #o: ResolvedProducerOptions
  readonly #log: Logger
  readonly #view: TransportView
  readonly #wire: TransportWire
  readonly #transport: ProducerTransport
  readonly #sender: Sender
  readonly #settings: PrepareSettings
  readonly #flush = new FlushTracker()
  readonly #deadLetters: DeadLetters
  readonly #asyncSink: Sink
  readonly #listeners = new DeliveryListeners()
  readonly #telemetry: ProducerTelemetry | undefined
  /** Partitioners of the catalog topics given in the options, for the raw path. */
  readonly #partitioners: ReadonlyMap<string, TopicPartitioner>
  #asyncOutstanding = 0
  #closed = false
  #closing: Promise<void> | undefined
  // For health(): when a record last settled well, and the last failure.
  #lastDelivery = 0
  #lastFailure: { code: string; at: number } | undefined

  constructor(options: ProducerOptions) {
    this.#o = resolveProducerOptions(options)
    this.service = this.#o.service
    this.#log = withFields(options.logger ?? defaultLogger(), { component: 'kafkit-producer', service: this.service })
    this.#telemetry =
      options.telemetry === false ? undefined : new ProducerTelemetry(this.service, () => this.#flush.pending)
    const deprecations = new DeprecationNotices(this.#log, this.#telemetry)
    this.#settings = {
      service: this.service,
      codec: resolveCodec(options.codec),
      maxRecordBytes: this.#o.maxRecordBytes,
      registryEncoder: options.registry ? registryEncoders(options.registry) : undefined,
      onDeprecated: (event) => deprecations.published(event),
      headerBytes: new HeaderBytes(),
    }
    this.#partitioners = new Map((options.topics ?? []).map((t) => [t.name, t.partitioner]))
    this.#transport =
      options.transport?.({ service: this.service }) ?? wireTransport(this.#o, () => this.#sender.fallbackDeadline())
    this.#view = this.#transport.view
    this.#wire = this.#transport.wire
    this.#sender = new Sender({
      wire: this.#wire,
      view: this.#view,
      idempotent: this.#o.idempotent,
      acks: wireAcks(this.#o.acks),
      lingerMs: this.#o.lingerMs,
      batchSizeBytes: this.#o.batchSizeBytes,
      maxRequestBytes: this.#o.maxRecordBytes,
      retryBackoffMs: this.#o.retryBackoffMs,
      retryBackoffMaxMs: this.#o.retryBackoffMaxMs,
      onSettled: (record, error, metadata) => this.#settled(record, error, metadata),
    })
    this.#deadLetters = new DeadLetters(this.service, this.#o.maxRecordBytes, this.#log, this.#sender)
    this.#asyncSink = { settle: (record, error, result) => this.#deliver(record, error, result as PublishResult) }
  }

  /** The largest record it sends (key, value and headers); bigger ones fail before sending. */
  get maxRecordBytes(): number {
    return this.#o.maxRecordBytes
  }

  /** Whether the producer can publish, and what it holds: for readiness and liveness probes. */
  health(): ProducerHealth {
    return producerHealth({
      closed: this.#closed,
      outstanding: this.#flush.pending,
      asyncOutstanding: this.#asyncOutstanding,
      maxBufferedRecords: this.#o.maxBufferedRecords,
      lastDelivery: this.#lastDelivery,
      lastFailure: this.#lastFailure,
    })
  }

  /**
   * Calls `listener` with the report of every `publishAsync` delivery, acknowledged or failed (besides
   * that call's own callback). Returns a function that removes it. What it throws is logged.
   */
  onDelivery(listener: DeliveryListener): () => void {
    return this.#listeners.add(listener)
  }

  /**
   * @deprecated The producer is no EventEmitter any more: use `onDelivery(listener)` (a failed
   * delivery is a report with `ok: false`). `on('delivery' | 'error', …)` goes in 1.0 (CHANGELOG).
   */
  on<K extends keyof ProducerEvents>(event: K, listener: (...args: ProducerEvents[K]) => void): this {
    deprecated(`Producer.on('${event}')`, 'Producer.onDelivery()')
    this.#listeners.emitter.on(event, listener as never)
    return this
  }

  /** @deprecated Use `onDelivery(listener)` and call the function it returns to stop; goes in 1.0. */
  once<K extends keyof ProducerEvents>(event: K, listener: (...args: ProducerEvents[K]) => void): this {
    deprecated(`Producer.once('${event}')`, 'Producer.onDelivery()')
    this.#listeners.emitter.once(event, listener as never)
    return this
  }

  /** @deprecated Removes a listener added with `on`/`once`; `onDelivery` returns its remover. Goes in 1.0. */
  off<K extends keyof ProducerEvents>(event: K, listener: (...args: ProducerEvents[K]) => void): this {
    deprecated(`Producer.off('${event}')`, 'the function Producer.onDelivery() returns')
    this.#listeners.emitter.off(event, listener as never)
    return this
  }

  /** Publishes one event; resolves when the broker acknowledges it (or it was dead-lettered). */
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishOptions): Promise<PublishResult> {
    if (this.#closed) return Promise.reject(this.#failedEarly(closedError(), event))
    const timeout = deliveryTimeoutIn(options, this.#o.deliveryTimeoutMs)
    if (timeout instanceof ConfigError) return Promise.reject(timeout)
    const resolvers = Promise.withResolvers<PublishResult>()
    const epoch = this.#flush.accept()
    const trace = this.#telemetry?.startSend(event.topic.name, 1, event)
    const prepared = prepareEvent(this.#settings, event, payload, options, trace?.context)
    if (prepared instanceof Promise) {
      prepared.then(
        (p) => this.#accept(p, event, options, promiseSink, resolvers, epoch, false, trace),
        (err: unknown) => this.#abandon(epoch, resolvers, err, undefined, event, trace),
      )
    } else this.#accept(prepared, event, options, promiseSink, resolvers, epoch, false, trace)
    return resolvers.promise
  }

  /**
   * Publishes several events in as few requests as possible. Every item is validated first: if one
   * is invalid (and dead-lettering is off) the call fails and nothing is sent.
   */
  async publishBatch<const T extends readonly PublishItem[]>(items: T & CheckedItems<T>): Promise<PublishResult[]> {
    if (this.#closed) throw this.#failedEarly(closedError())
    const list: readonly PublishItem[] = items
    if (list.length === 0) return []
    for (const item of list) deliveryTimeoutOf(item.options, this.#o.deliveryTimeoutMs)
    const trace = this.#telemetry?.startSend(
      commonTopic(list, (i) => i.event.topic.name),
      list.length,
    )
    const pending = list.map((item) =>
      prepareEvent(this.#settings, item.event, item.payload, item.options, trace?.context),
    )
    // Asynchronous schemas are rare: only then wait a tick.
    const prepared = pending.some((p) => p instanceof Promise)
      ? await Promise.all(pending.map(async (p) => p))
      : (pending as Prepared[])
    const invalid = this.#o.deadLetter ? -1 : prepared.findIndex((p) => !p.ok)
    if (invalid >= 0) {
      const rejected = prepared[invalid] as RejectedEvent
      this.#logFailure(rejected.error, rejected, items[invalid]!.event.type)
      this.#telemetry?.rejected(rejected.error, rejected.topic, items[invalid]!.event)
      trace?.fail(rejected.error)
      throw withIndex(rejected.error, invalid)
    }
    if (this.#closed) {
      trace?.fail(closedError())
      throw this.#failedEarly(closedError())
    }
    const batch = newBatch(items.length)
    prepared.forEach((p, slot) => {
      const epoch = this.#flush.accept()
      this.#accept(p, items[slot]!.event, items[slot]!.options, batchSink, batch, epoch, false, trace, slot)
    })
    return batch.resolvers.promise as Promise<PublishResult[]>
  }

  /**
   * Fire-and-forget: returns at once; the outcome goes to this call's `onDelivery` callback and to
   * the producer's `onDelivery` listeners.
   * Throws (and sends nothing) when the input is invalid, the producer is closed, or the buffer is full.
   */
  publishAsync<E extends AnyEvent>(
    event: E,
    payload: InputOf<E>,
    options?: PublishOptions,
    onDelivery?: DeliveryCallback,
  ): void {
    if (this.#closed) throw this.#failedEarly(closedError(), event)
    deliveryTimeoutOf(options, this.#o.deliveryTimeoutMs)
    if (this.#asyncOutstanding >= this.#o.maxBufferedRecords) {
      // Not logged: a full buffer tells the caller to back off, and may happen many times a second.
      const error = bufferFullError(this.#o.maxBufferedRecords)
      this.#telemetry?.rejected(error, event.topic.name, event)
      throw error
    }
    const trace = this.#telemetry?.startSend(event.topic.name, 1, event)
    const prepared = prepareEvent(this.#settings, event, payload, options, trace?.context)
    if (
      !(prepared instanceof Promise) &&
      !prepared.ok &&
      !(this.#o.deadLetter && isPermanentRecordFailure(prepared.error))
    ) {
      this.#logFailure(prepared.error, prepared, event.type)
      this.#telemetry?.rejected(prepared.error, prepared.topic, event)
      trace?.fail(prepared.error)
      throw prepared.error
    }
    this.#asyncOutstanding++
    const epoch = this.#flush.accept()
    if (prepared instanceof Promise) {
      prepared.then(
        (p) => this.#accept(p, event, options, this.#asyncSink, onDelivery, epoch, true, trace),
        (err: unknown) => this.#abandon(epoch, undefined, err, onDelivery, event, trace),
      )
    } else this.#accept(prepared, event, options, this.#asyncSink, onDelivery, epoch, true, trace)
  }

  /**
   * The raw path: bytes in, no envelope or validation; same batching, deadline and retries. Used
   * for DLQ and retry-topic writes and replays. Fails (listing each outcome) if any record failed.
   */
  async sendRecords(records: readonly RawRecord[], options: SendRecordsOptions = {}): Promise<RecordMetadata[]> {
    if (this.#closed) throw this.#failedEarly(closedError())
    if (records.length === 0) return []
    const deadlineMs = deliveryTimeoutOf(options, this.#o.deliveryTimeoutMs)
    const outgoing = records.map((r) => rawRecord(r, deadlineMs))
    const tooLarge = outgoing.findIndex((r) => r.bytes + BATCH_OVERHEAD > this.#o.maxRecordBytes)
    if (tooLarge >= 0) {
      const error = recordTooLargeError(
        { topic: outgoing[tooLarge]!.topic },
        outgoing[tooLarge]!.bytes,
        this.#o.maxRecordBytes,
      )
      throw this.#failedEarly(withIndex(error, tooLarge))
    }
    const batch = newBatch(outgoing.length)
    const telemetry = this.#telemetry
    const trace = telemetry?.startSend(
      commonTopic(outgoing, (r) => r.topic),
      outgoing.length,
    )
    const acceptedAt = telemetry ? telemetry.now() : 0
    outgoing.forEach((record, slot) => {
      record.handle = batch
      record.slot = slot
      record.partitioner = this.#partitioners.get(record.topic) ?? record.partitioner
      record.epoch = this.#flush.accept()
      record.trace = trace
      record.acceptedAt = acceptedAt
      this.#sender.enqueue(record)
    })
    return batch.resolvers.promise as Promise<RecordMetadata[]>
  }

  /** Resolves once every record accepted before the call has settled (async ones included). */
  async flush(): Promise<void> {
    this.#sender.releaseLingering()
    await this.#flush.drain()
  }

  /** Stops accepting, sends and settles everything accepted, then closes the connections. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close())
  }

  async #close(): Promise<void> {
    this.#closed = true
    // Bounded by the deadlines of the records accepted: each settles by its deadline at the latest.
    await this.flush()
    // Records are settled; the wire client may still be ending a request. Then the connections.
    const finished = await settlesWithin(
      this.#o.closeTimeoutMs,
      this.#sender.idle().then(() => Promise.all([this.#wire.close(), this.#view.close()])),
    )
    if (!finished) {
      this.#log.warn(
        { closeTimeoutMs: this.#o.closeTimeoutMs, brokers: this.#view.addresses },
        'the connections did not close in time: closed forcibly',
      )
      this.#transport.destroy()
      await Promise.all([this.#wire.close(), this.#view.close()]).catch(() => undefined)
    }
    this.#telemetry?.close()
    this.#log.debug({}, 'producer closed')
  }

  /** An accepted publish, prepared: enqueue it, or dead-letter it, or fail it. */
  #accept(
    prepared: Prepared,
    event: AnyEvent,
    options: PublishOptions | undefined,
    sink: Sink,
    handle: unknown,
    epoch: number,
    lingering: boolean,
    trace: SendTrace | undefined,
    slot = 0,
  ): void {
    // Checked when the publish was accepted.
    const deadlineMs = deliveryTimeoutOf(options, this.#o.deliveryTimeoutMs)
    const record = new OutgoingRecord(
      prepared.topic,
      prepared.ok ? prepared.key : undefined,
      prepared.ok ? prepared.value : (prepared.value ?? EMPTY),
      prepared.headers,
      options?.partition,
      prepared.ok ? prepared.timestamp : undefined,
      deadlineMs,
      sink,
      prepared.ok ? prepared.bytes : undefined,
    )
    record.handle = handle
    record.slot = slot
    record.epoch = epoch
    record.event = event
    record.eventId = prepared.eventId
    record.correlationId = prepared.correlationId
    record.keyText = prepared.keyText
    record.trace = trace
    record.partitioner = event.topic.partitioner
    if (this.#telemetry) record.acceptedAt = this.#telemetry.now()
    if (!prepared.ok) this.#settled(record, prepared.error, undefined)
    else if (lingering) this.#sender.enqueueLingering(record)
    else this.#sender.enqueue(record)
  }

  /** Every record's outcome passes here once (a dead-letter record settles the one it replaces). */
  #settled(record: OutgoingRecord, error: KafkitError | null, metadata: RecordMetadata | undefined): void {
    const original = record.replaces
    if (original) {
      if (error) this.#finish(original, this.#deadLetters.failed(record, error), undefined)
      else this.#finish(original, null, this.#deadLetters.result(record, metadata!))
      return
    }
    if (error && record.event && this.#o.deadLetter && isPermanentRecordFailure(error)) {
      if (this.#deadLetters.route(record, error)) return
    }
    this.#finish(record, error, metadata && record.event ? publishedResult(record, metadata) : metadata)
  }

  #finish(record: OutgoingRecord, error: KafkitError | null, result: PublishResult | RecordMetadata | undefined): void {
    this.#telemetry?.settled(record, error, result)
    if (error) {
      this.#logFailure(error, record, record.eventType)
      this.#lastFailure = { code: error.code, at: Date.now() }
    } else this.#lastDelivery = Date.now()
    record.sink.settle(record, error, result)
    this.#flush.settle(record.epoch)
  }

  // The user's code runs inside kafkit's send loop: what it throws is logged, never propagated.
  #deliver(record: OutgoingRecord, error: KafkitError | null, result: PublishResult | undefined): void {
    this.#asyncOutstanding--
    const callback = record.handle as DeliveryCallback | undefined
    try {
      callback?.(error, result)
    } catch (err) {
      this.#userCodeThrew(record, err)
    }
    // Most producers have no listener: then no report and no closures per delivery.
    if (!this.#listeners.hears(error)) return
    this.#listeners.report(
      () =>
        error
          ? { ok: false, error, eventId: record.eventId, eventType: record.eventType, topic: record.topic }
          : { ok: true, result: result! },
      error,
      (err) => this.#userCodeThrew(record, err),
    )
  }

  #userCodeThrew(record: OutgoingRecord, err: unknown): void {
    this.#log.error({ eventId: record.eventId, error: errorMessage(err) }, 'a delivery callback or listener threw')
  }

  /** A publish whose asynchronous validation itself threw (a schema bug, not invalid input). */
  #abandon(
    epoch: number,
    resolvers: PromiseWithResolvers<PublishResult> | undefined,
    err: unknown,
    callback?: DeliveryCallback,
    event?: AnyEvent,
    trace?: SendTrace,
  ): void {
    const error = new PublishError(ErrorCodes.PUBLISH_FAILED, `payload validation threw: ${errorMessage(err)}`, {
      cause: err,
    })
    this.#log.error({ code: error.code, error: error.message }, 'publish failed')
    this.#telemetry?.rejected(error, event?.topic.name, event)
    trace?.fail(error)
    if (resolvers) resolvers.reject(error)
    else {
      this.#asyncOutstanding--
      callback?.(error, undefined)
    }
    this.#flush.settle(epoch)
  }

  #failedEarly(error: KafkitError, event?: AnyEvent): KafkitError {
    this.#logFailure(error, undefined, event?.type)
    this.#telemetry?.rejected(error, event?.topic.name, event)
    return error
  }

  /** One line per failed publish: ids, type, topic and code; never payloads or credentials. */
  #logFailure(
    error: KafkitError,
    record: { topic: string; eventId?: string | undefined; correlationId?: string | undefined } | undefined,
    eventType: string | undefined,
  ): void {
    this.#log.error(
      {
        eventId: record?.eventId,
        eventType,
        topic: record?.topic,
        correlationId: record?.correlationId,
        code: error.code,
        retryable: error.retryable,
        error: error.message,
      },
      'publish failed',
    )
  }
}

const EMPTY = Buffer.alloc(0)

/** One encoder per registry codec, made when a topic first uses it. */
function registryEncoders(registry: SchemaRegistry): (name: RegistryCodecName) => RegistryEncoder {
  const encoders = new Map<RegistryCodecName, RegistryEncoder>()
  return (name) => {
    let encoder = encoders.get(name)
    if (!encoder) encoders.set(name, (encoder = new RegistryEncoder(registry, name)))
    return encoder
  }
}

/** Metadata requests are small: a broker that does not answer one within this time is asked no more. */
const METADATA_TIMEOUT_MS = 5000

/** The transport on a real cluster: kafkit's ClusterView and the wire client. */
function wireTransport(o: ResolvedProducerOptions, fallbackDeadline: () => number): ProducerTransport {
  const view = new ClusterView({
    client: o.client,
    clientId: o.client.clientId ?? `kafkit-producer-${o.service}`,
    requestTimeoutMs: clientTimeouts(o.client).requestMs ?? METADATA_TIMEOUT_MS,
  })
  const wire = createWire(o, view, fallbackDeadline)
  return { view, wire, destroy: () => destroyConnections(wire) }
}

function createWire(o: ResolvedProducerOptions, view: ClusterView, fallbackDeadline: () => number): Wire {
  // kafkit bounds the retries by each request's deadline; `retries` only caps their number.
  const retries = o.retries ?? Number.MAX_SAFE_INTEGER
  // Header names repeat on every record: their bytes are made once.
  const names = new HeaderBytes(256)
  return new Wire(
    {
      ...wireConnectionOptions(o.client, `kafkit-producer-${o.service}`),
      // A request cannot usefully outlive the deadline (the wire default is 30 s).
      requestTimeout: clientTimeouts(o.client).requestMs ?? o.deliveryTimeoutMs,
      idempotent: o.idempotent,
      acks: wireAcks(o.acks),
      compression: wireCompression(o.compression),
      // The wire client turns 0 or 1 retries into "forever" when idempotent; false means none.
      retries: retries === 0 ? false : o.idempotent && retries === 1 ? 2 : retries,
      autocreateTopics: false,
      serializers: {
        headerKey: (name: string | Buffer | undefined) =>
          name === undefined ? undefined : Buffer.isBuffer(name) ? name : names.bytes(name),
        headerValue: (value) => (value === undefined || Buffer.isBuffer(value) ? value : Buffer.from(value)),
      },
    },
    {
      view,
      fallbackDeadline,
      backoff: (attempt) => jitteredBackoff(attempt, o.retryBackoffMs, o.retryBackoffMaxMs),
    },
  )
}

/** Ends every socket of a wire client at once (close() waits for the peer). */
function destroyConnections(wire: Wire): void {
  for (const [, connection] of wire.connections) connection.socket?.destroy()
}

function rawRecord(r: RawRecord, deadlineMs: number): OutgoingRecord {
  const key = r.key === undefined ? undefined : Buffer.isBuffer(r.key) ? r.key : Buffer.from(r.key)
  const timestamp = r.timestamp === undefined ? undefined : BigInt(r.timestamp.getTime())
  return new OutgoingRecord(r.topic, key, r.value, rawHeaders(r.headers), r.partition, timestamp, deadlineMs, batchSink)
}

/** Entries become a Map keyed by a new Buffer per entry, so that repeated names stay separate headers. */
function rawHeaders(headers: RawRecord['headers']): RecordHeaders {
  if (headers === undefined) return {}
  if (!Array.isArray(headers)) return headers as Record<string, string | Buffer>
  const map = new Map<Buffer, Buffer | null>()
  for (const [name, value] of headers as readonly (readonly [Buffer | string, Buffer | string | null])[]) {
    map.set(Buffer.from(name), value === null ? null : typeof value === 'string' ? Buffer.from(value) : value)
  }
  return map
}

function publishedResult(record: OutgoingRecord, metadata: RecordMetadata): PublishResult {
  return {
    status: 'published',
    topic: metadata.topic,
    partition: metadata.partition,
    offset: metadata.offset,
    eventId: record.eventId!,
    key: record.keyText,
  }
}

/** The topic every item goes to, or undefined when they go to several (a batch span's name). */
function commonTopic<T>(items: readonly T[], topicOf: (item: T) => string): string | undefined {
  const first = topicOf(items[0]!)
  return items.every((item) => topicOf(item) === first) ? first : undefined
}

function withIndex(error: KafkitError, index: number): KafkitError {
  Object.assign(error.details, { index })
  return error
}

/** One publish's delivery timeout in ms: its own `deliveryTimeout`, else the producer's. */
function deliveryTimeoutOf(options: PublishOptions | SendRecordsOptions | undefined, fallback: number): number {
  const timeout = deliveryTimeoutIn(options, fallback)
  if (timeout instanceof ConfigError) throw timeout
  return timeout
}

/** As deliveryTimeoutOf, with a bad value returned as the error rather than thrown. */
function deliveryTimeoutIn(
  options: PublishOptions | SendRecordsOptions | undefined,
  fallback: number,
): number | ConfigError {
  if (options === undefined) return fallback
  const { deliveryTimeout } = renamed(options, { deadlineMs: 'deliveryTimeout' }, 'publish')
  if (deliveryTimeout === undefined) return fallback
  const ms = parseDuration(deliveryTimeout)
  if (ms !== undefined && ms >= 1) return ms
  const message = `"${String(deliveryTimeout)}" is not a positive duration (e.g. 500, "500ms", "30s")`
  return new ConfigError(`invalid publish options: deliveryTimeout ${message}`, [{ path: 'deliveryTimeout', message }])
}
