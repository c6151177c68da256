// @confluentinc/schemaregistry (Confluent's client and serdes) is an optional peer dependency: it
// brings about 170 MB of cloud KMS SDKs with it, which services that never use a registry should not
// carry. It is loaded on first use, from the modules that hold the REST client and the serdes only
// (its index also loads every KMS driver: twice the memory and start-up time).
import type * as ClientNs from '@confluentinc/schemaregistry/dist/schemaregistry-client.js'
import type * as JsonNs from '@confluentinc/schemaregistry/dist/serde/json.js'
import type * as AvroNs from '@confluentinc/schemaregistry/dist/serde/avro.js'
import type * as SerdeNs from '@confluentinc/schemaregistry/dist/serde/serde.js'
import type * as RestErrorNs from '@confluentinc/schemaregistry/dist/rest-error.js'
import type * as ProtobufNs from 'protobufjs'
import { ConfigError, errorMessage } from '../errors.ts'

export const LIBRARY = '@confluentinc/schemaregistry'
export const LIBRARY_VERSION = '1.10.1'

type ClientModule = typeof ClientNs
type JsonModule = typeof JsonNs
type AvroModule = typeof AvroNs
type SerdeModule = typeof SerdeNs
type RestErrorModule = typeof RestErrorNs

export interface Library {
  SchemaRegistryClient: ClientModule['SchemaRegistryClient']
  JsonSerializer: JsonModule['JsonSerializer']
  JsonDeserializer: JsonModule['JsonDeserializer']
  AvroSerializer: AvroModule['AvroSerializer']
  AvroDeserializer: AvroModule['AvroDeserializer']
  SerdeType: SerdeModule['SerdeType']
  /** The Confluent frame's schema id, with Protobuf's message indexes. */
  SchemaId: SerdeModule['SchemaId']
  RestError: RestErrorModule['RestError']
}

let loading: Promise<Library> | undefined

export function loadLibrary(): Promise<Library> {
  return (loading ??= load().catch((err: unknown) => {
    loading = undefined
    throw err
  }))
}

async function load(): Promise<Library> {
  try {
    const [client, json, avro, serde, rest] = await Promise.all([
      import('@confluentinc/schemaregistry/dist/schemaregistry-client.js'),
      import('@confluentinc/schemaregistry/dist/serde/json.js'),
      import('@confluentinc/schemaregistry/dist/serde/avro.js'),
      import('@confluentinc/schemaregistry/dist/serde/serde.js'),
      import('@confluentinc/schemaregistry/dist/rest-error.js'),
    ])
    return {
      SchemaRegistryClient: client.SchemaRegistryClient,
      JsonSerializer: json.JsonSerializer,
      JsonDeserializer: json.JsonDeserializer,
      AvroSerializer: avro.AvroSerializer,
      AvroDeserializer: avro.AvroDeserializer,
      SerdeType: serde.SerdeType,
      SchemaId: serde.SchemaId,
      RestError: rest.RestError,
    }
  } catch (err) {
    throw new ConfigError(
      `the schema registry needs the optional package ${LIBRARY}: npm install ${LIBRARY}@${LIBRARY_VERSION} (${errorMessage(err)})`,
      [],
      { cause: err },
    )
  }
}

/**
 * protobufjs parses the `.proto` text a registry stores (Confluent's own serde needs compiled
 * descriptors instead). Optional too: only the registry-protobuf codec loads it.
 */
export type Protobuf = typeof ProtobufNs.default
let protobuf: Promise<Protobuf> | undefined

export function loadProtobuf(): Promise<Protobuf> {
  return (protobuf ??= import('protobufjs')
    // CommonJS: the namespace's default export is the module itself.
    .then((m) => m.default)
    .catch((err: unknown) => {
      protobuf = undefined
      throw new ConfigError(
        `the registry-protobuf codec needs the optional package protobufjs: npm install protobufjs@8.8.1 (${errorMessage(err)})`,
        [],
        { cause: err },
      )
    }))
}
