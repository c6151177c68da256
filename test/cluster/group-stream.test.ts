// A wire consumer that joined a group for a one-off read (the DLQ reader, the published-schema scan,
// `kafkit tail`) emits 'error' when it loses its membership and cannot join again (a heartbeat
// answered "rebalance in progress" and the rejoin's connection closed). Unheard, that ends the
// process as an uncaught exception; kafkit ends the read with it instead.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { endReadOnClientError } from '../../src/cluster/group-stream.ts'
import { brokers, createTopic, track, uniqueName } from '../support/kafka.ts'

test("a group reader's client error ends its read with that error, not the process", async (t) => {
  const topic = await createTopic(t, 'group-stream')
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('group-stream'),
      groupId: uniqueName('group-stream'),
      bootstrapBrokers: brokers(),
    }),
  )
  const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: MessagesStreamModes.EARLIEST })
  endReadOnClientError(consumer, stream)
  const uncaught: unknown[] = []
  const onUncaught = (error: unknown) => {
    uncaught.push(error)
    void stream.close() // ends the read below, which then resolves instead of rejecting
  }
  process.on('uncaughtException', onUncaught)
  t.after(() => process.off('uncaughtException', onUncaught))

  // What the wire client emits when a rejoin fails (consumer.js, after a heartbeat's rejoin error).
  const lost = new Error('Connection closed')
  setImmediate(() => consumer.emit('error', lost))
  await assert.rejects(
    (async () => {
      for await (const message of stream) void message
    })(),
    (error: unknown) => error === lost,
  )
  assert.deepEqual(uncaught, [])
})
