// At-least-once across a hard crash, and no duplicates across a graceful stop.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { brokers, createTopic, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'

const child = fileURLToPath(new URL('./fixtures/child-consumer.ts', import.meta.url))
const EVENTS = 3000
const SETTINGS = { CONCURRENCY: 4, MAX_IN_FLIGHT: 40, COMMIT_INTERVAL_MS: 200, HANDLER_MS: 5 }

interface Run {
  process: ChildProcess
  handled: string[]
  ready: Promise<void>
  exited: Promise<number | null>
}

function startChild(t: TestContext, topic: string, group: string): Run {
  const proc = spawn(process.execPath, ['--conditions=kafkit-source', child], {
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), TOPIC: topic, GROUP: group, ...stringify(SETTINGS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => void proc.kill('SIGKILL'))
  const handled: string[] = []
  let markReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  let buffer = ''
  proc.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      if (line === 'ready') markReady()
      else if (line.startsWith('handled ')) handled.push(line.slice('handled '.length))
    }
  })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { process: proc, handled, ready, exited }
}

function stringify(values: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]))
}

async function produce(t: TestContext, topic: string): Promise<string[]> {
  const records = Array.from({ length: EVENTS }, (_, i) =>
    envelopeRecord(topic, `k${i % 50}`, 'test.happened', '1.0', { entity: `k${i % 50}`, seq: i }),
  )
  await rawProducer(t).send(records)
  return records.map((r) => (JSON.parse(r.value.toString()) as { id: string }).id)
}

test('SIGKILL mid-stream, then restart: every event handled, duplicates within the in-flight window', async (t) => {
  const topic = await createTopic(t, 'crash', { partitions: 3 })
  const group = uniqueName('crash-group')
  const ids = await produce(t, topic)

  const first = startChild(t, topic, group)
  await first.ready
  await waitFor(() => first.handled.length >= EVENTS / 3, 'a third of the events handled', { timeoutMs: 60_000 })
  first.process.kill('SIGKILL')
  await first.exited

  const second = startChild(t, topic, group)
  await waitFor(() => new Set([...first.handled, ...second.handled]).size >= EVENTS, 'every event handled', {
    timeoutMs: 90_000,
  })
  const all = [...first.handled, ...second.handled]
  const unique = new Set(all)
  assert.deepEqual(
    [...ids].filter((id) => !unique.has(id)),
    [],
    'no event skipped',
  )
  const duplicates = all.length - unique.size
  // What can be handled twice: work finished after the last commit (one commit interval's worth at
  // full speed) plus every record held in the pool when the process died.
  const perInterval = Math.ceil((SETTINGS.CONCURRENCY / SETTINGS.HANDLER_MS) * SETTINGS.COMMIT_INTERVAL_MS)
  const bound = SETTINGS.MAX_IN_FLIGHT + perInterval
  t.diagnostic(`killed after ${first.handled.length} handled; ${duplicates} duplicates (bound ${bound})`)
  assert.ok(duplicates <= bound, `${duplicates} duplicates exceed the in-flight window ${bound}`)
})

test('graceful stop under load, then restart: no event handled twice', async (t) => {
  const topic = await createTopic(t, 'graceful', { partitions: 3 })
  const group = uniqueName('graceful-group')
  const ids = await produce(t, topic)

  const first = startChild(t, topic, group)
  await first.ready
  await waitFor(() => first.handled.length >= EVENTS / 3, 'a third of the events handled', { timeoutMs: 60_000 })
  first.process.kill('SIGTERM')
  assert.equal(await first.exited, 0, 'the consumer stopped cleanly')

  const second = startChild(t, topic, group)
  await waitFor(() => first.handled.length + second.handled.length >= EVENTS, 'every event handled', {
    timeoutMs: 90_000,
  })
  const all = [...first.handled, ...second.handled]
  assert.equal(new Set(all).size, all.length, 'no event handled twice')
  assert.deepEqual(new Set(all), new Set(ids))
})
