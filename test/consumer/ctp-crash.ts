// The consume-transform-produce crash run shared by the short test (npm test) and the long one
// (npm run test:tx-faults): a service (fixtures/ctp-child.ts) is SIGKILLed `kills` times while it
// echoes `events` inputs, restarted each time, then stopped once every input offset is committed.
// Downstream is read as a read_committed consumer would: what was lost, what came twice.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { readCommitted } from '../support/committed.ts'
import { brokers, createTopic, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'

const script = fileURLToPath(new URL('./fixtures/ctp-child.ts', import.meta.url))

export interface CrashOutcome {
  inputs: number
  outputs: number
  lost: number
  duplicates: number
  /** Handled events reported by the service processes (duplicates included). */
  handled: number
  ms: number
  kills: string[]
}

interface Child {
  process: ChildProcess
  ready: Promise<void>
  exited: Promise<number | null>
}

export async function crashRun(
  t: TestContext,
  {
    events,
    kills,
    transactional,
    batch,
  }: { events: number; kills: number; transactional: boolean; /** A batch handler of this size. */ batch?: number },
): Promise<CrashOutcome> {
  const started = Date.now()
  const input = await createTopic(t, 'ctp-in', { partitions: 3 })
  const output = await createTopic(t, 'ctp-out', { partitions: 3 })
  const group = uniqueName('ctp-group')
  const records = Array.from({ length: events }, (_, i) =>
    envelopeRecord(input, `k${i % 100}`, 'test.happened', '1.0', { entity: `k${i % 100}`, seq: i }),
  )
  await rawProducer(t).send(records)

  let handled = 0
  const env = {
    IN: input,
    OUT: output,
    GROUP: group,
    COMMIT_INTERVAL_MS: '500',
    HANDLER_MS: '10',
    // A stable id: each restarted service aborts what the killed one left open.
    ...(transactional && { TX_ID: uniqueName('ctp-tx') }),
    ...(batch !== undefined && { BATCH: String(batch) }),
  }
  const start = (): Child => {
    const proc = spawn(process.execPath, ['--conditions=kafkit-source', script], {
      env: { ...process.env, KAFKA_BROKERS: brokers().join(','), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    t.after(() => void proc.kill('SIGKILL'))
    const ready = Promise.withResolvers<void>()
    let buffer = ''
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        if (line === 'ready') ready.resolve()
        else if (line === 'handled') handled++
      }
    })
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
    void exited.then(() => ready.reject(new Error('the service exited before it was ready')))
    return { process: proc, ready: ready.promise, exited }
  }

  const admin = track(t, new Admin({ clientId: uniqueName('ctp-admin'), bootstrapBrokers: brokers() }))
  const committed = async () => {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
    const parts = offsets?.topics.find((x) => x.name === input)?.partitions ?? []
    return parts.reduce((sum, p) => sum + (p.committedOffset > 0n ? p.committedOffset : 0n), 0n)
  }
  const kinds: string[] = []
  for (let k = 1; k <= kills; k++) {
    const child = start()
    await child.ready
    // Killed once it has committed past its share: mid-stream, with commits behind it and work after.
    const at = BigInt(Math.floor((events * k) / (kills + 1)))
    await waitFor(async () => (await committed()) >= at, `${at} input offsets committed`, {
      timeoutMs: 180_000,
      intervalMs: 20,
    })
    // Then some more work (less than a commit interval's worth): handled, published, not committed.
    const more = handled + Math.min(200, Math.floor(events / (kills + 1) / 4))
    await waitFor(() => handled >= more, `${more} events handled`, { timeoutMs: 60_000, intervalMs: 2 })
    kinds.push(`kill ${k} at ${handled} handled`)
    child.process.kill('SIGKILL')
    await child.exited
  }
  const last = start()
  await last.ready
  await waitFor(async () => (await committed()) >= BigInt(events), 'every input offset committed', {
    timeoutMs: 300_000,
    intervalMs: 250,
  })
  last.process.kill('SIGTERM')
  await last.exited

  const out = await readCommitted(t, output, { timeoutMs: 120_000 })
  // An output echoes its input's payload: its seq names the input (a batch handler's outputs carry
  // no one input's id as causation id).
  const seen = new Map<number, number>()
  for (const r of out) {
    const { seq } = (JSON.parse(r.value.toString()) as { payload: { seq: number } }).payload
    seen.set(seq, (seen.get(seq) ?? 0) + 1)
  }
  return {
    inputs: events,
    outputs: out.length,
    lost: records.filter((_, seq) => !seen.has(seq)).length,
    duplicates: out.length - seen.size,
    handled,
    ms: Date.now() - started,
    kills: kinds,
  }
}
