// npm run order-service — the order API on APP_SERVER_PORT (default 8080).
import { main } from '../shared/main.ts'
import { ORDER_SERVICE, startOrderService } from './service.ts'

await main(ORDER_SERVICE, { app: { port: 8080 } }, startOrderService)
