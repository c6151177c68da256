// The progress bar: drawn in place on a terminal only, the last state always, and cleared.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { progressBar } from '../../src/cli/progress.ts'

test('a progress bar is drawn on a terminal and never in a pipe', () => {
  const drawn: string[] = []
  const terminal = {
    out: () => undefined,
    err: () => undefined,
    env: {},
    status: (text: string) => void drawn.push(text),
  }
  const bar = progressBar(terminal, 'replaying', 4)
  bar.tick(1)
  bar.tick(4) // the last one is always drawn, however soon after the previous
  bar.finish()
  assert.equal(drawn.length, 3)
  assert.match(drawn[0]!, /^replaying \[#{8} {22}\] 1\/4 {2}\d+\/s$/)
  assert.match(drawn[1]!, /^replaying \[#{30}\] 4\/4/)
  assert.equal(drawn[2], '', 'cleared at the end')

  const lines: string[] = []
  const pipe = { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), env: {} }
  const silent = progressBar(pipe, 'replaying', 4)
  silent.tick(4)
  silent.finish()
  assert.deepEqual(lines, [])
})
