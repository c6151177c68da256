// Consumer processes for the fault suite (consumer-process.ts), and what they handled.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { newEventId } from '../../src/envelope/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { HandledLogReader } from './handled-log.ts'
import { brokers, faultEvent } from './support.ts'

const script = fileURLToPath(new URL('./consumer-process.ts', import.meta.url))

export interface Handled {
  id: string
  partition: number
  key: string
  seq: number
  at: number
}

/** A partition given to or taken from a member, when its process said so. */
export interface AssignmentStep {
  partition: number
  assigned: boolean
  at: number
}

/** One consumer process of a group (kafkit's default rebalance protocol unless `protocol` says otherwise). */
export class ConsumerProcess {
  readonly ready: Promise<void>
  readonly exited: Promise<number | null>
  readonly #process: ChildProcess
  readonly #log: HandledLogReader
  readonly #handled: Handled[] = []
  readonly #steps: AssignmentStep[] = []

  constructor(t: TestContext, topic: string, partitions: number, group: string, protocol?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'kafkit-fault-consumer-'))
    const log = join(dir, 'handled.log')
    writeFileSync(log, '')
    this.#log = new HandledLogReader(log)
    this.#process = spawn(process.execPath, ['--conditions=kafkit-source', script], {
      env: {
        ...process.env,
        TOPIC: topic,
        PARTITIONS: String(partitions),
        GROUP: group,
        HANDLED_LOG: log,
        ...(protocol && { REBALANCE_PROTOCOL: protocol }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    t.after(() => {
      this.#process.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    })
    let markReady: () => void = () => undefined
    this.ready = new Promise<void>((resolve) => (markReady = resolve))
    let buffer = ''
    this.#process.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      if (buffer.split('\n').includes('ready')) markReady()
    })
    this.exited = new Promise((resolve) => this.#process.on('exit', (code) => resolve(code)))
  }

  /** What the process handled so far, with the times it said so (its clock). */
  get handled(): readonly Handled[] {
    this.#catchUp()
    return this.#handled
  }

  /** Its partitions given and taken so far. */
  get steps(): readonly AssignmentStep[] {
    this.#catchUp()
    return this.#steps
  }

  #catchUp(): void {
    for (const { at, word, fields } of this.#log.read()) {
      const [id, partition, key, seq] = fields
      if ((word === 'assigned' || word === 'revoked') && id)
        for (const p of id.split(',')) this.#steps.push({ partition: Number(p), assigned: word === 'assigned', at })
      if (word === 'handled')
        this.#handled.push({ id: id!, partition: Number(partition), key: key!, seq: Number(seq), at })
    }
  }

  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | null> {
    this.#process.kill(signal)
    return this.exited
  }
}

/** Publishes `count` events with kafkit (keys round-robin); returns their ids. */
export async function produce(t: TestContext, topic: string, partitions: number, count: number, keys = 100) {
  const { Seq } = faultEvent(topic, partitions)
  const producer = new Producer({ client: { brokers: brokers() }, service: 'faults', logger: silentLogger() })
  t.after(() => producer.close())
  const ids: string[] = []
  for (let start = 0; start < count; start += 500) {
    const items = Array.from({ length: Math.min(500, count - start) }, (_, i) => {
      const seq = start + i
      const id = newEventId()
      ids.push(id)
      return { event: Seq, payload: { key: `key-${seq % keys}`, seq }, options: { id } }
    })
    await producer.publishBatch(items)
  }
  await producer.close()
  return ids
}

/** What a set of consumer runs handled, against what was published. */
export function tally(published: readonly string[], runs: readonly ConsumerProcess[]) {
  const counts = new Map<string, number>()
  for (const run of runs) for (const { id } of run.handled) counts.set(id, (counts.get(id) ?? 0) + 1)
  const missing = published.filter((id) => !counts.has(id))
  let duplicates = 0
  for (const n of counts.values()) duplicates += n - 1
  return { missing, duplicates, handled: [...counts.values()].reduce((a, b) => a + b, 0), unique: counts.size }
}

/** The longest time without a handled record, per partition, across runs, between `from` and `to`. */
export function handlingGaps(runs: readonly ConsumerProcess[], from: number, to: number): Record<number, number> {
  const times = new Map<number, number[]>()
  for (const run of runs) {
    for (const { partition, at } of run.handled) {
      if (at < from || at > to) continue
      const list = times.get(partition)
      if (list) list.push(at)
      else times.set(partition, [at])
    }
  }
  const gaps: Record<number, number> = {}
  for (const [partition, list] of times) {
    const points = [from, ...list.sort((a, b) => a - b), to]
    let longest = 0
    for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i]! - points[i - 1]!)
    gaps[partition] = longest
  }
  return gaps
}

const probe = fileURLToPath(new URL('./start-probe.ts', import.meta.url))

/**
 * Runs consumer.start() in a process of its own; how long it took and how it ended, or that it had
 * not returned by `capMs`. With `closeAfterMs`, consumer.close() is called that long into the start.
 */
export function probeConsumerStart(
  client: object,
  capMs: number,
  closeAfterMs?: number,
): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--conditions=kafkit-source', probe], {
    env: {
      ...process.env,
      CLIENT: JSON.stringify(client),
      ...(closeAfterMs !== undefined && { CLOSE_AFTER_MS: String(closeAfterMs) }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), capMs)
  return new Promise((resolve) =>
    child.on('exit', () => {
      clearTimeout(timer)
      const line = out.trim().split('\n').at(-1)
      resolve(line ? (JSON.parse(line) as Record<string, unknown>) : { returned: false, ms: `> ${capMs}` })
    }),
  )
}
