import type { RouteDefinition } from '../route.js';
import { accessRoutes } from './access.routes.js';
import { bounceRoutes } from './bounces.routes.js';
import { crmRoutes } from './crm.routes.js';
import { followupRoutes } from './followup.routes.js';
import { importRoutes } from './import.routes.js';
import { mailingRoutes } from './mailings.routes.js';
import {
  emailAccountRoutes,
  sendingDomainRoutes,
  sendingRoutes,
  smsGatewayRoutes,
} from './sending.routes.js';
import { systemRoutes } from './system.routes.js';
import { trackingRoutes } from './tracking.routes.js';

/** The one route table: every route of the API with the right it needs. */
export const routeTable: RouteDefinition[] = [
  ...systemRoutes,
  ...accessRoutes,
  ...crmRoutes,
  ...importRoutes,
  ...mailingRoutes,
  ...sendingRoutes,
  ...sendingDomainRoutes,
  ...smsGatewayRoutes,
  ...emailAccountRoutes,
  ...trackingRoutes,
  ...bounceRoutes,
  ...followupRoutes,
];
