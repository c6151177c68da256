// The sender against the real broker, with one fault injected at the wire client's boundary: a
// producer id that cannot be had. Every record still settles, and says it was not sent.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UserError } from '@platformatic/kafka'
import { ClusterView } from '../../src/cluster/view.ts'
import { wireConnectionOptions } from '../../src/config/client.ts'
import { ErrorCodes, type KafkitError } from '../../src/errors.ts'
import { OutgoingRecord } from '../../src/producer/record.ts'
import { Sender } from '../../src/producer/sender.ts'
import { Wire } from '../../src/producer/wire.ts'
import { brokers, createTopic, uniqueName, waitFor } from '../support/kafka.ts'

test('records settle, as not sent, when the producer id cannot be had', async (t) => {
  const topic = await createTopic(t, 'no-producer-id')
  const client = { brokers: brokers() }
  const view = new ClusterView({ client, clientId: uniqueName('sender'), requestTimeoutMs: 5000 })
  const wire = new Wire(
    { ...wireConnectionOptions(client, uniqueName('sender')), idempotent: true },
    { view, fallbackDeadline: () => Date.now() + 30_000, backoff: () => 10 },
  )
  t.after(() => Promise.all([wire.close(), view.close()]))
  // The fault: InitProducerId refused at once (as a broker without the IdempotentWrite ACL does).
  Object.assign(wire, { initIdempotentProducer: () => Promise.reject(new UserError('refused for the test')) })
  const outcomes: (KafkitError | null)[] = []
  const sender = new Sender({
    wire,
    view,
    acks: -1,
    idempotent: true,
    lingerMs: 5,
    batchSizeBytes: 16_384,
    maxRequestBytes: 1024 * 1024,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 100,
    onSettled: (_record, error) => outcomes.push(error),
  })
  const sink = { settle: () => undefined }
  for (const key of ['a', 'b']) {
    sender.enqueue(
      new OutgoingRecord(topic, Buffer.from(key), Buffer.from('v'), {}, undefined, undefined, 30_000, sink),
    )
  }
  await waitFor(() => outcomes.length === 2, 'both records settled', { timeoutMs: 10_000 })
  for (const error of outcomes) {
    assert.equal(error?.code, ErrorCodes.PUBLISH_FAILED)
    assert.match(error.message, /was not sent: no producer id: refused for the test/)
    assert.equal(error.details['sent'], false)
  }
  await sender.idle()
})
