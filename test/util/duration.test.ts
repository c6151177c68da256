import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDuration, parseDuration } from '../../src/util/duration.ts'

test('durations parse from milliseconds or a number with a unit', () => {
  const cases: [number | string, number][] = [
    [250, 250],
    ['250', 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    [' 2 m ', 120_000],
    [0, 0],
  ]
  for (const [value, ms] of cases) assert.equal(parseDuration(value), ms, JSON.stringify(value))
})

test('anything else is not a duration', () => {
  for (const value of ['', 'soon', '5 minutes', '1w', '-5s', '1e3', -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.equal(parseDuration(value), undefined, JSON.stringify(value))
  }
})

test('durations format in the largest whole unit and parse back', () => {
  const cases: [number, string][] = [
    [604_800_000, '7d'],
    [43_200_000, '12h'],
    [90_000, '90s'],
    [300_000, '5m'],
    [1500, '1500ms'],
    [0, '0ms'],
  ]
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text)
    assert.equal(parseDuration(text), ms)
  }
})
