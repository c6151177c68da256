// A JVM service and kafkit on one registry topic: a Java program (the Kafka client, Jackson and the
// registry's REST API, compiled from source by the test) writes Confluent-framed JSON records that a
// kafkit consumer handles, and reads kafkit's records, resolving their writer schema by id.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { z } from 'zod'
import { javaBinary, libsDir } from '../../scripts/kafka/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { createKafkit } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { pushSchemas } from '../../src/schema/index.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { javaAvailable } from '../support/java.ts'
import { registryUrl, testRegistry } from '../support/registry.ts'

const SOURCE = fileURLToPath(new URL('../../scripts/java/RegistryInterop.java', import.meta.url))

function java(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(javaBinary()!, ['-cp', `${libsDir()}/*`, SOURCE, ...args])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`RegistryInterop ${args[0]} exited with ${code}:\n${stdout}\n${stderr}`))
    })
  })
}

interface JavaRead {
  key: string
  schemaId: number
  eventType: string
  eventVersion: string
  eventId: string
  payload: Record<string, unknown>
  problems: string[]
}

test(
  'a Java producer and consumer interoperate with kafkit on a registry-json topic',
  { skip: !javaAvailable() && 'needs Java 17+ and the Kafka jars', timeout: 300_000 },
  async (t) => {
    const name = uniqueName('registry-interop')
    deleteAfter(t, () => [name, `${name}.dlq`])
    const topic = defineTopic({ name, key: 'ride_id', partitions: 1, codec: 'registry-json' })
    const RideCompleted = defineEvent({
      type: 'ride.completed',
      version: '1.0',
      topic,
      schema: z.object({ ride_id: z.string(), fare: z.number(), distance_km: z.number().int() }),
    })
    const catalog = createCatalog([RideCompleted])
    const subjects: string[] = []
    const registry = testRegistry(t, {}, () => subjects)
    const subject = registry.subjectOf({ topic: name, type: 'ride.completed', major: 1 })
    subjects.push(subject)
    const [pushed] = await pushSchemas(catalog, registry) // the contract the JVM side looks up
    assert.ok(pushed?.id !== undefined, String(pushed?.error))

    const kafkit = createKafkit({
      service: 'kafkit-side',
      catalog,
      client: { brokers: brokers() },
      logger: silentLogger(),
      registry,
    })
    defer(t, () => kafkit.close())
    await kafkit.provision()
    const handled: { id: string; source: string; correlation: string; payload: unknown }[] = []
    const consumer = kafkit.consumer({ group: uniqueName('interop-group') })
    consumer.on(RideCompleted, (event) => {
      handled.push({ id: event.id, source: event.source, correlation: event.correlation_id, payload: event.payload })
    })
    await consumer.start()

    // Java → kafkit
    const sent = await java(['produce', brokers().join(','), registryUrl(), name, subject, '3'])
    const javaIds = [...sent.matchAll(/^sent (\S+) schema (\d+)/gm)].map((m) => ({ id: m[1]!, schema: Number(m[2]) }))
    assert.equal(javaIds.length, 3, sent)
    assert.ok(javaIds.every((s) => s.schema === pushed.id))
    await waitFor(() => handled.length === 3, 'the Java records handled by kafkit')
    assert.deepEqual(
      handled.map((h) => h.id),
      javaIds.map((s) => s.id),
    )
    assert.deepEqual(handled[1], {
      id: javaIds[1]!.id,
      source: 'java-interop',
      correlation: 'java-flow-1',
      payload: { ride_id: 'java-1', fare: 11.5, distance_km: 4 },
    })

    // kafkit → Java
    const published = await kafkit.publish(RideCompleted, { ride_id: 'kafkit-1', fare: 7.25, distance_km: 12 })
    const read = (await java(['consume', brokers().join(','), registryUrl(), name, '4']))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JavaRead)
    assert.equal(read.length, 4)
    const ours = read.find((r) => r.key === 'kafkit-1')!
    assert.deepEqual(ours, {
      key: 'kafkit-1',
      schemaId: pushed.id,
      eventType: 'ride.completed',
      eventVersion: '1.0',
      eventId: published.eventId,
      payload: { ride_id: 'kafkit-1', fare: 7.25, distance_km: 12 },
      problems: [],
    })
    assert.ok(read.every((r) => r.problems.length === 0 && r.schemaId === pushed.id))
  },
)
