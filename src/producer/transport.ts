// What the sender needs of the cluster: a view of topics, partitions and leaders, and a wire client
// that sends one request of records. On a real cluster these are the ClusterView and the Wire; an
// in-memory Kafka (kafkit/testing) gives its own, so that batching, partitioning, deadlines and
// settling (the sender and everything around it) run unchanged against it.
import type { Broker, ClusterTopicMetadata, ProduceResult } from '@platformatic/kafka'

/** The cluster as the sender sees it (ClusterView implements it). */
export interface TransportView {
  topic(name: string): ClusterTopicMetadata | undefined
  leader(topic: string, partition: number): number | undefined
  broker(nodeId: number): Broker | undefined
  nameOf(nodeId: number): string
  readonly addresses: string[]
  freshen(maxAgeMs: number): void
  suspect(nodeId: number): void
  refresh(topics?: Iterable<string>): Promise<void>
  close(): Promise<void>
}

/** One request of records to the cluster (Wire implements it). */
export interface TransportWire {
  readonly producerId: bigint | undefined
  withDeadline<T>(deadline: number, call: () => T): T
  initIdempotentProducer(options: Record<string, never>): Promise<unknown>
  /** `messages` are OutgoingRecords (typed as the wire client's messages, which they are). */
  send(options: { messages: never[]; acks: number }): Promise<ProduceResult>
  dropConnection(host: string, port: number): boolean
  close(): Promise<void>
}

export interface ProducerTransport {
  view: TransportView
  wire: TransportWire
  /** Ends every connection at once (close() did not finish in time). */
  destroy(): void
}

/** Makes a producer's transport (the default: the wire client, see producer.ts). */
export type TransportFactory = (options: { service: string }) => ProducerTransport
