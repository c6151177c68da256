// npm run notification-service — health endpoints on APP_SERVER_PORT (default 8082).
import { main } from '../shared/main.ts'
import { NOTIFICATION_SERVICE, startNotificationService } from './service.ts'

await main(NOTIFICATION_SERVICE, { app: { port: 8082 } }, startNotificationService)
