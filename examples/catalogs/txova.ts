// The complete txova catalog (seeds/txova-go-kafka.md): 28 event types on 6 topics, keyed by entity
// id, 7-day retention, consumer groups named `{service}-group`, and a v2.0 of user.registered that
// consumers still on v1.0 data reach through an upcaster.
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from 'kafkit'
import type { ServiceMap } from 'kafkit/schema'

// ---------------------------------------------------------------------------------------------
// Services and consumer groups

/**
 * The services of the seed's consumer-group table, plus analytics-service: the topic table names
 * Analytics as a consumer of txova.rides.v1, so it needs a group as well.
 */
export const TXOVA_SERVICES = [
  'user-service',
  'driver-service',
  'ride-service',
  'payment-service',
  'notification-service',
  'safety-service',
  'operations-service',
  'analytics-service',
] as const
export type TxovaService = (typeof TXOVA_SERVICES)[number]

/** The seed's group naming: `{service}-group`. */
export function groupOf<S extends string>(service: S): `${S}-group` {
  return `${service}-group`
}

// ---------------------------------------------------------------------------------------------
// Topics

/**
 * The seed writes the DLQ name as `txova.{original-topic}.dlq`. Read literally with a full topic
 * name that doubles the namespace (`txova.txova.rides.v1.dlq`); we read `{original-topic}` as the
 * name after the `txova.` namespace, which gives `txova.rides.v1.dlq`. That keeps the version (a
 * v2 topic gets its own DLQ) and is exactly kafkit's `{topic}.dlq`, written out here so the choice is
 * visible where the topics are defined.
 */
export const TXOVA_DLQ_TEMPLATE = '{topic}.dlq'

// Retention 7 days per the seed. Replication factor 3 is a production setting: it is left to the
// brokers' default.replication.factor, so the same catalog also provisions a one-broker dev cluster.
const common = { retention: '7d', dlq: TXOVA_DLQ_TEMPLATE } as const

export const usersTopic = defineTopic({ name: 'txova.users.v1', key: 'user_id', partitions: 6, ...common })
export const driversTopic = defineTopic({ name: 'txova.drivers.v1', key: 'driver_id', partitions: 6, ...common })
export const ridesTopic = defineTopic({ name: 'txova.rides.v1', key: 'ride_id', partitions: 12, ...common })
/** High volume (a position every few seconds per online driver), hence more partitions. */
export const locationsTopic = defineTopic({ name: 'txova.locations.v1', key: 'driver_id', partitions: 24, ...common })

/**
 * Keyed by payment_id. The seed also puts payouts here, which have no payment_id: they are keyed by
 * payout_id, the only field both payout events carry, so a payout's request and completion stay in
 * order (driver_id would not do: payout.completed lacks it).
 */
export const paymentsTopic = defineTopic({
  name: 'txova.payments.v1',
  key: (p: { payment_id: string } | { payout_id: string }) => ('payment_id' in p ? p.payment_id : p.payout_id),
  partitions: 6,
  ...common,
})

/**
 * Keyed by incident_id. safety.emergency_triggered gains an incident_id (an SOS opens an incident,
 * so its follow-ups share a key and an order); safety.trip_shared is not an incident and falls back
 * to ride_id.
 */
export const safetyTopic = defineTopic({
  name: 'txova.safety.v1',
  key: (p: { incident_id: string } | { ride_id: string }) => ('incident_id' in p ? p.incident_id : p.ride_id),
  partitions: 3,
  ...common,
})

/** Who consumes each topic (the seed's topic table), e.g. for ACLs and lag dashboards. */
export const TOPIC_CONSUMERS: Record<string, readonly TxovaService[]> = {
  [usersTopic.name]: ['driver-service', 'notification-service', 'safety-service'],
  [driversTopic.name]: ['ride-service', 'notification-service', 'operations-service'],
  [ridesTopic.name]: ['payment-service', 'safety-service', 'notification-service', 'analytics-service'],
  [paymentsTopic.name]: ['ride-service', 'driver-service', 'notification-service'],
  [safetyTopic.name]: ['notification-service', 'operations-service'],
  [locationsTopic.name]: ['ride-service', 'safety-service'],
}

// ---------------------------------------------------------------------------------------------
// Shared field schemas

const Id = z.string().min(1)
const Time = z.iso.datetime()
const Phone = z.e164()
/** Amounts in meticais (MZN), the platform's one currency. */
const Money = z.number().nonnegative()
const Location = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) })
/** Who did it, with the envelope's actor types. */
const ActorRef = z.object({ id: Id, type: z.enum(['user', 'system', 'admin']) })

// ---------------------------------------------------------------------------------------------
// User events

export const UserType = z.enum(['rider', 'driver', 'admin'])

export const UserRegistered = defineEvent({
  type: 'user.registered',
  version: '1.0',
  topic: usersTopic,
  schema: z.object({ user_id: Id, phone: Phone, user_type: UserType }),
})

/** Calling code → ISO country, for the markets txova serves. */
const COUNTRY_BY_CALLING_CODE: Record<string, string> = { '+258': 'MZ', '+27': 'ZA', '+263': 'ZW', '+265': 'MW' }

/**
 * v2.0 adds a required `country` (a new required field means a new major, per the seed). Records
 * still produced at v1.0 during the migration are upcast: the country follows from the phone's
 * calling code; an unknown code fails the upcast (and the record goes to the DLQ) rather than guess.
 */
export const UserRegisteredV2 = defineEvent({
  type: 'user.registered',
  version: '2.0',
  topic: usersTopic,
  schema: z.object({ user_id: Id, phone: Phone, user_type: UserType, country: z.string().length(2) }),
  upcast: {
    from: UserRegistered,
    up: (v1) => {
      const code = Object.keys(COUNTRY_BY_CALLING_CODE).find((c) => v1.phone.startsWith(c))
      if (code === undefined) throw new Error(`no country for the calling code of ${v1.phone.slice(0, 4)}…`)
      return { ...v1, country: COUNTRY_BY_CALLING_CODE[code]! }
    },
  },
})

export const UserVerified = defineEvent({
  type: 'user.verified',
  version: '1.0',
  topic: usersTopic,
  schema: z.object({ user_id: Id, verification_type: z.enum(['phone', 'email', 'identity_document']) }),
})

export const UserProfileUpdated = defineEvent({
  type: 'user.profile_updated',
  version: '1.0',
  topic: usersTopic,
  schema: z.object({ user_id: Id, changed_fields: z.array(z.string().min(1)).min(1) }),
})

export const UserSuspended = defineEvent({
  type: 'user.suspended',
  version: '1.0',
  topic: usersTopic,
  schema: z.object({ user_id: Id, reason: z.string().min(1), suspended_by: ActorRef }),
})

export const UserDeleted = defineEvent({
  type: 'user.deleted',
  version: '1.0',
  topic: usersTopic,
  // soft: account closed, data kept for the legal period; hard: personal data erased.
  schema: z.object({ user_id: Id, deletion_type: z.enum(['soft', 'hard']) }),
})

// ---------------------------------------------------------------------------------------------
// Driver events

export const DriverApplicationSubmitted = defineEvent({
  type: 'driver.application_submitted',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, user_id: Id }),
})

export const DocumentType = z.enum([
  'national_id',
  'drivers_license',
  'vehicle_registration',
  'insurance',
  'profile_photo',
])

export const DriverDocumentsSubmitted = defineEvent({
  type: 'driver.documents_submitted',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, document_types: z.array(DocumentType).min(1) }),
})

export const DriverApproved = defineEvent({
  type: 'driver.approved',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, approved_by: ActorRef }),
})

export const DriverRejected = defineEvent({
  type: 'driver.rejected',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, reason: z.string().min(1), rejected_by: ActorRef }),
})

export const DriverWentOnline = defineEvent({
  type: 'driver.went_online',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, location: Location, vehicle_id: Id }),
})

export const DriverWentOffline = defineEvent({
  type: 'driver.went_offline',
  version: '1.0',
  topic: driversTopic,
  schema: z.object({ driver_id: Id, reason: z.enum(['manual', 'idle_timeout', 'connection_lost', 'suspended']) }),
})

/** On the locations topic, not drivers: it is the high-volume stream ride and safety services follow. */
export const DriverLocationUpdated = defineEvent({
  type: 'driver.location_updated',
  version: '1.0',
  topic: locationsTopic,
  schema: z.object({
    driver_id: Id,
    location: Location,
    /** Degrees clockwise from north. */
    heading: z.number().min(0).lt(360),
    /** km/h. */
    speed: z.number().nonnegative(),
  }),
})

// ---------------------------------------------------------------------------------------------
// Ride events

export const ServiceType = z.enum(['moto', 'standard', 'comfort', 'xl'])
const Place = Location.extend({ address: z.string().optional() })

export const RideRequested = defineEvent({
  type: 'ride.requested',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({ ride_id: Id, rider_id: Id, pickup: Place, dropoff: Place, service_type: ServiceType }),
})

export const RideDriverAssigned = defineEvent({
  type: 'ride.driver_assigned',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({ ride_id: Id, driver_id: Id, vehicle_id: Id, eta_minutes: z.number().int().nonnegative() }),
})

export const RideDriverArrived = defineEvent({
  type: 'ride.driver_arrived',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({ ride_id: Id, arrival_time: Time }),
})

export const RideStarted = defineEvent({
  type: 'ride.started',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({ ride_id: Id, start_time: Time, start_location: Location }),
})

export const RideCompleted = defineEvent({
  type: 'ride.completed',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({
    ride_id: Id,
    end_time: Time,
    distance_km: z.number().nonnegative(),
    duration_mins: z.number().nonnegative(),
    fare: Money,
  }),
})

export const RideCancelled = defineEvent({
  type: 'ride.cancelled',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({
    ride_id: Id,
    cancelled_by: z.enum(['rider', 'driver', 'system']),
    reason: z.string().min(1),
    cancellation_fee: Money,
  }),
})

export const RideRated = defineEvent({
  type: 'ride.rated',
  version: '1.0',
  topic: ridesTopic,
  schema: z.object({
    ride_id: Id,
    rating: z.number().int().min(1).max(5),
    rated_by: z.enum(['rider', 'driver']),
    review: z.string().max(2000).optional(),
  }),
})

// ---------------------------------------------------------------------------------------------
// Payment events (payouts share the payments topic, keyed by payout_id: see paymentsTopic)

export const PaymentMethod = z.enum(['cash', 'card', 'mpesa', 'emola', 'wallet'])

export const PaymentInitiated = defineEvent({
  type: 'payment.initiated',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payment_id: Id, ride_id: Id, amount: Money, method: PaymentMethod }),
})

export const PaymentCompleted = defineEvent({
  type: 'payment.completed',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payment_id: Id, transaction_ref: Id }),
})

export const PaymentFailed = defineEvent({
  type: 'payment.failed',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payment_id: Id, error_code: z.string().min(1), error_message: z.string() }),
})

export const PaymentRefunded = defineEvent({
  type: 'payment.refunded',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payment_id: Id, refund_amount: Money, reason: z.string().min(1) }),
})

export const PayoutRequested = defineEvent({
  type: 'payout.requested',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payout_id: Id, driver_id: Id, amount: Money }),
})

export const PayoutCompleted = defineEvent({
  type: 'payout.completed',
  version: '1.0',
  topic: paymentsTopic,
  schema: z.object({ payout_id: Id, transaction_ref: Id }),
})

// ---------------------------------------------------------------------------------------------
// Safety events

export const EmergencyTriggered = defineEvent({
  type: 'safety.emergency_triggered',
  version: '1.0',
  topic: safetyTopic,
  schema: z.object({
    /** Not in the seed: the incident this SOS opens, which keys it on the safety topic. */
    incident_id: Id,
    ride_id: Id,
    user_id: Id,
    location: Location,
    emergency_type: z.enum(['sos', 'accident', 'medical', 'harassment', 'other']),
  }),
})

export const IncidentReported = defineEvent({
  type: 'safety.incident_reported',
  version: '1.0',
  topic: safetyTopic,
  schema: z.object({
    incident_id: Id,
    reporter_id: Id,
    ride_id: Id,
    severity: z.enum(['low', 'medium', 'high', 'critical']),
  }),
})

export const TripShared = defineEvent({
  type: 'safety.trip_shared',
  version: '1.0',
  topic: safetyTopic,
  schema: z.object({ ride_id: Id, shared_with_phone: Phone }),
})

// ---------------------------------------------------------------------------------------------

export const txovaTopics = [usersTopic, driversTopic, ridesTopic, paymentsTopic, safetyTopic, locationsTopic] as const

export const txovaCatalog = createCatalog([
  UserRegistered,
  UserRegisteredV2,
  UserVerified,
  UserProfileUpdated,
  UserSuspended,
  UserDeleted,
  DriverApplicationSubmitted,
  DriverDocumentsSubmitted,
  DriverApproved,
  DriverRejected,
  DriverWentOnline,
  DriverWentOffline,
  DriverLocationUpdated,
  RideRequested,
  RideDriverAssigned,
  RideDriverArrived,
  RideStarted,
  RideCompleted,
  RideCancelled,
  RideRated,
  PaymentInitiated,
  PaymentCompleted,
  PaymentFailed,
  PaymentRefunded,
  PayoutRequested,
  PayoutCompleted,
  EmergencyTriggered,
  IncidentReported,
  TripShared,
])

/** The domain each service owns and publishes (the seed names a service per domain). */
const PUBLISHES: Record<TxovaService, readonly string[]> = {
  'user-service': ['user.*'],
  'driver-service': ['driver.*'],
  'ride-service': ['ride.*'],
  'payment-service': ['payment.*', 'payout.*'],
  'safety-service': ['safety.*'],
  'notification-service': [],
  'operations-service': [],
  'analytics-service': [],
}

/** Who publishes which events and consumes which topics: the AsyncAPI document's operations. */
export const txovaServices: ServiceMap = Object.fromEntries(
  TXOVA_SERVICES.map((service) => [
    service,
    {
      publishes: PUBLISHES[service],
      consumes: Object.keys(TOPIC_CONSUMERS).filter((topic) => TOPIC_CONSUMERS[topic]!.includes(service)),
      group: groupOf(service),
    },
  ]),
)
