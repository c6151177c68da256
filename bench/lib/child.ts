// Each Node measurement runs in a child process of its own: a clean heap and RSS, no JIT or
// buffer state carried from one client to the next. The child runs `worker.ts`, which calls one
// exported task of a scenario module and sends its result back over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

export interface ChildOptions {
  /** Write a V8 CPU profile of the child into this folder (`node --cpu-prof`). */
  profileDir?: string | undefined
  /** The child is killed and the task fails after this long. */
  timeoutMs?: number
  /** Extra Node/V8 flags for the child (e.g. `--max-semi-space-size=16`). */
  nodeFlags?: string[]
  /**
   * Load kafkit from its build in `dist/` (as an application that installed it does) instead of
   * its TypeScript sources: type stripping costs memory that users do not pay.
   */
  compiled?: boolean
  /**
   * The child's entry instead of `worker.ts`: a JavaScript copy of the bench (`jsWorker()` in
   * scenarios/memory.ts), so that the child does not pay Node's TypeScript loader (~17 MB of RSS).
   */
  worker?: string
}

export interface RunningChild<R> {
  /** The task's result; rejects if it throws, exits early or times out. */
  result: Promise<R>
  /** Messages the task emits while running (e.g. "ready"). */
  onEvent(listener: (event: unknown) => void): void
  /** Sends a message to the running task. */
  send(message: unknown): void
}

type Message =
  { type: 'result'; value: unknown } | { type: 'error'; message: string } | { type: 'event'; value: unknown }

/** Starts `scenario.task` in a child process with `params`. */
export function startChild<R>(task: string, params: unknown, options: ChildOptions = {}): RunningChild<R> {
  // kafkajs 2.2.4 sets negative timeouts on Node 24; the warning says nothing about the measurement.
  const execArgv = [
    ...(options.compiled ? [] : ['--conditions=kafkit-source']),
    '--disable-warning=ExperimentalWarning',
    '--disable-warning=TimeoutNegativeWarning',
    ...(options.nodeFlags ?? []),
  ]
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true })
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${options.profileDir}`,
      `--cpu-prof-name=${task}-${Date.now()}.cpuprofile`,
    )
  }
  const child: ChildProcess = fork(options.worker ?? WORKER, [task], {
    execArgv,
    serialization: 'advanced',
    // kafkajs warns once about its v2 partitioner change; its default is already Java-compatible.
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const listeners: ((event: unknown) => void)[] = []
  const result = new Promise<R>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      child.kill('SIGKILL')
      reject(new Error(`${task} did not finish within ${options.timeoutMs ?? 300_000} ms`))
    }, options.timeoutMs ?? 300_000)
    child.on('message', (message: Message) => {
      if (message.type === 'event') for (const listener of listeners) listener(message.value)
      else if (!settled) {
        settled = true
        clearTimeout(timer)
        if (message.type === 'result') resolve(message.value as R)
        else reject(new Error(`${task} failed: ${message.message}`))
      }
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (!settled) reject(new Error(`${task} exited (code ${code}, signal ${signal}) without a result`))
      settled = true
    })
  })
  child.send({ params })
  return {
    result,
    onEvent: (listener) => listeners.push(listener),
    send: (message) => {
      if (child.connected) child.send({ message })
    },
  }
}

/** Runs `scenario.task` in a child process and resolves with its result. */
export function runChild<R>(task: string, params: unknown, options: ChildOptions = {}): Promise<R> {
  return startChild<R>(task, params, options).result
}
