// Child-process entry (see child.ts): `worker.ts <scenario>.<task>` runs that task of
// bench/scenarios/<scenario>.ts with the parameters the parent sends, and reports its result.
import { EventEmitter } from 'node:events'

export interface TaskContext {
  /** Tells the parent something while the task runs. */
  emit(event: unknown): void
  /** Messages from the parent while the task runs. */
  inbox: EventEmitter<{ message: [unknown] }>
}

export type Task = (params: never, ctx: TaskContext) => Promise<unknown>

const [scenario, name] = (process.argv[2] ?? '').split('.')
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()))
const inbox = new EventEmitter<{ message: [unknown] }>()

process.on('message', (raw: { params?: unknown; message?: unknown }) => {
  if ('params' in raw) void run(raw.params)
  else inbox.emit('message', raw.message)
})

async function run(params: unknown): Promise<void> {
  let code = 0
  try {
    const module = (await import(`../scenarios/${scenario}.ts`)) as { tasks: Record<string, Task> }
    const task = module.tasks[name ?? '']
    if (!task) throw new Error(`no task ${name} in bench/scenarios/${scenario}.ts`)
    const value = await task(params as never, { emit: (event) => void send({ type: 'event', value: event }), inbox })
    await send({ type: 'result', value })
  } catch (error) {
    code = 1
    await send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
  // Open sockets or timers of a client under test must not keep the child alive.
  process.exit(code)
}
