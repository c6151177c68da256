// The staging area of a transactional consumer, from its options: how handlers' events are encoded
// (the codec, the schema registry of registry-codec topics) and the largest record they may publish.
import { resolveCodec } from '../envelope/registry.ts'
import type { Logger } from '../logging/logger.ts'
import { RegistryEncoder } from '../registry/encoder.ts'
import type { RegistryCodecName } from '../registry/names.ts'
import type { ResolvedConsumerOptions, ResolvedTransactions } from './options.ts'
import { Staging } from './staging.ts'

export function transactionalStaging(o: ResolvedConsumerOptions, tx: ResolvedTransactions, logger: Logger): Staging {
  const registry = o.registry
  const encoders = new Map<RegistryCodecName, RegistryEncoder>()
  return new Staging({
    prepare: {
      service: o.service,
      codec: resolveCodec(tx.codec),
      maxRecordBytes: tx.maxRecordBytes,
      registryEncoder: registry
        ? (name) => {
            let encoder = encoders.get(name)
            if (!encoder) encoders.set(name, (encoder = new RegistryEncoder(registry, name)))
            return encoder
          }
        : undefined,
    },
    maxRecordBytes: tx.maxRecordBytes,
    logger,
  })
}
