// The Produce request's record batches, written straight into one buffer per partition. The wire
// client's own encoder gives every varint, key, value and header its own Buffer and its own small
// writer per record, then copies the whole batch once to compute its CRC and again into the request:
// with 1 KiB records that was about a third of the producer's CPU. This writes the same bytes (a test
// compares them with the wire client's for every shape of record) with one allocation per batch and
// one copy of each key, value and header. Only the flexible Produce versions (9–11, one request
// layout) are written here; other versions, and gzip (which the wire client compresses
// asynchronously), keep the wire client's encoder.
import {
  compressionsAlgorithms,
  crc32c,
  createAPI,
  groupByProperty,
  produceV9,
  produceV10,
  produceV11,
  Writer,
  type Connection,
} from '@platformatic/kafka'

/** A message as the wire client hands it to the Produce API (headers serialized to bytes). */
export interface WireMessage {
  topic: string
  partition?: number | undefined
  key?: Buffer | null | undefined
  value?: Buffer | null | undefined
  headers?: Map<Buffer | undefined, Buffer | null | undefined> | undefined
  timestamp?: bigint | number | undefined
}

/** What the wire client passes with each Produce request (idempotence, transactions, compression). */
export interface WireProduceOptions {
  compression?: string | undefined
  producerId?: bigint | undefined
  producerEpoch?: number | undefined
  sequences?: { getWithDefault(key: string, fallback: number): number } | undefined
  transactionalId?: string | null
  partitionLeaderEpoch?: number | undefined
}

/** The record batch header up to the records: from baseOffset to the record count. */
const BATCH_HEADER = 61
/** Where the CRC-covered part (attributes onwards) starts. */
const CRC_FROM = 21
const MAGIC = 2
const IS_TRANSACTIONAL = 0b10000
const TAGS_EMPTY = Buffer.from([0])

/** Bytes of an unsigned varint (values up to 2^53). */
function uvarintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    size++
  }
  return size
}

function writeUVarInt(buffer: Buffer, position: number, value: number): number {
  while (value >= 0x80) {
    buffer[position++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  buffer[position++] = value
  return position
}

/** Zigzag of a signed integer, as a number (exact within ±2^52). */
const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1)

const bytesOf = (value: Buffer | null | undefined): number => (value == null ? 0 : value.length)
/** A nullable byte string's length field: -1 for null. */
const lengthOf = (value: Buffer | null | undefined): number => (value == null ? -1 : value.length)

// Map.forEach with module-level callbacks: no entry array per header, and no closure per record.
let headerBytes = 0
const addHeaderSize = (value: Buffer | null | undefined, name: Buffer | undefined): void => {
  headerBytes +=
    uvarintSize(zigzag(lengthOf(name))) + bytesOf(name) + uvarintSize(zigzag(lengthOf(value))) + bytesOf(value)
}
const NOWHERE = Buffer.alloc(0)
let target: Buffer = NOWHERE
let at = 0
const writeHeader = (value: Buffer | null | undefined, name: Buffer | undefined): void => {
  at = writeBytes(target, writeBytes(target, at, name), value)
}

function headersSize(headers: WireMessage['headers']): number {
  if (!headers) return 1
  headerBytes = uvarintSize(zigzag(headers.size))
  headers.forEach(addHeaderSize)
  return headerBytes
}

/** Copies a key, value or header: TypedArray.set, without Buffer.copy's argument handling. */
function writeBytes(buffer: Buffer, position: number, value: Buffer | null | undefined): number {
  position = writeUVarInt(buffer, position, zigzag(lengthOf(value)))
  if (value == null) return position
  const length = value.length
  if (length < 16) for (let i = 0; i < length; i++) buffer[position + i] = value[i]!
  else buffer.set(value, position)
  return position + length
}

const timestampOf = (message: WireMessage): number => Number(message.timestamp)

/** One partition's records (uncompressed), each with its length in front. */
function recordsSize(messages: WireMessage[], first: number, bodies: number[]): number {
  let total = 0
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    const body =
      1 +
      uvarintSize(zigzag(timestampOf(m) - first)) +
      uvarintSize(zigzag(i)) +
      uvarintSize(zigzag(lengthOf(m.key))) +
      bytesOf(m.key) +
      uvarintSize(zigzag(lengthOf(m.value))) +
      bytesOf(m.value) +
      headersSize(m.headers)
    bodies[i] = body
    total += uvarintSize(zigzag(body)) + body
  }
  return total
}

function writeRecords(buffer: Buffer, position: number, messages: WireMessage[], first: number, bodies: number[]) {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    position = writeUVarInt(buffer, position, zigzag(bodies[i]!))
    buffer[position++] = 0 // attributes
    position = writeUVarInt(buffer, position, zigzag(timestampOf(m) - first))
    position = writeUVarInt(buffer, position, zigzag(i))
    position = writeBytes(buffer, position, m.key)
    position = writeBytes(buffer, position, m.value)
    const headers = m.headers
    position = writeUVarInt(buffer, position, zigzag(headers ? headers.size : 0))
    if (headers) {
      target = buffer
      at = position
      headers.forEach(writeHeader)
      position = at
    }
  }
  target = NOWHERE
  return position
}

const wrapped = (bytes: Buffer) => Writer.create().append(bytes).dynamicBuffer

/**
 * The wire client's CRC32C copies a plain Buffer before hashing it (its native implementation) but
 * hashes a one-buffer DynamicBuffer in place; its WebAssembly fallback (when the optional native
 * package is missing) takes only plain bytes. Which one is loaded is checked once, on known bytes.
 */
const hashesInPlace = ((): boolean => {
  const probe = Buffer.from('123456789')
  try {
    return crc32c(wrapped(probe)) === 0xe3069283 && crc32c(probe) === 0xe3069283
  } catch {
    return false
  }
})()

function checksum(bytes: Buffer): number {
  return hashesInPlace ? crc32c(wrapped(bytes)) : crc32c(bytes)
}

/** One partition's record batch (magic 2), as the wire client's createRecordsBatch writes it. */
export function encodeRecordBatch(messages: WireMessage[], options: WireProduceOptions): Buffer {
  let first = 0
  let max = 0
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    if (typeof m.timestamp !== 'bigint') m.timestamp = BigInt(m.timestamp ?? Date.now())
    const ts = timestampOf(m)
    if (i === 0) first = max = ts
    else if (ts > max) max = ts
  }
  const bodies = new Array<number>(messages.length)
  const size = recordsSize(messages, first, bodies)
  const algorithm =
    options.compression === undefined || options.compression === 'none'
      ? undefined
      : compressionsAlgorithms[options.compression as keyof typeof compressionsAlgorithms]
  let batch: Buffer
  if (algorithm) {
    const records = Buffer.allocUnsafe(size)
    writeRecords(records, 0, messages, first, bodies)
    const compressed = algorithm.compressSync(records)
    batch = Buffer.allocUnsafe(BATCH_HEADER + compressed.length)
    compressed.copy(batch, BATCH_HEADER)
  } else {
    batch = Buffer.allocUnsafe(BATCH_HEADER + size)
    writeRecords(batch, BATCH_HEADER, messages, first, bodies)
  }
  let attributes = algorithm ? algorithm.bitmask : 0
  if (options.transactionalId) attributes |= IS_TRANSACTIONAL
  const head = messages[0]!
  const sequence = options.sequences?.getWithDefault(`${head.topic}:${head.partition}`, 0) ?? 0
  batch.writeBigInt64BE(0n, 0) // base offset
  batch.writeInt32BE(batch.length - 12, 8)
  batch.writeInt32BE(options.partitionLeaderEpoch ?? 0, 12)
  batch.writeInt8(MAGIC, 16)
  batch.writeInt16BE(attributes, CRC_FROM)
  batch.writeInt32BE(messages.length - 1, 23)
  batch.writeBigInt64BE(BigInt(first), 27)
  batch.writeBigInt64BE(BigInt(max), 35)
  batch.writeBigInt64BE(options.producerId ?? -1n, 43)
  batch.writeInt16BE(options.producerEpoch ?? 0, 51)
  batch.writeInt32BE(sequence, 53)
  batch.writeInt32BE(messages.length, 57)
  batch.writeUInt32BE(checksum(batch.subarray(CRC_FROM)), 17)
  return batch
}

/** The Produce request (v9–v11) with kafkit's batch encoder; its framing through the wire client's writer. */
export function encodeProduceRequest(
  acks: number,
  timeout: number,
  messages: WireMessage[],
  options: WireProduceOptions = {},
): Writer {
  // As the wire client does: the request's time for records without one (kept for a retry).
  const now = BigInt(Date.now())
  for (const message of messages) {
    message.partition ??= 0
    message.timestamp ??= now
  }
  const writer = Writer.create().appendString(options.transactionalId).appendInt16(acks).appendInt32(timeout)
  // Grouped as the wire client groups them, so that the bytes are the same.
  const topics = groupByProperty<string, WireMessage>(messages, 'topic')
  writer.appendUnsignedVarInt(topics.length + 1)
  for (const [topic, forTopic] of topics) {
    writer.appendString(topic)
    const partitions = groupByProperty(forTopic, 'partition')
    writer.appendUnsignedVarInt(partitions.length + 1)
    for (const [partition, forPartition] of partitions) {
      const batch = encodeRecordBatch(forPartition, options)
      writer
        .appendInt32(Number(partition))
        .appendUnsignedVarInt(batch.length + 1)
        .append(batch)
        .append(TAGS_EMPTY)
    }
    writer.append(TAGS_EMPTY)
  }
  writer.append(TAGS_EMPTY)
  if (acks === 0) writer.context.noResponse = true
  return writer
}

type ProduceApi = (connection: Connection, ...args: unknown[]) => void

const VERSIONS = { 9: produceV9, 10: produceV10, 11: produceV11 } as const
const apis = new Map<number, ProduceApi>()

/**
 * The Produce API to use instead of the wire client's `api` of the same version: kafkit's encoder
 * (gzip and the versions it does not write stay with the wire client's).
 */
export function fastProduceApi(api: { key: number; version: number }): ProduceApi | undefined {
  const module = VERSIONS[api.version as keyof typeof VERSIONS]
  if (api.key !== 0 || !module) return undefined
  let fast = apis.get(api.version)
  if (!fast) {
    const create = (acks: number, timeout: number, messages: WireMessage[], options: WireProduceOptions = {}) =>
      options.compression === 'gzip'
        ? module.createRequestAsync(acks, timeout, messages as never, options as never)
        : encodeProduceRequest(acks, timeout, messages, options)
    fast = createAPI<unknown[], unknown>(0, api.version, create as never, module.parseResponse)
    apis.set(api.version, fast)
  }
  return fast
}
