// the e-mail channel's public surface: other modules import these, never its files
export { emailAccountInput, emailAccountPatch, type OpenEmailAccount } from './accounts.service.js';
export { type DkimKey, signMessage } from './dkim.js';
export { type SendingDomain, SendingDomainsService, sendingDomainInput } from './domains.service.js';
export { buildFastEmail, fastPathAddresses } from './fast-mime.js';
export { buildEmail } from './message.js';
export type { Delivery, EmailTransport } from './transport.js';
