// the SMS channel's public surface: other modules import these, never its files
export { checkSmsSender, countSms, type SmsCount } from './encoding.js';
export type { DeliveryReceipt, SmsDelivery, SmsGateway } from './gateway.js';
export { type ActiveSmsGateway, smsGatewayInput, smsGatewayPatch } from './gateways.service.js';
