// A consumer Pipeline for tests that drive the runner's stages directly (no group member): the
// defaults a consumer with no options resolves to, a router of the test's own, and any override.
import { Pipeline, type PipelineOptions } from '../../src/consumer/pipeline.ts'
import { BASE_RETRY } from '../../src/consumer/retry.ts'
import type { Router } from '../../src/consumer/router.ts'
import { CodecRegistry } from '../../src/envelope/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { systemClock } from '../../src/util/clock.ts'

export function testPipeline(router: Router, overrides: Partial<PipelineOptions> = {}): Pipeline {
  return new Pipeline({
    registry: new CodecRegistry(),
    framed: undefined,
    reading: {},
    router,
    middleware: [],
    logger: silentLogger(),
    publisher: undefined,
    onUnknownType: 'skip',
    onUnhandled: 'skip',
    handlerTimeoutMs: 30_000,
    retry: BASE_RETRY,
    escalate: () => Promise.reject(new Error('no failures expected')),
    clock: systemClock,
    telemetry: undefined,
    ...overrides,
  })
}
