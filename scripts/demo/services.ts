// The three services of the demo, each a child process run exactly as `npm run order-service`
// would run it. Children get their own process group, so a Ctrl-C in the terminal reaches only the
// demo, which then stops them in order with SIGTERM (a second signal would make them exit at once).
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const SERVICES = ['order-service', 'inventory-service', 'notification-service'] as const
export type ServiceName = (typeof SERVICES)[number]

const root = fileURLToPath(new URL('../../', import.meta.url))

export interface Child {
  name: ServiceName
  port: number
  url: string
  process: ChildProcess
  exited: Promise<number | null>
  /** Its output so far, for the error message when it does not come up. */
  output(): string
}

export interface StartOptions {
  env: NodeJS.ProcessEnv
  ports: Record<ServiceName, number>
  /** Each JSON log line of a child. */
  onLog: (name: ServiceName, line: Record<string, unknown>) => void
}

export function startService(name: ServiceName, options: StartOptions): Child {
  const port = options.ports[name]
  const child = spawn(process.execPath, ['--conditions=kafkit-source', `examples/order-system/${name}/main.ts`], {
    cwd: root,
    env: { ...options.env, APP_SERVER_PORT: String(port), APP_SERVER_HOST: '127.0.0.1', LOG_FORMAT: 'json' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const line of chunk.toString().split('\n')) {
      if (!line.startsWith('{')) {
        if (line.trim()) options.onLog(name, { level: 50, msg: line })
        continue
      }
      try {
        options.onLog(name, JSON.parse(line) as Record<string, unknown>)
      } catch {
        options.onLog(name, { level: 30, msg: line })
      }
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { name, port, url: `http://127.0.0.1:${port}`, process: child, exited, output: () => output }
}

/** Resolves once GET /ready answers 200; rejects if the child exits or the deadline passes. */
export async function waitReady(child: Child, deadlineMs = 90_000): Promise<void> {
  const until = Date.now() + deadlineMs
  let exitCode: number | null | undefined
  void child.exited.then((code) => (exitCode = code))
  while (Date.now() < until) {
    if (exitCode !== undefined) {
      throw new Error(`${child.name} exited (code ${exitCode}) before it was ready:\n${child.output().slice(-3000)}`)
    }
    const ok = await fetch(`${child.url}/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${child.name} was not ready within ${deadlineMs / 1000} s:\n${child.output().slice(-3000)}`)
}

/** SIGTERM (graceful: drain, commit, flush), then SIGKILL if it has not exited within the deadline. */
export async function stopService(child: Child, deadlineMs = 35_000): Promise<number | null> {
  if (child.process.exitCode !== null) return child.process.exitCode
  child.process.kill('SIGTERM')
  const timer = setTimeout(() => child.process.kill('SIGKILL'), deadlineMs)
  const code = await child.exited
  clearTimeout(timer)
  return code
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** base, base+1, base+2 when all are free; otherwise (or with base 0) any free ports. */
export async function choosePorts(base: number): Promise<{ ports: Record<ServiceName, number>; moved: boolean }> {
  const wanted = SERVICES.map((_, i) => base + i)
  if (base > 0 && (await Promise.all(wanted.map(portFree))).every(Boolean)) {
    return {
      ports: { 'order-service': wanted[0]!, 'inventory-service': wanted[1]!, 'notification-service': wanted[2]! },
      moved: false,
    }
  }
  const [a, b, c] = [await anyFreePort(), await anyFreePort(), await anyFreePort()]
  return { ports: { 'order-service': a, 'inventory-service': b, 'notification-service': c }, moved: base > 0 }
}
