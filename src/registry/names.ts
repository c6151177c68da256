// The names of the schema-registry codecs, as a topic definition gives them (no code loaded).

export const REGISTRY_CODECS = ['registry-json', 'registry-avro', 'registry-protobuf'] as const
export type RegistryCodecName = (typeof REGISTRY_CODECS)[number]

export function isRegistryCodecName(value: unknown): value is RegistryCodecName {
  return typeof value === 'string' && (REGISTRY_CODECS as readonly string[]).includes(value)
}
