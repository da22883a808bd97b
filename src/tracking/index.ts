// tracking's public surface: other modules import these, never its files
export {
  parseRecipientToken,
  parseReturnPathToken,
  type RecipientLinks,
  type RecipientToken,
  signReturnPathToken,
  TrackingLinks,
} from './links.js';
export type { TrackingService } from './tracking.service.js';
