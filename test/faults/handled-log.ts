// How a fault-suite consumer process reports what it handled: one line per fact in a file, written
// with a synchronous write(2) before the handler returns. A record that was handled (and so may be
// committed) is in the file even if the process is SIGKILLed the next instant: the write is in the
// kernel's page cache. Stdout is not such a channel: once the pipe is full (a busy test process reads
// slowly), Node queues the writes in the process's memory and a SIGKILL drops them, so handled and
// committed records looked as if they had never been handled.
import { closeSync, openSync, readSync, writeSync } from 'node:fs'

/** A line of the log: when (the writer's clock, ms), what, and its fields. */
export interface LoggedFact {
  at: number
  word: string
  fields: string[]
}

/** The writing side (in the consumer process). */
export class HandledLogWriter {
  readonly #fd: number

  constructor(path: string) {
    this.#fd = openSync(path, 'a')
  }

  /** Appends one fact; returns once it is in the file. */
  write(word: string, ...fields: (string | number)[]): void {
    writeSync(this.#fd, `${Date.now()} ${[word, ...fields].join(' ')}\n`)
  }
}

/** The reading side (in the test): each call to `read()` returns the facts written since the last one. */
export class HandledLogReader {
  readonly #path: string
  #position = 0
  #rest = ''

  constructor(path: string) {
    this.#path = path
  }

  read(): LoggedFact[] {
    const fd = openSync(this.#path, 'r')
    const chunks: string[] = []
    try {
      const buffer = Buffer.alloc(1 << 20)
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.#position)
        if (n === 0) break
        this.#position += n
        chunks.push(buffer.toString('utf8', 0, n))
      }
    } finally {
      closeSync(fd)
    }
    const lines = (this.#rest + chunks.join('')).split('\n')
    // The last piece is a line still being written (or empty): kept for the next read.
    this.#rest = lines.pop()!
    return lines.map((line) => {
      const [at, word, ...fields] = line.split(' ')
      return { at: Number(at), word: word!, fields }
    })
  }
}
