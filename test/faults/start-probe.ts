// consumer.start() against a cluster that fails (wrong credentials, a silent broker), in its own
// process so that a start that never returns can be ended. Prints one line of JSON: how long start()
// took and how it ended. Settings come as JSON in CLIENT. With CLOSE_AFTER_MS, consumer.close() is
// called that long into the start, and how long it took is printed too (closeMs).
import { Consumer } from '../../src/consumer/index.ts'
import { createCatalog } from '../../src/catalog/index.ts'
import { KafkitError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { faultEvent } from './support.ts'

const { Seq } = faultEvent('faults.start-probe', 1)
const consumer = new Consumer({
  client: JSON.parse(process.env['CLIENT']!) as never,
  catalog: createCatalog([Seq]),
  service: 'faults',
  group: 'faults-start-probe',
  logger: silentLogger(),
})
consumer.on(Seq, () => undefined)
const started = Date.now()
const closeAfter = process.env['CLOSE_AFTER_MS']
const closing =
  closeAfter === undefined
    ? undefined
    : new Promise<number>((resolve) =>
        setTimeout(() => {
          const at = Date.now()
          void consumer.close().then(() => resolve(Date.now() - at))
        }, Number(closeAfter)),
      )
const outcome = await consumer.start().then(
  () => ({ ok: true }),
  (error: unknown) => ({
    ok: false,
    code: KafkitError.is(error) ? error.code : (error as { code?: string }).code,
    message: error instanceof Error ? error.message : String(error),
  }),
)
const ms = Date.now() - started
const closeMs = await closing
process.stdout.write(JSON.stringify({ ms, ...outcome, ...(closeMs !== undefined && { closeMs }) }) + '\n')
process.exit(0)
