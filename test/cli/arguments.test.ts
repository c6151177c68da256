// The kafkit command given bad arguments: every one is refused with a message naming the flag and
// the value, a non-zero exit code (2: usage) and nothing done. Each case was once accepted.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cli, topicWithFailures } from './support.ts'

const usage = 2

test('counts and rates must be whole numbers of at least one', async () => {
  for (const [argv, message] of [
    [['dlq', 'list', 'x.dlq', '--limit', '0'], /--limit "0" must be a whole number 1 or more/],
    [['tail', 'x', '--count', '0'], /--count "0" must be a whole number 1 or more/],
    [['tail', 'x', '--count', 'abc'], /--count "abc" must be a whole number/],
    [['dlq', 'replay', 'x.dlq', '--rate', '0'], /--rate "0" must be a whole number 1 or more/],
    [['dlq', 'list', 'x.dlq', '--partition', '-1'], /--partition "-1" must be a whole number/],
    [['dlq', 'list', 'x.dlq', '--limit', '1.5'], /--limit "1.5"/],
  ] as const) {
    const run = await cli([...argv])
    assert.equal(run.code, usage, `${argv.join(' ')}: ${run.all}`)
    assert.match(run.err.join('\n'), message)
  }
})

test('types must be event types or patterns, times must be times', async () => {
  for (const [argv, message] of [
    [['dlq', 'list', 'x.dlq', '--type', '['], /--type: "\[" is not an event type or pattern/],
    [['tail', 'x', '--type', 'Order Created'], /--type: "Order Created" is not an event type/],
    [['dlq', 'list', 'x.dlq', '--since', '1'], /--since "1" is not a time: use ISO 8601/],
    [['dlq', 'list', 'x.dlq', '--since', 'yesterday'], /--since "yesterday" is not a time/],
    [['dlq', 'list', 'x.dlq', '--until', '2026-13-45'], /--until "2026-13-45" is not a time/],
    [['dlq', 'list', 'x.dlq', '--since', '2026-02-01', '--until', '2026-01-01'], /--since .* is after --until/],
  ] as const) {
    const run = await cli([...argv])
    assert.equal(run.code, usage, `${argv.join(' ')}: ${run.all}`)
    assert.match(run.err.join('\n'), message)
  }
})

test('--to-group and --all-groups together are refused, and so is an empty group name', async () => {
  const both = await cli(['dlq', 'replay', 'x.dlq', '--to-group', 'g', '--all-groups'])
  assert.equal(both.code, usage)
  assert.match(both.err.join('\n'), /--to-group and --all-groups cannot be used together/)
  const empty = await cli(['dlq', 'replay', 'x.dlq', '--to-group', ''])
  assert.equal(empty.code, usage)
  assert.match(empty.err.join('\n'), /--to-group "" must be a name/)
})

test('a partition the topic does not have, or a topic that does not exist, is refused', async (t) => {
  const failures = await topicWithFailures(t, 1, 3)
  const partition = await cli(['dlq', 'list', failures.dlq, '--partition', '99'])
  assert.equal(partition.code, usage, partition.all)
  assert.match(partition.err.join('\n'), new RegExp(`--partition 99: ${failures.dlq} has 3 partition\\(s\\), 0 to 2`))
  const show = await cli(['dlq', 'show', failures.dlq, '--partition', '3', '--offset', '0'])
  assert.equal(show.code, usage, show.all)
  const missing = await cli(['dlq', 'list', `${failures.dlq}-nope`])
  assert.equal(missing.code, usage, missing.all)
  assert.match(missing.err.join('\n'), /topic .*-nope does not exist/)
  const tail = await cli(['tail', `${failures.topic}-nope`, '--count', '1'])
  assert.equal(tail.code, usage, tail.all)
})

test('unknown commands and options are usage errors', async () => {
  assert.equal((await cli(['dlq', 'lst'])).code, usage)
  assert.equal((await cli(['dlq', 'list', 'x.dlq', '--limt', '3'])).code, usage)
  assert.equal((await cli(['--version'])).code, 0)
})
