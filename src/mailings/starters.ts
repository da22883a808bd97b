/**
 * The built-in starter library (PRODUCT.md §6): three e-mail templates (newsletter, invitation,
 * plain letter), one SMS and one letter. Each e-mail carries an unsubscribe and a
 * manage-subscriptions link; the SMS and the letter have no links (their channels have none).
 */
export interface StarterTemplate {
  key: string;
  name: string;
  channel: 'email' | 'sms' | 'document';
  description: string;
  setup: Record<string, unknown>;
  content: Record<string, unknown>;
}

const footer = `
    <mj-section padding="16px 24px">
      <mj-column>
        <mj-text font-size="12px" color="#6b7280" align="center" line-height="18px">
          You receive this because you subscribed at [[company.name]].<br />
          <a href="[[link.subscription]]" style="color:#6b7280">Unsubscribe</a> ·
          <a href="[[link.manageSubscriptions]]" style="color:#6b7280">Manage subscriptions</a> ·
          <a href="[[link.viewShipmentMessage]]" style="color:#6b7280">View online</a>
        </mj-text>
      </mj-column>
    </mj-section>`;

/*
 * No starter uses mj-divider: MJML writes it as an element with font-size:1px, which spam filters
 * score as invisible text; a bordered empty paragraph draws the same line.
 */
const head = (title: string) => `
  <mj-head>
    <mj-title>${title}</mj-title>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="16px" line-height="24px" color="#1f2937" />
    </mj-attributes>
  </mj-head>`;

/**
 * The starters' picture placeholder: a grey pixel drawn at the picture's size. It is inline so
 * that neither the editor, the preview nor a test send asks a third-party host for it (no request
 * leaves the host; a placeholder service would also learn who previews what); the user replaces it
 * with a library image.
 */
const placeholderImage =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGO4cP0eAAUAAobjjbKnAAAAAElFTkSuQmCC';

export const starterTemplates: readonly StarterTemplate[] = [
  {
    key: 'email-newsletter',
    name: 'Newsletter',
    channel: 'email',
    description:
      'A header, a lead story with image and button, two short items and a footer with subscription links',
    setup: { subject: 'News from us, [[customer.firstname]]', preheader: 'What happened this month' },
    content: {
      format: 'mjml',
      source: `<mjml>${head('Newsletter')}
  <mj-body background-color="#f3f4f6">
    <mj-section background-color="#1e3a8a" padding="20px 24px">
      <mj-column><mj-text color="#ffffff" font-size="22px" font-weight="bold">Monthly news</mj-text></mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-image src="${placeholderImage}" height="240px" alt="The lead story: replace this picture with one from the image library" border-radius="4px" />
        <mj-text font-size="20px" font-weight="bold">Hello [[customer.firstname]],</mj-text>
        <mj-text>Here is what is new this month. Replace this text with your lead story.</mj-text>
        <mj-button background-color="#1e3a8a" href="https://example.com/news">Read the story</mj-button>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="0 24px 24px">
      <mj-column><mj-text font-weight="bold">Second item</mj-text><mj-text>A short paragraph.</mj-text></mj-column>
      <mj-column><mj-text font-weight="bold">Third item</mj-text><mj-text>A short paragraph.</mj-text></mj-column>
    </mj-section>${footer}
  </mj-body>
</mjml>`,
    },
  },
  {
    key: 'email-invitation',
    name: 'Invitation',
    channel: 'email',
    description: 'An event invitation: what, when, where, and a registration button',
    setup: { subject: '[[customer.firstname]], you are invited', preheader: 'Save the date' },
    content: {
      format: 'mjml',
      source: `<mjml>${head('Invitation')}
  <mj-body background-color="#fafaf9">
    <mj-section background-color="#ffffff" padding="32px 24px">
      <mj-column>
        <mj-text font-size="24px" font-weight="bold" align="center">You are invited</mj-text>
        <mj-text align="center">Dear [[customer.bestName]], we would be glad to see you[[IF:company.name]] and your colleagues at [[company.name]][[ENDIF]].</mj-text>
        <mj-text padding="10px 25px"><p style="border-top:solid 4px #e7e5e4;height:0;line-height:0;margin:0"></p></mj-text>
        <mj-text align="center"><strong>When:</strong> Thursday 14 May, 18:00<br /><strong>Where:</strong> Our office</mj-text>
        <mj-button background-color="#065f46" href="https://example.com/register">Register</mj-button>
        <mj-text align="center" font-size="14px">Questions? Reply to this e-mail or contact [[ourContact.name]].</mj-text>
      </mj-column>
    </mj-section>${footer}
  </mj-body>
</mjml>`,
    },
  },
  {
    key: 'email-plain-letter',
    name: 'Plain letter',
    channel: 'email',
    description: 'A personal, text-only letter that reads like a normal e-mail',
    setup: { subject: 'A note from [[ourContact.name]]', preheader: 'A short personal note' },
    content: {
      format: 'mjml',
      source: `<mjml>${head('Letter')}
  <mj-body background-color="#ffffff">
    <mj-section padding="24px">
      <mj-column>
        <mj-text>[[IF:customer.mrmrs="Mr"]]Dear Mr [[customer.lastname]][[ELSEIF:customer.mrmrs="Ms"]]Dear Ms [[customer.lastname]][[ELSE]]Dear [[customer.bestName]][[ENDIF]],</mj-text>
        <mj-text>Write your letter here.</mj-text>
        <mj-text>Kind regards,<br />[[ourContact.name]]<br />[[ourContact.email]]</mj-text>
      </mj-column>
    </mj-section>${footer}
  </mj-body>
</mjml>`,
    },
  },
  {
    key: 'sms-reminder',
    name: 'SMS reminder',
    channel: 'sms',
    description: 'A short reminder within one GSM-7 SMS',
    setup: { sender: 'Posthorn' },
    content: {
      text: 'Hi [[customer.firstname]]! A reminder: we meet tomorrow at 10:00. Reply STOP to opt out.',
    },
  },
  {
    key: 'document-letter',
    name: 'Letter',
    channel: 'document',
    description:
      'A printed letter with salutation and signature; the frame adds sender, address, date and heading',
    setup: { heading: 'Information', attention: { rule: 'ifNoneDefined', text: '' } },
    content: {
      body: '[[IF:customer.mrmrs="Mr"]]Dear Mr [[customer.lastname]][[ELSEIF:customer.mrmrs="Ms"]]Dear Ms [[customer.lastname]][[ELSE]]Dear [[customer.bestName]][[ENDIF]],\n\nWrite your letter here.\n\nKind regards\n\n[[ourContact.name]]',
    },
  },
];
