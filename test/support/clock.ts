// The tests' clock is kafkit/testing's VirtualClock: it moves only when the test says, and timers
// fire in order of their due time, so interleavings of timeouts, backoffs and due times are deterministic.
export { VirtualClock as ManualClock, settle } from '../../src/testing/clock.ts'
