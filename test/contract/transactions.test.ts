// The contract, continued: a transactional consumer (consume-transform-produce in one Kafka
// transaction) on both backends, with the same assertions. Outputs reach read_committed readers
// with the input offsets that caused them; an aborted transaction's outputs never do.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { backends, uniqueName, type RawRecord } from './backends.ts'

function events() {
  const input = defineTopic({ name: uniqueName('contract-tx-in'), key: 'order_id', partitions: 1 })
  const output = defineTopic({ name: uniqueName('contract-tx-out'), key: 'order_id', partitions: 1 })
  // A topic whose broker limit refuses the records published to it: a transaction writing there fails.
  const tiny = defineTopic({
    name: uniqueName('contract-tx-tiny'),
    key: 'order_id',
    partitions: 1,
    config: { 'max.message.bytes': '2048' },
  })
  const order = z.object({ order_id: z.string(), seq: z.number() })
  const Placed = defineEvent({ type: 'order.placed', version: '1.0', topic: input, schema: order })
  const Shipped = defineEvent({ type: 'order.shipped', version: '1.0', topic: output, schema: order })
  const Oversized = defineEvent({
    type: 'order.oversized',
    version: '1.0',
    topic: tiny,
    schema: z.object({ order_id: z.string(), blob: z.string() }),
  })
  return { input, output, Placed, Shipped, Oversized }
}

const TX = {
  commitInterval: 50,
  lagInterval: false,
  heartbeatInterval: 500,
  sessionTimeout: 6000,
  transactional: { timeout: '10s' },
} as const

const payloads = (records: RawRecord[]) =>
  records.map((r) => (JSON.parse(r.value!.toString()) as { payload: { order_id: string; seq: number } }).payload)

for (const backend of backends) {
  describe(`contract on ${backend.name}: transactions`, () => {
    test('outputs commit with the input offsets, each once; a failed attempt’s outputs are never written', async (t) => {
      const { input, output, Placed, Shipped, Oversized } = events()
      const world = await backend.world(t, [Placed, Shipped, Oversized])
      const consumer = world
        .consumer({ ...TX, retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 } })
        .on(Placed, async (event, ctx) => {
          await ctx.publish(Shipped, event.payload)
          if (event.payload.seq % 3 === 0 && ctx.attempt === 1) throw new Error('fails after publishing')
        })
      t.after(() => consumer.close())
      await consumer.start()
      for (let seq = 0; seq < 9; seq++) await world.kafkit.publish(Placed, { order_id: `o${seq}`, seq })
      await world.waitFor(
        async () => (await world.committed(consumer.group, input.name, 0)) === 9n,
        'every input offset committed',
      )
      const committed = payloads(await world.readAs(output.name, 'read_committed'))
      assert.deepEqual(
        committed.map((p) => p.seq).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8],
      )
      // The failed attempts' publishes were dropped before any transaction: not even aborted records.
      assert.equal((await world.readAs(output.name, 'read_uncommitted')).length, 9)
    })

    test('an aborted transaction: its outputs never reach read_committed readers, its offsets are not committed', async (t) => {
      const { input, output, Placed, Shipped, Oversized } = events()
      const world = await backend.world(t, [Placed, Shipped, Oversized])
      const consumer = world.consumer(TX).on(Placed, async (event, ctx) => {
        await ctx.publish(Shipped, event.payload)
        // Over the topic's max.message.bytes: the broker refuses it, and every commit aborts.
        await ctx.publish(Oversized, { order_id: event.payload.order_id, blob: 'x'.repeat(4096) })
      })
      t.after(() => consumer.close())
      await consumer.start()
      await world.kafkit.publish(Placed, { order_id: 'doomed', seq: 1 })
      // The output was written in a transaction (a read_uncommitted reader sees it)...
      await world.waitFor(
        async () => payloads(await world.readAs(output.name, 'read_uncommitted')).some((p) => p.order_id === 'doomed'),
        'the output written in a transaction',
      )
      await consumer.close()
      // ...and a record written after it is read by read_committed readers, without the aborted one.
      await world.kafkit.publish(Shipped, { order_id: 'after', seq: 2 })
      assert.deepEqual(payloads(await world.readAs(output.name, 'read_committed')), [{ order_id: 'after', seq: 2 }])
      const uncommitted = payloads(await world.readAs(output.name, 'read_uncommitted'))
      assert.ok(uncommitted.some((p) => p.order_id === 'doomed'))
      assert.deepEqual(uncommitted.at(-1), { order_id: 'after', seq: 2 })
      assert.equal(await world.committed(consumer.group, input.name, 0), undefined)
    })
  })
}
