// follow-up's public surface: other modules import these, never its files
export { addToTargetInput, FollowupService, recipientsQuery } from './followup.service.js';
