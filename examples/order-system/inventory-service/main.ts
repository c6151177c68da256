// npm run inventory-service — health endpoints on APP_SERVER_PORT (default 8081).
import { main } from '../shared/main.ts'
import { INVENTORY_SERVICE, startInventoryService } from './service.ts'

await main(INVENTORY_SERVICE, { app: { port: 8081 } }, startInventoryService)
