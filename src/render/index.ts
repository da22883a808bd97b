/**
 * The renderer (docs/decisions/0008-one-renderer.md): above mailings and recipients, the only
 * place a message is made. `prepare` once per revision key of a mailing, `renderFor` per
 * recipient; preview, test send, send, resend, view online, SMS and documents all use it.
 */
export type {
  Prepared,
  PreparedDocument,
  PreparedEmail,
  PreparedSms,
  RevisionKey,
} from './prepared.js';
export {
  type EmailMessage,
  type EmailParts,
  type EmailSend,
  type EmailView,
  type Mailbox,
  MessageNotBuiltError,
  type Preview,
  Renderer,
  type RendererSources,
  type RenderRecipient,
  type SmsMessage,
} from './renderer.js';
