// The contract, continued: a transactional consumer (consume-transform-produce in one Kafka
// transaction) on both backends, with the same assertions. Outputs reach read_committed readers
// with the input offsets that caused them; an aborted transaction's outputs never do.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import type { AnyEvent } from '../../src/catalog/event.ts'
import { backends, uniqueName, type RawRecord, type World } from './backends.ts'

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

/** Done once a record of `order_id` was read. */
const upTo = (orderId: string) => (records: RawRecord[]) => payloads(records).some((p) => p.order_id === orderId)

/** A handler whose transactions always abort: its second output is over its topic's max.message.bytes. */
function doomed(world: World<AnyEvent>, e: ReturnType<typeof events>) {
  return world.consumer(TX).on(e.Placed, async (event, ctx) => {
    await ctx.publish(e.Shipped, event.payload)
    await ctx.publish(e.Oversized, { order_id: event.payload.order_id, blob: 'x'.repeat(4096) })
  })
}

for (const backend of backends) {
  describe(`contract on ${backend.name}: transactions`, () => {
    test('outputs commit with the input offsets, each once; a failed attempt’s outputs are never written', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const consumer = world
        .consumer({ ...TX, retry: { maxAttempts: 2, initialBackoff: 10, maxBackoff: 20 } })
        .on(e.Placed, async (event, ctx) => {
          await ctx.publish(e.Shipped, event.payload)
          if (event.payload.seq % 3 === 0 && ctx.attempt === 1) throw new Error('fails after publishing')
        })
      t.after(() => consumer.close())
      await consumer.start()
      for (let seq = 0; seq < 9; seq++) await world.kafkit.publish(e.Placed, { order_id: `o${seq}`, seq })
      await world.waitFor(
        async () => (await world.committed(consumer.group, e.input.name, 0)) === 9n,
        'every input offset committed',
      )
      await consumer.close()
      // A record written after everything else: a reader that has it has read all before it.
      await world.kafkit.publish(e.Shipped, { order_id: 'end', seq: -1 })
      // Outputs are in the order their inputs finished (the retried ones later), the marker last.
      const seqs = (records: RawRecord[]) => payloads(records).map((p) => p.seq)
      const expected = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8]
      const committed = seqs(await world.readAs(e.output.name, 'read_committed', upTo('end')))
      assert.equal(committed.at(-1), -1)
      assert.deepEqual(
        committed.sort((a, b) => a - b),
        expected,
      )
      // The failed attempts' publishes were dropped before any transaction: not even aborted records.
      const all = seqs(await world.readAs(e.output.name, 'read_uncommitted', upTo('end')))
      assert.deepEqual(
        all.sort((a, b) => a - b),
        expected,
      )
    })

    test('a batch handler’s outputs commit with its records’ offsets, each once across a failed try and a split', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const consumer = world.consumer({ ...TX, retry: { maxAttempts: 2, initialBackoff: 10, maxBackoff: 20 } }).onBatch(
        e.Placed,
        async (batch, ctx) => {
          for (const event of batch) await ctx.publish(e.Shipped, event.payload)
          // 4 fails its batch's first try only; 7 fails every try: its batch is split, 7 is dead-lettered.
          if (batch.some((x) => x.payload.seq === 4) && ctx.attempt === 1) throw new Error('fails once')
          if (batch.some((x) => x.payload.seq === 7)) throw new Error('poison')
        },
        { maxSize: 3, maxWait: 20 },
      )
      t.after(() => consumer.close())
      await consumer.start()
      for (let seq = 0; seq < 9; seq++) await world.kafkit.publish(e.Placed, { order_id: `o${seq}`, seq })
      await world.waitFor(
        async () => (await world.committed(consumer.group, e.input.name, 0)) === 9n,
        'every input offset committed',
      )
      await consumer.close()
      await world.kafkit.publish(e.Shipped, { order_id: 'end', seq: -1 })
      const seqs = (records: RawRecord[]) => payloads(records).map((p) => p.seq)
      const expected = [-1, 0, 1, 2, 3, 4, 5, 6, 8]
      const committed = seqs(await world.readAs(e.output.name, 'read_committed', upTo('end')))
      assert.deepEqual(
        committed.sort((a, b) => a - b),
        expected,
      )
      // The failed tries' publishes were dropped before any transaction: not even aborted records.
      const all = seqs(await world.readAs(e.output.name, 'read_uncommitted', upTo('end')))
      assert.deepEqual(
        all.sort((a, b) => a - b),
        expected,
      )
    })

    test('an aborted transaction: its outputs never reach read_committed readers, its offsets are not committed', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const consumer = doomed(world as World<AnyEvent>, e)
      t.after(() => consumer.close())
      await consumer.start()
      await world.kafkit.publish(e.Placed, { order_id: 'doomed', seq: 1 })
      // The output was written in a transaction (a read_uncommitted reader sees it)...
      await world.readAs(e.output.name, 'read_uncommitted', upTo('doomed'))
      await consumer.close()
      // ...and a record written after it is read by read_committed readers, without the aborted one.
      await world.kafkit.publish(e.Shipped, { order_id: 'after', seq: 2 })
      assert.deepEqual(payloads(await world.readAs(e.output.name, 'read_committed', upTo('after'))), [
        { order_id: 'after', seq: 2 },
      ])
      const uncommitted = payloads(await world.readAs(e.output.name, 'read_uncommitted', upTo('after')))
      assert.ok(uncommitted.some((p) => p.order_id === 'doomed'))
      assert.equal(await world.committed(consumer.group, e.input.name, 0), undefined)
    })

    test('a read_committed kafkit consumer never handles an aborted transaction’s records', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const producer = doomed(world as World<AnyEvent>, e)
      t.after(() => producer.close())
      await producer.start()
      await world.kafkit.publish(e.Placed, { order_id: 'doomed', seq: 1 })
      await world.readAs(e.output.name, 'read_uncommitted', upTo('doomed'))
      await producer.close()
      await world.kafkit.publish(e.Shipped, { order_id: 'after', seq: 2 })
      const handled: string[] = []
      const downstream = world
        .consumer({ ...TX, transactional: false, group: uniqueName('downstream') })
        .on(e.Shipped, (event) => void handled.push(event.payload.order_id))
      t.after(() => downstream.close())
      await downstream.start()
      await world.waitFor(() => handled.includes('after'), 'the record after the aborted transaction handled')
      assert.deepEqual(handled, ['after'])
      // The aborted records were stepped over, not left behind: the commit passes them.
      const written = await world.readAs(e.output.name, 'read_uncommitted', upTo('after'))
      const after = written.find((r) => payloads([r])[0]!.order_id === 'after')!
      assert.ok(written.some((r) => payloads([r])[0]!.order_id === 'doomed' && r.offset < after.offset))
      await world.waitFor(
        async () => (await world.committed(downstream.group, e.output.name, 0)) === after.offset + 1n,
        'the offset after the record handled committed',
      )
    })

    test('a read_committed kafkit consumer commits past an aborted transaction that ends a partition', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const producer = world.consumer(TX).on(e.Placed, async (event, ctx) => {
        await ctx.publish(e.Shipped, event.payload)
        if (event.payload.order_id === 'doomed')
          await ctx.publish(e.Oversized, { order_id: 'doomed', blob: 'x'.repeat(4096) })
      })
      t.after(() => producer.close())
      await producer.start()
      for (let seq = 0; seq < 3; seq++) await world.kafkit.publish(e.Placed, { order_id: `ok${seq}`, seq })
      await world.readAs(e.output.name, 'read_committed', (records) => records.length === 3)
      await world.kafkit.publish(e.Placed, { order_id: 'doomed', seq: 3 })
      await world.readAs(e.output.name, 'read_uncommitted', upTo('doomed'))
      await producer.close()
      // The partition now ends with the doomed transaction's records and ABORT marker (once its
      // transactions have ended: the last stable offset is then the end offset).
      const handled: string[] = []
      const downstream = world
        .consumer({ ...TX, transactional: false, group: uniqueName('downstream') })
        .on(e.Shipped, (event) => void handled.push(event.payload.order_id))
      t.after(() => downstream.close())
      await downstream.start()
      await world.waitFor(() => handled.length === 3, 'the committed records handled')
      const end = await world.endOffset(e.output.name, 0)
      const written = await world.readAs(e.output.name, 'read_uncommitted', upTo('doomed'))
      assert.ok(written.at(-1)!.offset + 1n < end, 'the partition ends with a transaction marker')
      await world.waitFor(
        async () => (await world.committed(downstream.group, e.output.name, 0)) === end,
        `the group's offset committed up to the end offset ${end}`,
      )
      assert.deepEqual(handled, ['ok0', 'ok1', 'ok2'])
    })

    test('a kafkit consumer commits past the COMMIT marker that ends a partition', async (t) => {
      const e = events()
      const world = await backend.world(t, [e.Placed, e.Shipped, e.Oversized])
      const producer = world.consumer(TX).on(e.Placed, async (event, ctx) => {
        await ctx.publish(e.Shipped, event.payload)
      })
      t.after(() => producer.close())
      await producer.start()
      for (let seq = 0; seq < 3; seq++) await world.kafkit.publish(e.Placed, { order_id: `ok${seq}`, seq })
      await world.readAs(e.output.name, 'read_committed', (records) => records.length === 3)
      await producer.close()
      const end = await world.endOffset(e.output.name, 0)
      const written = await world.readAs(e.output.name, 'read_uncommitted', (records) => records.length === 3)
      assert.equal(written.at(-1)!.offset + 2n, end, 'the partition ends with a COMMIT marker')
      // The last record's handler is held: the commit stops below it, marker or not.
      let release = () => undefined as void
      const held = new Promise<void>((resolve) => (release = resolve))
      const handled: string[] = []
      const downstream = world
        .consumer({ ...TX, transactional: false, group: uniqueName('downstream') })
        .on(e.Shipped, async (event) => {
          if (event.payload.order_id === 'ok2') await held
          handled.push(event.payload.order_id)
        })
      t.after(() => downstream.close())
      t.after(() => release())
      await downstream.start()
      await world.waitFor(
        async () => (await world.committed(downstream.group, e.output.name, 0)) === written.at(-1)!.offset,
        'the offsets before the held record committed',
      )
      assert.deepEqual(handled, ['ok0', 'ok1'])
      release()
      await world.waitFor(
        async () => (await world.committed(downstream.group, e.output.name, 0)) === end,
        `the group's offset committed up to the end offset ${end}`,
      )
      assert.deepEqual(handled, ['ok0', 'ok1', 'ok2'])
    })
  })
}
