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
export {
  RegistryDecoder,
  RegistryEncoder,
  RegistryHeaders,
  isFramed,
  registrySchemaOf,
  schemaIdOf,
  type FramedRecord,
} from './codec.ts'
export { REGISTRY_CODECS, isRegistryCodecName, type RegistryCodecName } from './names.ts'
