// Reports COUNT handled records through the handled log at LOG, then SIGKILLs itself at once (see
// handled-log.test.ts).
import { HandledLogWriter } from './handled-log.ts'

const log = new HandledLogWriter(process.env['LOG']!)
const count = Number(process.env['COUNT'])
for (let i = 0; i < count; i++) log.write('handled', `id-${i}`, i % 6, `key-${i % 100}`, i)
process.kill(process.pid, 'SIGKILL')
