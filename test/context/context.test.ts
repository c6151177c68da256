import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { test } from 'node:test'
import {
  contextFromHttpHeaders,
  contextOfEvent,
  currentContext,
  runWithContext,
  type EventContext,
} from '../../src/context/index.ts'
import { callInEventContext, runInEventContext } from '../../src/context/context.ts'
import { createEnvelope } from '../../src/envelope/index.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A promise and the function that resolves it, to interleave flows without timers. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

test('there is no context outside runWithContext', () => {
  assert.equal(currentContext(), undefined)
})

test('a context without a correlation id gets a generated one', () => {
  const seen = runWithContext({}, () => currentContext())
  assert.match(seen!.correlationId, UUID)
  const other = runWithContext({}, () => currentContext())
  assert.notEqual(other!.correlationId, seen!.correlationId)
})

test('nested contexts inherit what they do not set, and the outer one comes back', () => {
  const actor = { id: 'u1', type: 'user' } as const
  runWithContext({ correlationId: 'flow-1', causationId: 'evt-1', actor, traceparent: 'tp-1' }, () => {
    runWithContext({ causationId: 'evt-2', actor: undefined }, () => {
      assert.deepEqual(currentContext(), { correlationId: 'flow-1', causationId: 'evt-2', actor, traceparent: 'tp-1' })
    })
    runWithContext({ correlationId: 'flow-2' }, () => {
      assert.equal(currentContext()!.correlationId, 'flow-2')
      assert.equal(currentContext()!.causationId, 'evt-1')
    })
    assert.equal(currentContext()!.causationId, 'evt-1')
    assert.equal(currentContext()!.correlationId, 'flow-1')
  })
  assert.equal(currentContext(), undefined)
})

test('runWithContext returns what the function returns, promises included', async () => {
  assert.equal(
    runWithContext({ correlationId: 'x' }, () => 42),
    42,
  )
  const value = await runWithContext({ correlationId: 'y' }, async () => {
    await Promise.resolve()
    return currentContext()!.correlationId
  })
  assert.equal(value, 'y')
})

test('concurrent async flows never see each other’s context', async () => {
  const a = gate()
  const b = gate()
  const seen: Record<string, string[]> = { A: [], B: [] }
  const flow = (name: 'A' | 'B', wait: Promise<void>, release: () => void) =>
    runWithContext({ correlationId: `flow-${name}` }, async () => {
      seen[name]!.push(currentContext()!.correlationId)
      release()
      await wait
      seen[name]!.push(currentContext()!.correlationId)
      await new Promise<void>((resolve) => setImmediate(resolve))
      seen[name]!.push(currentContext()!.correlationId)
    })
  // A waits for B to start and B waits for A: their continuations interleave.
  await Promise.all([flow('A', b.opened, a.open), flow('B', a.opened, b.open)])
  assert.deepEqual(seen, { A: ['flow-A', 'flow-A', 'flow-A'], B: ['flow-B', 'flow-B', 'flow-B'] })
})

test('a hundred flows interleaved on the microtask queue keep their own ids', async () => {
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      runWithContext({ correlationId: `c-${i}` }, async () => {
        const ids: string[] = []
        for (let step = 0; step < (i % 7) + 1; step++) {
          await Promise.resolve()
          ids.push(currentContext()!.correlationId)
        }
        return ids.every((id) => id === `c-${i}`)
      }),
    ),
  )
  assert.equal(results.filter(Boolean).length, 100)
})

test('contextOfEvent continues the handled event’s flow, with the event as the cause', () => {
  const envelope = createEnvelope({
    type: 'ride.completed',
    version: '1.0',
    source: 'ride-service',
    payload: {},
    correlationId: 'flow-7',
    actor: { id: 'driver-1', type: 'user' },
  })
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  const context: EventContext = contextOfEvent(envelope, { traceparent, tracestate: undefined })
  assert.equal(context.correlationId, 'flow-7')
  assert.equal(context.causationId, envelope.id)
  assert.deepEqual(context.actor, { id: 'driver-1', type: 'user' })
  assert.equal(context.traceparent, traceparent)
  // Running in it makes those ids current for whatever the handler publishes.
  runWithContext(context, () => assert.equal(currentContext()!.causationId, envelope.id))
})

test('contextFromHttpHeaders takes the first correlation header present', () => {
  assert.equal(
    contextFromHttpHeaders({ 'x-correlation-id': 'a', 'x-request-id': 'b', 'correlation-id': 'c' }).correlationId,
    'a',
  )
  assert.equal(contextFromHttpHeaders({ 'x-request-id': 'b', 'correlation-id': 'c' }).correlationId, 'b')
  assert.equal(contextFromHttpHeaders({ 'correlation-id': 'c' }).correlationId, 'c')
  assert.equal(contextFromHttpHeaders({ 'x-request-id': ['first', 'second'] }).correlationId, 'first')
})

test('contextFromHttpHeaders skips empty or oversized ids and generates one when none is usable', () => {
  assert.equal(contextFromHttpHeaders({ 'x-correlation-id': '', 'x-request-id': 'r' }).correlationId, 'r')
  assert.equal(contextFromHttpHeaders({ 'x-correlation-id': 'x'.repeat(201), 'x-request-id': 'r' }).correlationId, 'r')
  assert.match(contextFromHttpHeaders({}).correlationId, UUID)
  assert.match(contextFromHttpHeaders({ 'x-correlation-id': 'x'.repeat(201) }).correlationId, UUID)
})

test('contextFromHttpHeaders reads W3C trace context, and header names in any case', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  const context = contextFromHttpHeaders({ 'X-Correlation-ID': 'req-1', Traceparent: traceparent, tracestate: 'v=1' })
  assert.deepEqual(context, { correlationId: 'req-1', traceparent, tracestate: 'v=1' })
})

// ---- the consumer's entry point: a handler in its event's context ------------------------------

/** Another AsyncLocalStorage, as OpenTelemetry's context manager keeps the active span in one. */
const spans = new AsyncLocalStorage<string>()

function handled(correlationId: string) {
  const envelope = createEnvelope({ type: 'ride.completed', version: '1.0', source: 's', payload: {}, correlationId })
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  return { envelope, headers: new Map([['traceparent', traceparent]]), traceparent }
}

test('a handler runs in its event’s context and in the caller’s other contexts, also after awaits', async () => {
  const { envelope, headers, traceparent } = handled('h1')
  const seen: unknown[] = []
  const look = (where: string) => {
    const c = currentContext()
    seen.push([where, c?.correlationId, c?.causationId, c?.traceparent, spans.getStore()])
  }
  const done = await spans.run('record-span', () =>
    callInEventContext(
      envelope,
      headers,
      async (a: number, b: string) => {
        look(`sync ${a} ${b}`)
        await Promise.resolve()
        look('after await')
        await new Promise<void>((resolve) => setImmediate(resolve))
        look('after a turn of the loop')
        return 'result'
      },
      1,
      'b',
    ),
  )
  assert.equal(done, 'result')
  const expected = (where: string) => [where, 'h1', envelope.id, traceparent, 'record-span']
  assert.deepEqual(seen, [expected('sync 1 b'), expected('after await'), expected('after a turn of the loop')])
})

test('after a handler returns or throws, the caller’s contexts are back, and its continuations see them', async () => {
  const { envelope, headers } = handled('h2')
  const after: unknown[] = []
  await runWithContext({ correlationId: 'caller' }, () =>
    spans.run('caller-span', async () => {
      const pending = callInEventContext(
        envelope,
        headers,
        () => Promise.resolve(currentContext()?.correlationId),
        0,
        0,
      )
      after.push([currentContext()?.correlationId, spans.getStore()])
      assert.equal(await pending, 'h2')
      // A continuation the caller registered after the handler returned runs in the caller's context.
      after.push([currentContext()?.correlationId, spans.getStore()])
      assert.throws(() =>
        callInEventContext(
          envelope,
          headers,
          () => {
            throw new Error('handler failed')
          },
          0,
          0,
        ),
      )
      after.push([currentContext()?.correlationId, spans.getStore()])
    }),
  )
  assert.deepEqual(after, [
    ['caller', 'caller-span'],
    ['caller', 'caller-span'],
    ['caller', 'caller-span'],
  ])
  assert.equal(currentContext(), undefined)
  assert.equal(spans.getStore(), undefined)
})

test('a context entered inside a handler (a middleware’s span) is seen there, over the event’s', async () => {
  const { envelope, headers } = handled('h3')
  const seen = await runInEventContext(envelope, headers, () =>
    spans.run('middleware-span', async () => {
      await Promise.resolve()
      return [currentContext()?.correlationId, spans.getStore()]
    }),
  )
  assert.deepEqual(seen, ['h3', 'middleware-span'])
  assert.equal(spans.getStore(), undefined)
})

test('interleaved handlers keep their own event contexts across awaits', async () => {
  const flows = Array.from({ length: 50 }, (_, i) => handled(`f${i}`))
  const results = await Promise.all(
    flows.map(({ envelope, headers }, i) =>
      callInEventContext(
        envelope,
        headers,
        async (steps: number, id: string) => {
          const ids: string[] = []
          for (let step = 0; step < steps; step++) {
            await Promise.resolve()
            ids.push(currentContext()!.causationId!)
          }
          return ids.every((seen) => seen === id)
        },
        (i % 5) + 1,
        envelope.id,
      ),
    ),
  )
  assert.equal(results.filter(Boolean).length, 50)
})
