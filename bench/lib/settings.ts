// What every run measures with: the settings shared by all clients (so that they are comparable)
// and the sizes of a full and a --quick run.

/** Settings every client gets, printed with the results. */
export const COMMON = {
  /** The record value: a kafkit JSON envelope padded to this many bytes. */
  recordBytes: 1024,
  acks: 'all',
  idempotent: true,
  // kafkajs ships only gzip; gzip would dominate the CPU of a 2-core box and hide client costs.
  compression: 'none',
  /** Records per send/publishBatch call; kafkit's async path and Java batch by bytes instead. */
  batchRecords: 64,
  batchBytes: 65_536,
  lingerMs: 5,
  /** Partitions of the throughput and latency topics. */
  partitions: 3,
  /** Distinct keys of the throughput topics. */
  keys: 1000,
  /** Consumer fetch settings (kafkit's defaults), given to every Node client. */
  fetchMaxWaitMs: 500,
  fetchMaxBytesPerPartition: 256 * 1024,
  fetchMaxBytes: 1024 * 1024,
  /** Records a consumer may buffer ahead of processing (kafkit's maxPollRecords default). */
  maxPollRecords: 100,
  javaHeap: '512m',
} as const

export interface Profile {
  name: 'quick' | 'full'
  /** Measured repeats per figure (after one warm-up); the median is reported. */
  repeats: number
  producer: { records: number; warmup: number }
  consumer: { records: number; warmup: number }
  latency: { rates: number[]; seconds: number; warmupSeconds: number; repeats: number }
  /**
   * Every concurrency on topics of each key count and partition count, for kafkit and its peers.
   * kafkit's runs read min(ideal rate × seconds, maxRecords) records; a peer's run also ends
   * `peerSeconds` after its first handler started (kafkajs at 1 partition runs at 100/s).
   */
  pool: {
    seconds: number
    handlerMs: number
    keys: number[]
    concurrency: number[]
    partitions: number[]
    maxRecords: number
    peerSeconds: number
    /** Records, partitions and concurrency of the commit-behaviour runs (kill half-way, read on). */
    kill: { records: number; partitions: number; concurrency: number } | undefined
  }
  /** Concurrency 10 is kafkit's default; each value is a run of its own over the same backlog. */
  memory: { backlog: number; seconds: number; handlerMs: number; concurrency: number[] }
  /** Outbox rows drained by the relay, and the rate of the end-to-end latency runs. */
  outbox: { rows: number; rate: number; seconds: number; warmupSeconds: number }
  /** Records encoded and decoded per codec and run (no network: the steady-state cost per record). */
  codec: { records: number }
}

export const FULL: Profile = {
  name: 'full',
  repeats: 5,
  producer: { records: 100_000, warmup: 20_000 },
  consumer: { records: 200_000, warmup: 50_000 },
  latency: { rates: [1000, 10_000], seconds: 30, warmupSeconds: 5, repeats: 3 },
  pool: {
    seconds: 5,
    handlerMs: 10,
    keys: [1000, 10_000],
    concurrency: [1, 10, 100, 1000],
    partitions: [1, 6],
    maxRecords: 100_000,
    peerSeconds: 8,
    kill: { records: 20_000, partitions: 6, concurrency: 100 },
  },
  memory: { backlog: 1_000_000, seconds: 60, handlerMs: 10, concurrency: [10, 100] },
  outbox: { rows: 100_000, rate: 1000, seconds: 30, warmupSeconds: 5 },
  codec: { records: 100_000 },
}

/**
 * About three minutes on a quiet machine, peers included: every scenario in a small form (two
 * rounds, one partition count in the pool, shorter timed runs), so that a change can be checked in
 * one go. Its figures are rough: compare with the full profile, or repeat a scenario with --only.
 */
export const QUICK: Profile = {
  name: 'quick',
  repeats: 2,
  producer: { records: 20_000, warmup: 5_000 },
  consumer: { records: 30_000, warmup: 5_000 },
  latency: { rates: [1000, 10_000], seconds: 4, warmupSeconds: 1, repeats: 1 },
  pool: {
    seconds: 1,
    handlerMs: 10,
    keys: [1000],
    concurrency: [100, 1000],
    partitions: [6],
    maxRecords: 20_000,
    peerSeconds: 2,
    kill: { records: 4000, partitions: 6, concurrency: 100 },
  },
  memory: { backlog: 100_000, seconds: 6, handlerMs: 10, concurrency: [10, 100] },
  outbox: { rows: 10_000, rate: 500, seconds: 4, warmupSeconds: 1 },
  codec: { records: 10_000 },
}
