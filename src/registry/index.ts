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
  REGISTRY_CODECS,
  RegistryDecoder,
  RegistryEncoder,
  RegistryHeaders,
  isFramed,
  isRegistryCodecName,
  registrySchemaOf,
  schemaIdOf,
  type FramedRecord,
  type RegistryCodecName,
} from './codec.ts'
