export {
  currentContext,
  runWithContext,
  contextOfEvent,
  contextFromHttpHeaders,
  CORRELATION_HEADERS,
  type EventContext,
} from './context.ts'
