// A progress bar on stderr for replays and long reads, drawn only on a terminal (scripts and
// pipes get the final summary line alone). At most ten redraws a second.
import type { CliIo } from './io.ts'

export interface Progress {
  tick(done: number): void
  finish(): void
}

const WIDTH = 30

export function progressBar(io: CliIo, label: string, total: number | undefined): Progress {
  const status = io.status
  if (!status) return { tick: () => undefined, finish: () => undefined }
  const started = performance.now()
  // The first tick always draws (performance.now() starts near 0 in a young process).
  let last = Number.NEGATIVE_INFINITY
  let shown = false
  const draw = (done: number) => {
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? Math.round(done / seconds) : 0
    const bar =
      total && total > 0
        ? `[${'#'.repeat(Math.round((Math.min(done, total) / total) * WIDTH)).padEnd(WIDTH)}] ${done}/${total}`
        : `${done}`
    status(`${label} ${bar}  ${rate}/s`)
    shown = true
  }
  return {
    tick(done) {
      const now = performance.now()
      if (now - last < 100 && done !== total) return
      last = now
      draw(done)
    },
    finish() {
      if (shown) status('')
    },
  }
}
