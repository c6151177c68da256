// Which partitions the wire client fetches, and in what order. Its MessagesStream builds each fetch
// from the member's assignment lists (`consumer.assignments`, one partition list per topic), read
// afresh at every fetch. Editing those lists in place is how kafkit
// - rotates partitions: one that just returned records goes to the back, as the Java client does.
//   Without a fetch session (the broker's cache of 1,000 sessions is full on a busy cluster) the
//   broker serves partitions in request order until the fetch is full; a fixed order starves the
//   last partitions. Within a session the broker rotates by itself and the order does not matter;
// - pauses a partition: a paused partition is left out of the lists, so it is not fetched at all.
// The lists are replaced at every join; adopt() applies the paused set to the new ones. Partitions
// left out also drop out of the member's subscription metadata, which the cooperative-sticky
// assignor reads as the partitions the member owns: restore() puts them back before a join.
import type { Consumer as WireConsumer } from '@platformatic/kafka'
import { tpKey, type TopicPartition } from './member.ts'

export class FetchOrder {
  readonly #wire: Pick<WireConsumer, 'assignments'>
  readonly #excluded = new Map<string, TopicPartition>()

  constructor(wire: Pick<WireConsumer, 'assignments'>) {
    this.#wire = wire
  }

  #listOf(topic: string): number[] | undefined {
    return this.#wire.assignments?.find((assignment) => assignment.topic === topic)?.partitions
  }

  /** Moves a partition to the back: fetched after the others next time. */
  toBack(topic: string, partition: number): void {
    const list = this.#listOf(topic)
    if (!list || list.length < 2 || list[list.length - 1] === partition) return
    const index = list.indexOf(partition)
    if (index < 0) return
    list.splice(index, 1)
    list.push(partition)
  }

  /** Stops fetching a partition. */
  exclude(tp: TopicPartition): void {
    this.#excluded.set(tpKey(tp.topic, tp.partition), tp)
    const list = this.#listOf(tp.topic)
    const index = list?.indexOf(tp.partition) ?? -1
    if (index >= 0) list!.splice(index, 1)
  }

  /** Fetches a partition again (last: it was just held back). */
  include(tp: TopicPartition): void {
    if (!this.#excluded.delete(tpKey(tp.topic, tp.partition))) return
    const list = this.#listOf(tp.topic)
    if (list && !list.includes(tp.partition)) list.push(tp.partition)
  }

  /** The partition is no longer the member's. */
  forget(tp: TopicPartition): void {
    this.#excluded.delete(tpKey(tp.topic, tp.partition))
  }

  /** Puts the excluded partitions back in the lists (they stay excluded: adopt() leaves them out again). */
  restore(): void {
    for (const tp of this.#excluded.values()) {
      const list = this.#listOf(tp.topic)
      if (list && !list.includes(tp.partition)) list.push(tp.partition)
    }
  }

  /** New lists after a join: the excluded partitions are left out of them too. */
  adopt(): void {
    for (const tp of this.#excluded.values()) {
      const list = this.#listOf(tp.topic)
      const index = list?.indexOf(tp.partition) ?? -1
      if (index >= 0) list!.splice(index, 1)
    }
  }
}
