// Records read and written byte for byte: kcat (librdkafka) as an independent producer of any key,
// value bytes, headers and tombstones, and the wire client as a reader that keeps every header in
// order, duplicates and all.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { brokers, track, uniqueName } from './kafka.ts'
import { endReadOnClientError } from '../../src/cluster/group-stream.ts'

export interface ExactRecord {
  partition: number
  offset: bigint
  key: Buffer | null
  value: Buffer | null
  /** In record order, duplicates kept. */
  headers: [Buffer, Buffer | null][]
}

export interface KcatRecord {
  key: string
  /** Null: a tombstone. The key must not hold a tab or a newline. */
  value: Buffer | null
  /** name=value pairs as kcat's -H takes them (the value may hold any byte but NUL). */
  headers: [string, string][]
}

/** Produces each record with kcat, one at a time, to partition 0 (so their order is the topic's). */
export async function kcatProduceExact(topic: string, records: readonly KcatRecord[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-kcat-'))
  try {
    for (const [i, record] of records.entries()) {
      const file = join(dir, `value-${i}`)
      writeFileSync(file, record.value ?? Buffer.alloc(0))
      const headers = record.headers.flatMap(([name, value]) => ['-H', `${name}=${value}`])
      const args = ['-P', '-b', brokers().join(','), '-t', topic, '-p', '0', ...headers]
      // kcat skips empty files: a tombstone is an empty line read with -Z (empty means NULL).
      if (record.value === null) await run([...args, '-K', '\t', '-Z'], `${record.key}\t\n`)
      else await run([...args, '-k', record.key, file])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function run(args: string[], input?: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] })
    if (input !== undefined) child.stdin!.end(input)
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`kcat failed (${signal ?? `exit ${code}`}): ${stderr.slice(-2000)}`))
    })
  })
}

/** Reads `count` records of a topic from its start, as the broker holds them. */
export async function readExact(t: TestContext, topic: string, count: number, timeoutMs = 30_000) {
  const consumer = track(
    t,
    new Consumer({ clientId: uniqueName('exact'), groupId: uniqueName('exact'), bootstrapBrokers: brokers() }),
  )
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: 200,
  })
  endReadOnClientError(consumer, stream)
  const records: ExactRecord[] = []
  const timer = setTimeout(() => void stream.close().catch(() => undefined), timeoutMs)
  try {
    for await (const message of stream) {
      records.push({
        partition: message.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headerEntries.map(([name, value]) => [name, value ?? null]),
      })
      if (records.length >= count) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
  }
  if (records.length < count) throw new Error(`read ${records.length} of ${count} records from ${topic}`)
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))
}
