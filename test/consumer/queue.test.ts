import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Queue } from '../../src/consumer/queue.ts'

/** Pushes and shifts in an irregular pattern, checked against an array. */
function exercise(queue: Queue<number>, model: number[], steps: number, pushEvery: (i: number) => number) {
  let next = 0
  for (let i = 0; i < steps; i++) {
    for (let p = pushEvery(i); p > 0; p--) {
      queue.push(next)
      model.push(next++)
    }
    assert.equal(queue.shift(), model.shift())
    assert.equal(queue.length, model.length)
  }
}

test('a queue keeps FIFO order through being emptied and filled again', () => {
  const queue = new Queue<number>()
  const model: number[] = []
  exercise(queue, model, 5_000, (i) => (i % 3 === 0 ? 2 : i % 7 === 0 ? 0 : 1))
  assert.deepEqual([...queue], model)
  while (model.length > 0) assert.equal(queue.shift(), model.shift())
  assert.equal(queue.shift(), undefined)
  assert.equal(queue.length, 0)
  queue.push(42)
  assert.deepEqual([...queue], [42])
})

test('a queue holding thousands keeps order when it compacts, and after a large burst', () => {
  const queue = new Queue<number>()
  const model: number[] = []
  for (let i = 0; i < 20_000; i++) {
    queue.push(i)
    model.push(i)
  }
  exercise(queue, model, 15_000, (i) => (i % 2 === 0 ? 1 : 0))
  assert.deepEqual([...queue], model)
  while (model.length > 0) assert.equal(queue.shift(), model.shift())
  assert.equal(queue.length, 0)
  exercise(queue, model, 100, () => 1)
  assert.deepEqual([...queue], model)
})
