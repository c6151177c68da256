export {
  SchemaRegistry,
  defaultSubject,
  REGISTRY_DEFAULTS,
  type RegistrySchema,
  type SchemaRegistryOptions,
  type SchemaType,
  type SubjectInput,
  type SubjectStrategy,
} from './client.ts'
export { SchemaRegistryError } from './errors.ts'
export { RegistryHeaders, isFramed, registrySchemaOf, schemaIdOf, type FramedRecord } from './codec.ts'
export { RegistryEncoder } from './encoder.ts'
export { RegistryDecoder } from './decoder.ts'
export { REGISTRY_CODECS, isRegistryCodecName, type RegistryCodecName } from './names.ts'
