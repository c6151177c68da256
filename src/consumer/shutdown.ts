// Graceful shutdown on SIGTERM / SIGINT: stop what runs (consumers drain and commit, producers
// flush), then exit. A second signal exits at once.
import type { Logger } from '../logging/logger.ts'

export interface Stoppable {
  stop?(): Promise<void>
  close?(): Promise<void>
}

export interface SignalOptions {
  signals?: NodeJS.Signals[]
  logger?: Logger
  /** Exit the process once stopped (default true). */
  exit?: boolean
}

/** Wires signals to stop `targets` in order; returns a function that removes the handlers. */
export function stopOnSignals(targets: Stoppable[], options: SignalOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT']
  let stopping = false
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger?.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    options.logger?.info({ signal }, 'shutting down')
    void (async () => {
      let code = 0
      for (const target of targets) {
        try {
          await (target.close ? target.close() : target.stop?.())
        } catch (error) {
          code = 1
          options.logger?.error({ err: error }, 'shutdown step failed')
        }
      }
      if (options.exit !== false) process.exit(code)
    })()
  }
  for (const signal of signals) process.on(signal, handler)
  return () => {
    for (const signal of signals) process.off(signal, handler)
  }
}
