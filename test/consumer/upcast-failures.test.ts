// docs/consumer.md#failure-handling and docs/errors.md (KAFKIT_UPCAST_FAILED): a record that cannot be
// read at the version its handler asks for — an upcaster that throws, or a newer major than the
// handler's — goes to the DLQ at once, never retried, and the partition goes on. On the in-memory Kafka.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { ErrorCodes } from '../../src/errors.ts'
import { createTestKafkit } from '../../src/testing/index.ts'

function versions(name: string, up: (p: { id: string }) => { id: string; n: number }) {
  const topic = defineTopic({ name, key: 'id', partitions: 1 })
  const V1 = defineEvent({ type: 'thing.made', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const V2 = defineEvent({
    type: 'thing.made',
    version: '2.0',
    topic,
    schema: z.object({ id: z.string(), n: z.number() }),
    upcast: { from: V1, up },
  })
  const V3 = defineEvent({
    type: 'thing.made',
    version: '3.0',
    topic,
    schema: z.object({ id: z.string(), n: z.number(), m: z.number() }),
    upcast: { from: V2, up: (p) => ({ ...p, m: 0 }) },
  })
  return { topic, V1, V2, V3, catalog: createCatalog([V1, V2, V3]) }
}

test('an upcaster that throws: the record goes to the DLQ after one try, as KAFKIT_UPCAST_FAILED; the next is handled', async () => {
  let upcasts = 0
  const { topic, V1, V2, catalog } = versions('upcast-failures-throw.v1', (p) => {
    upcasts++
    if (p.id === 'bad') throw new Error('cannot convert')
    return { id: p.id, n: 1 }
  })
  const kit = createTestKafkit({ catalog })
  const handled: string[] = []
  await kit
    .consumer({ group: 'g', retry: { maxAttempts: 5, initialBackoff: 10 } })
    .on(V2, (event) => void handled.push(event.payload.id))
    .start()
  await kit.publish(V1, { id: 'bad' })
  await kit.publish(V1, { id: 'good' })
  await kit.waitFor(() => kit.broker.committed('g', topic.name, 0) === 2n)
  assert.deepEqual(handled, ['good'])
  assert.equal(upcasts, 2, 'the failing upcast was not tried again')
  const [dead] = kit.deadLetters(topic.name)
  assert.equal(dead!.record?.error_code, ErrorCodes.UPCAST_FAILED)
  assert.equal(dead!.record?.retryable, false)
  assert.equal(kit.deadLetters(topic.name).length, 1)
  await kit.close()
})

test('a record of a newer major than the handler’s: the DLQ at once, as KAFKIT_UPCAST_FAILED', async () => {
  const { topic, V2, V3, catalog } = versions('upcast-failures-newer.v1', (p) => ({ id: p.id, n: 1 }))
  const kit = createTestKafkit({ catalog })
  const handled: string[] = []
  await kit
    .consumer({ group: 'g' })
    .on(V2, (event) => void handled.push(event.payload.id))
    .start()
  await kit.publish(V3, { id: 'new', n: 1, m: 2 })
  await kit.publish(V2, { id: 'current', n: 1 })
  await kit.waitFor(() => kit.broker.committed('g', topic.name, 0) === 2n)
  assert.deepEqual(handled, ['current'])
  const [dead] = kit.deadLetters(topic.name)
  assert.equal(dead!.record?.error_code, ErrorCodes.UPCAST_FAILED)
  assert.equal(dead!.record?.attempt_count, 1)
  await kit.close()
})
