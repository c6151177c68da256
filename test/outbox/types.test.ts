// Compile-time guarantees of the outbox and the inbox: the payload type comes from the event's
// schema, the transaction is the driver's own handle, and a handler given to `inbox.handle` gets
// the consumer's typed event. The type-check is the assertion; the calls are compiled, never run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PGlite } from '@electric-sql/pglite'
import type pg from 'pg'
import type postgres from 'postgres'
import { z } from 'zod'
import { defineEvent, defineTopic, type Consumer } from 'kafkit'
import {
  createInbox,
  createOutbox,
  pgDatabase,
  pgliteDatabase,
  postgresDatabase,
  type OutboxEntry,
  type PgQueryable,
} from 'kafkit/outbox'

const RideCompleted = defineEvent({
  type: 'ride.completed',
  version: '1.0',
  topic: defineTopic({ name: 'txova.rides.v1', key: 'ride_id' }),
  schema: z.object({ ride_id: z.string(), fare: z.number() }),
})

test('outbox.publish takes the schema input and the driver transaction', () => {
  const calls = (pool: pg.Pool, sql: postgres.Sql, lite: PGlite) => {
    const outbox = createOutbox({ database: pgDatabase(pool), service: 's' })
    const viaPg: Promise<OutboxEntry> = pgDatabase(pool).transaction((tx) =>
      outbox.publish(tx, RideCompleted, { ride_id: 'r', fare: 1 }),
    )
    // @ts-expect-error fare must be a number
    void outbox.publish({} as PgQueryable, RideCompleted, { ride_id: 'r', fare: '1' })
    const porsager = createOutbox({ database: postgresDatabase(sql), service: 's' })
    void sql.begin((tx) => porsager.publish(tx, RideCompleted, { ride_id: 'r', fare: 1 }))
    const embedded = createOutbox({ database: pgliteDatabase(lite), service: 's' })
    void lite.transaction((tx) => embedded.publish(tx, RideCompleted, { ride_id: 'r', fare: 1 }))
    // @ts-expect-error a postgres.js transaction is not a pg client
    void outbox.publish(sql, RideCompleted, { ride_id: 'r', fare: 1 })
    return viaPg
  }
  assert.equal(typeof calls, 'function')
})

test('inbox.handle gives the handler the typed event and the transaction', () => {
  const calls = (consumer: Consumer, pool: pg.Pool) => {
    const inbox = createInbox({ database: pgDatabase(pool) })
    consumer.on(
      RideCompleted,
      inbox.handle(async (event, _ctx, tx) => {
        const fare: number = event.payload.fare
        // @ts-expect-error no such field
        void event.payload.distance
        await tx.query('SELECT $1', [fare])
      }),
    )
  }
  assert.equal(typeof calls, 'function')
})
