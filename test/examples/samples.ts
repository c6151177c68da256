// One valid sample payload per example event definition, and the payload field its key must come from.
const here = { lat: -25.9692, lng: 32.5732 } // Maputo
const at = '2026-01-31T12:00:00.000Z'

export const txovaSamples: Record<string, { payload: Record<string, unknown>; keyField: string }> = {
  'user.registered@1.0': {
    keyField: 'user_id',
    payload: { user_id: 'u-1', phone: '+258841234567', user_type: 'rider' },
  },
  'user.registered@2.0': {
    keyField: 'user_id',
    payload: { user_id: 'u-1', phone: '+258841234567', user_type: 'driver', country: 'MZ' },
  },
  'user.verified@1.0': { keyField: 'user_id', payload: { user_id: 'u-2', verification_type: 'phone' } },
  'user.profile_updated@1.0': { keyField: 'user_id', payload: { user_id: 'u-3', changed_fields: ['name', 'photo'] } },
  'user.suspended@1.0': {
    keyField: 'user_id',
    payload: { user_id: 'u-4', reason: 'fraud', suspended_by: { id: 'admin-1', type: 'admin' } },
  },
  'user.deleted@1.0': { keyField: 'user_id', payload: { user_id: 'u-5', deletion_type: 'hard' } },
  'driver.application_submitted@1.0': { keyField: 'driver_id', payload: { driver_id: 'd-1', user_id: 'u-1' } },
  'driver.documents_submitted@1.0': {
    keyField: 'driver_id',
    payload: { driver_id: 'd-2', document_types: ['drivers_license', 'insurance'] },
  },
  'driver.approved@1.0': {
    keyField: 'driver_id',
    payload: { driver_id: 'd-3', approved_by: { id: 'ops', type: 'system' } },
  },
  'driver.rejected@1.0': {
    keyField: 'driver_id',
    payload: { driver_id: 'd-4', reason: 'expired licence', rejected_by: { id: 'admin-2', type: 'admin' } },
  },
  'driver.went_online@1.0': { keyField: 'driver_id', payload: { driver_id: 'd-5', location: here, vehicle_id: 'v-1' } },
  'driver.went_offline@1.0': { keyField: 'driver_id', payload: { driver_id: 'd-6', reason: 'idle_timeout' } },
  'driver.location_updated@1.0': {
    keyField: 'driver_id',
    payload: { driver_id: 'd-7', location: here, heading: 270, speed: 42.5 },
  },
  'ride.requested@1.0': {
    keyField: 'ride_id',
    payload: {
      ride_id: 'r-1',
      rider_id: 'u-1',
      pickup: { ...here, address: 'Av. Julius Nyerere' },
      dropoff: { lat: -25.92, lng: 32.6 },
      service_type: 'moto',
    },
  },
  'ride.driver_assigned@1.0': {
    keyField: 'ride_id',
    payload: { ride_id: 'r-2', driver_id: 'd-1', vehicle_id: 'v-1', eta_minutes: 4 },
  },
  'ride.driver_arrived@1.0': { keyField: 'ride_id', payload: { ride_id: 'r-3', arrival_time: at } },
  'ride.started@1.0': { keyField: 'ride_id', payload: { ride_id: 'r-4', start_time: at, start_location: here } },
  'ride.completed@1.0': {
    keyField: 'ride_id',
    payload: { ride_id: 'r-5', end_time: at, distance_km: 7.2, duration_mins: 18, fare: 350 },
  },
  'ride.cancelled@1.0': {
    keyField: 'ride_id',
    payload: { ride_id: 'r-6', cancelled_by: 'rider', reason: 'changed plans', cancellation_fee: 50 },
  },
  'ride.rated@1.0': { keyField: 'ride_id', payload: { ride_id: 'r-7', rating: 5, rated_by: 'rider', review: 'great' } },
  'payment.initiated@1.0': {
    keyField: 'payment_id',
    payload: { payment_id: 'p-1', ride_id: 'r-5', amount: 350, method: 'mpesa' },
  },
  'payment.completed@1.0': { keyField: 'payment_id', payload: { payment_id: 'p-2', transaction_ref: 'MP2601311200' } },
  'payment.failed@1.0': {
    keyField: 'payment_id',
    payload: { payment_id: 'p-3', error_code: 'INSUFFICIENT_FUNDS', error_message: 'balance too low' },
  },
  'payment.refunded@1.0': {
    keyField: 'payment_id',
    payload: { payment_id: 'p-4', refund_amount: 50, reason: 'overcharge' },
  },
  'payout.requested@1.0': { keyField: 'payout_id', payload: { payout_id: 'po-1', driver_id: 'd-1', amount: 12000 } },
  'payout.completed@1.0': { keyField: 'payout_id', payload: { payout_id: 'po-2', transaction_ref: 'BANK-99' } },
  'safety.emergency_triggered@1.0': {
    keyField: 'incident_id',
    payload: { incident_id: 'i-1', ride_id: 'r-1', user_id: 'u-1', location: here, emergency_type: 'sos' },
  },
  'safety.incident_reported@1.0': {
    keyField: 'incident_id',
    payload: { incident_id: 'i-2', reporter_id: 'u-1', ride_id: 'r-1', severity: 'high' },
  },
  'safety.trip_shared@1.0': { keyField: 'ride_id', payload: { ride_id: 'r-8', shared_with_phone: '+27821234567' } },
}

export const seriesSamples: Record<string, { payload: Record<string, unknown>; keyField: string }> = {
  'message.received@1.0': {
    keyField: 'conversation_id',
    payload: {
      message_id: 'm-1',
      conversation_id: 'conv-1',
      user_id: 'u-1',
      content: 'hello',
      provider: 'sendblue',
      message_handle: 'sb-123',
      from_number: '+14155550100',
      to_number: '+14155550199',
      service: 'iMessage',
      received_at: at,
    },
  },
  'message.send_requested@1.0': {
    keyField: 'conversation_id',
    payload: {
      message_id: 'm-2',
      conversation_id: 'conv-1',
      user_id: 'u-1',
      content: 'hi back',
      media_urls: ['https://cdn.example.com/a.png'],
      provider: 'linq',
      to_number: '+14155550100',
    },
  },
  'message.sent@1.0': {
    keyField: 'conversation_id',
    payload: {
      message_id: 'm-2',
      conversation_id: 'conv-2',
      user_id: 'u-1',
      provider: 'linq',
      chat_id: 'chat-9',
      linq_message_id: 'lq-1',
      service: 'RCS',
      sent_at: at,
    },
  },
}

export const orderSamples: Record<string, { payload: Record<string, unknown>; keyField: string }> = {
  'order.created@1.0': {
    keyField: 'order_id',
    payload: {
      order_id: 'o-1',
      customer_id: 'customer-123',
      items: [
        { product_id: 'product-001', quantity: 2, price: 99.99 },
        { product_id: 'product-002', quantity: 1, price: 149.99 },
      ],
      total: 349.97,
    },
  },
  'inventory.reserved@1.0': {
    keyField: 'order_id',
    payload: {
      order_id: 'o-2',
      reservation_id: 'res-1',
      items: [{ product_id: 'product-001', quantity: 2 }],
      expires_at: at,
    },
  },
  'inventory.reservation_failed@1.0': {
    keyField: 'order_id',
    payload: {
      order_id: 'o-3',
      reason: 'insufficient_stock',
      missing_items: [{ product_id: 'product-002', requested: 3, available: 1 }],
    },
  },
  'notification.sent@1.0': {
    keyField: 'order_id',
    payload: {
      notification_id: 'n-1',
      order_id: 'o-4',
      customer_id: 'customer-123',
      channel: 'email',
      template: 'order_confirmed',
    },
  },
}
