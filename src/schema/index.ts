export {
  payloadJsonSchema,
  registeredJsonSchema,
  readAnnotations,
  Annotations,
  DRAFT_07,
  type EventAnnotations,
} from './json-schema.ts'
export { avroSchemaOf, avroToPlain, avroRecordName, type AvroSchema } from './avro.ts'
export { backwardIncompatibilities, type Incompatibility } from './compat.ts'
export {
  checkCatalog,
  localFindings,
  formatFinding,
  registryCodecOf,
  type CheckOptions,
  type CheckRule,
  type Finding,
} from './check.ts'
export { pushSchemas, type PushResult } from './push.ts'
export { scanPublished, type PublishedEvidence, type ScanOptions, type ScanTarget } from './published.ts'
export { DEPRECATION_WINDOW_DAYS, windowEnd, windowEnded, deprecationWarning } from './deprecation.ts'
export { asyncApiDocument, messageId, ASYNCAPI_VERSION, type AsyncApiOptions, type ServiceMap } from './asyncapi.ts'
